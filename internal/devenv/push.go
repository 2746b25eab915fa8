/*
Copyright 2026 The webhook-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package devenv

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Provider names, equal to their keys in a receiver Secret.
const (
	GitHub          = "github"
	GitLab          = "gitlab"
	Bitbucket       = "bitbucket"
	BitbucketServer = "bitbucket-server"
	Gogs            = "gogs"
	Gitea           = "gitea"
)

// Providers lists every provider a Push can be built for.
var Providers = []string{GitHub, GitLab, Bitbucket, BitbucketServer, Gogs, Gitea}

// Push is one push webhook as a Git host sends it: a payload in the
// provider's own format, signed the provider's way.
type Push struct {
	Provider string
	// RepoURL is the repository's https URL, e.g. https://github.com/org/repo.
	RepoURL string
	// Branch or Tag that was pushed.
	Branch string
	Tag    string
	// Commit is the SHA the ref points to after the push.
	Commit string
	// DefaultBranch is the repository's default branch, if the payload says.
	DefaultBranch string
	// DeliveryID is sent in the provider's delivery header; random if empty.
	DeliveryID string
}

// RandomSHA is a random 40-hex commit id.
func RandomSHA() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RandomToken is a random secret for tests.
func RandomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (p Push) ref() string {
	if p.Tag != "" {
		return "refs/tags/" + p.Tag
	}
	return "refs/heads/" + p.Branch
}

// repoParts splits RepoURL into host and path (org/repo, no .git).
func (p Push) repoParts() (host, path string, err error) {
	u, err := url.Parse(p.RepoURL)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("repo URL %q must be an absolute https URL", p.RepoURL)
	}
	return u.Host, strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git"), nil
}

const zeroSHA = "0000000000000000000000000000000000000000"

// Body is the push payload in the provider's JSON format, with every repo URL
// a real payload carries.
func (p Push) Body() ([]byte, error) {
	host, path, err := p.repoParts()
	if err != nil {
		return nil, err
	}
	name := path[strings.LastIndex(path, "/")+1:]
	web := "https://" + host + "/" + path
	var v any
	switch p.Provider {
	case GitHub, Gogs, Gitea:
		repo := map[string]any{
			"name": name, "full_name": path, "html_url": web,
			"clone_url": web + ".git", "ssh_url": "git@" + host + ":" + path + ".git",
		}
		if p.Provider == GitHub {
			repo["git_url"] = "git://" + host + "/" + path + ".git"
		}
		if p.DefaultBranch != "" {
			repo["default_branch"] = p.DefaultBranch
		}
		v = map[string]any{
			"ref": p.ref(), "before": zeroSHA[:39] + "1", "after": p.Commit,
			"repository":  repo,
			"head_commit": map[string]any{"id": p.Commit, "message": "e2e push"},
			"pusher":      map[string]any{"name": "e2e", "email": "e2e@example.com"},
		}
	case GitLab:
		project := map[string]any{
			"name": name, "path_with_namespace": path, "web_url": web,
			"git_http_url": web + ".git", "git_ssh_url": "git@" + host + ":" + path + ".git",
		}
		if p.DefaultBranch != "" {
			project["default_branch"] = p.DefaultBranch
		}
		kind := "push"
		if p.Tag != "" {
			kind = "tag_push"
		}
		v = map[string]any{
			"object_kind": kind, "event_name": kind, "ref": p.ref(),
			"before": zeroSHA[:39] + "1", "after": p.Commit, "checkout_sha": p.Commit,
			"project": project,
			"repository": map[string]any{
				"name": name, "url": "git@" + host + ":" + path + ".git", "homepage": web,
				"git_http_url": web + ".git", "git_ssh_url": "git@" + host + ":" + path + ".git",
			},
		}
	case Bitbucket:
		typ, refName := "branch", p.Branch
		if p.Tag != "" {
			typ, refName = "tag", p.Tag
		}
		repo := map[string]any{
			"type": "repository", "name": name, "full_name": path,
			"links": map[string]any{"html": map[string]any{"href": web}},
		}
		if p.DefaultBranch != "" {
			repo["mainbranch"] = map[string]any{"type": "branch", "name": p.DefaultBranch}
		}
		v = map[string]any{
			"repository": repo,
			"actor":      map[string]any{"display_name": "e2e"},
			"push": map[string]any{"changes": []any{map[string]any{
				"new":     map[string]any{"type": typ, "name": refName, "target": map[string]any{"type": "commit", "hash": p.Commit}},
				"old":     map[string]any{"type": typ, "name": refName, "target": map[string]any{"type": "commit", "hash": zeroSHA[:39] + "1"}},
				"created": false, "closed": false, "forced": false,
			}}},
		}
	case BitbucketServer:
		// Bitbucket Server URLs look like https://host/scm/PROJECT/repo.git.
		parts := strings.Split(path, "/")
		slug, project := parts[len(parts)-1], ""
		if len(parts) >= 2 {
			project = parts[len(parts)-2]
		}
		typ, display := "BRANCH", p.Branch
		if p.Tag != "" {
			typ, display = "TAG", p.Tag
		}
		repo := map[string]any{
			"slug": slug, "name": slug,
			"project": map[string]any{"key": strings.ToUpper(project)},
			"links": map[string]any{
				"clone": []any{
					map[string]any{"href": web + ".git", "name": "http"},
					map[string]any{"href": "ssh://git@" + host + ":7999/" + strings.TrimPrefix(path, "scm/") + ".git", "name": "ssh"},
				},
				"self": []any{map[string]any{"href": "https://" + host + "/projects/" + strings.ToUpper(project) + "/repos/" + slug + "/browse"}},
			},
		}
		v = map[string]any{
			"eventKey": "repo:refs_changed", "date": "2026-11-26T18:00:00+0000",
			"actor":      map[string]any{"name": "e2e"},
			"repository": repo,
			"changes": []any{map[string]any{
				"ref":   map[string]any{"id": p.ref(), "displayId": display, "type": typ},
				"refId": p.ref(), "fromHash": zeroSHA[:39] + "1", "toHash": p.Commit, "type": "UPDATE",
			}},
		}
	default:
		return nil, fmt.Errorf("unknown provider %q", p.Provider)
	}
	return json.Marshal(v)
}

// HexHMAC is the hex HMAC-SHA256 of body with secret.
func HexHMAC(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Headers are the HTTP headers the provider sends with body, signed with
// secret (nil secret: no signature or token header at all).
func (p Push) Headers(body, secret []byte) http.Header {
	id := p.DeliveryID
	if id == "" {
		id = RandomToken()[:32]
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	sig := ""
	if secret != nil {
		sig = HexHMAC(secret, body)
	}
	switch p.Provider {
	case GitHub:
		h.Set("User-Agent", "GitHub-Hookshot/webhook-operator-devenv")
		h.Set("X-GitHub-Event", "push")
		h.Set("X-GitHub-Delivery", id)
		if secret != nil {
			h.Set("X-Hub-Signature-256", "sha256="+sig)
		}
	case GitLab:
		h.Set("User-Agent", "GitLab/18.0.0")
		event := "Push Hook"
		if p.Tag != "" {
			event = "Tag Push Hook"
		}
		h.Set("X-Gitlab-Event", event)
		h.Set("X-Gitlab-Event-UUID", id)
		if secret != nil {
			h.Set("X-Gitlab-Token", string(secret))
		}
	case Bitbucket:
		h.Set("User-Agent", "Bitbucket-Webhooks/2.0")
		h.Set("X-Event-Key", "repo:push")
		h.Set("X-Hook-UUID", id)
		h.Set("X-Request-UUID", id)
		if secret != nil {
			h.Set("X-Hub-Signature", "sha256="+sig)
		}
	case BitbucketServer:
		h.Set("User-Agent", "Atlassian HttpClient")
		h.Set("X-Event-Key", "repo:refs_changed")
		h.Set("X-Request-Id", id)
		if secret != nil {
			h.Set("X-Hub-Signature", "sha256="+sig)
		}
	case Gogs:
		h.Set("X-Gogs-Event", "push")
		h.Set("X-Gogs-Delivery", id)
		if secret != nil {
			h.Set("X-Gogs-Signature", sig)
		}
	case Gitea:
		// Gitea and Forgejo also send Gogs's and GitHub's headers, all signed.
		for _, pre := range []string{"X-Gitea", "X-Gogs", "X-GitHub"} {
			h.Set(pre+"-Event", "push")
			h.Set(pre+"-Delivery", id)
		}
		if secret != nil {
			h.Set("X-Gitea-Signature", sig)
			h.Set("X-Gogs-Signature", sig)
			h.Set("X-Hub-Signature-256", "sha256="+sig)
		}
	}
	return h
}

// NewRequest builds the signed POST of this push to target.
func (p Push) NewRequest(ctx context.Context, target string, secret []byte) (*http.Request, error) {
	body, err := p.Body()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header = p.Headers(body, secret)
	return req, nil
}

// CurlCommand is a shell line that POSTs bodyFile to target with headers.
func CurlCommand(target string, h http.Header, bodyFile string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("curl -sS -i -X POST")
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, " \\\n  -H %s", shellQuote(displayHeader(k)+": "+v))
		}
	}
	fmt.Fprintf(&b, " \\\n  --data-binary @%s %s", shellQuote(bodyFile), shellQuote(target))
	return b.String()
}

// displayHeader spells a canonicalised header name the way its provider
// documents it (HTTP header names are case-insensitive; this is for people).
func displayHeader(k string) string {
	for _, r := range []struct{ from, to string }{{"X-Github-", "X-GitHub-"}, {"X-Gitlab-", "X-Gitlab-"}} {
		if strings.HasPrefix(k, r.from) {
			return r.to + k[len(r.from):]
		}
	}
	return k
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
