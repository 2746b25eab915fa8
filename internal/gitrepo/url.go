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

// Package gitrepo is the pure GitRepo side of the receiver: repository URL
// normalisation (the cache index key), the cache transform that keeps only
// what matching reads, and the rules deciding whether a push triggers a
// GitRepo. Nothing here talks to the API server.
package gitrepo

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Host aliases that serve the same repositories as another host: GitHub's and
// GitLab's SSH-over-443 endpoints and Bitbucket Cloud's.
var hostAliases = map[string]string{
	"ssh.github.com":       "github.com",
	"www.github.com":       "github.com",
	"altssh.gitlab.com":    "gitlab.com",
	"www.gitlab.com":       "gitlab.com",
	"altssh.bitbucket.org": "bitbucket.org",
	"www.bitbucket.org":    "bitbucket.org",
}

// NormalizeURL turns any form of a Git remote URL into the key GitRepos are
// indexed by: lower-case host without scheme, user or port, then the
// repository path without a trailing ".git" or "/".
//
// The path is lower-cased too: GitHub, GitLab, Bitbucket and Azure DevOps
// treat repository paths case-insensitively, and a webhook payload may spell
// an org differently from the GitRepo. Self-hosted servers with
// case-sensitive paths where two repos differ only in case are not supported.
//
// Forms fold onto one key only where the host says which provider serves
// it, so every clone URL of a repo matches every other:
//   - scp-style git@host:org/repo == ssh://git@host/org/repo == https://host/org/repo.git
//   - ssh.github.com:443 == github.com (likewise altssh.gitlab.com, altssh.bitbucket.org)
//   - Azure DevOps: dev.azure.com/org/project/_git/repo ==
//     git@ssh.dev.azure.com:v3/org/project/repo == org.visualstudio.com/project/_git/repo
//
// On any other host the path is kept as it is: /scm/team/app, /team/_git/app
// and /team/app are three repositories. The layouts of self-hosted Bitbucket
// Server and Azure DevOps Server apply only to a delivery of that provider,
// through Keys.
func NormalizeURL(raw string) (string, error) {
	host, segs, err := hostSegments(raw)
	if err != nil {
		return "", err
	}
	return host + "/" + strings.Join(segs, "/"), nil
}

// NormalizeHost is a host as NormalizeURL keys it: lower-case, without a
// trailing dot, with the SSH and www aliases of the SaaS hosts folded.
func NormalizeHost(host string) string {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if a, ok := hostAliases[host]; ok {
		return a
	}
	return host
}

// Layout is the repository path layout of the provider a delivery came
// from, for the forms its URLs take on a self-hosted server.
type Layout int

const (
	// LayoutPlain: the path is the repository, as on GitHub, GitLab, Gogs
	// and Gitea.
	LayoutPlain Layout = iota
	// LayoutBitbucketServer: Bitbucket Server / Data Center, where
	// /scm/PROJ/repo (HTTP clone, after any context path), /PROJ/repo (SSH
	// clone) and /projects/PROJ/repos/repo[/browse] (web) are one
	// repository; personal ones are /scm/~user/repo, /~user/repo and
	// /users/user/repos/repo[/browse].
	LayoutBitbucketServer
)

// LayoutOf is the path layout of a provider, by its key (push.Event.Provider).
// A provider whose self-hosted URLs take several forms adds its Layout here
// and in Keys.
func LayoutOf(provider string) Layout {
	switch provider {
	case v1alpha1.SecretKeyBitbucketServer:
		return LayoutBitbucketServer
	}
	return LayoutPlain
}

// Keys returns every index key under which a GitRepo of the repository a
// delivery names in raw may be found: NormalizeURL's key first, then, for a
// provider whose layout gives a repository several path forms, the keys of
// the other forms on the same host. Only a delivery of that provider may use
// its layout: the payload says which server sent it, a GitRepo's URL alone
// does not.
func Keys(raw string, l Layout) ([]string, error) {
	host, segs, err := hostSegments(raw)
	if err != nil {
		return nil, err
	}
	keys := []string{host + "/" + strings.Join(segs, "/")}
	if l == LayoutBitbucketServer {
		for _, form := range bitbucketServerForms(segs) {
			if k := host + "/" + strings.Join(form, "/"); k != keys[0] {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}

// hostSegments parses raw into its key's host and lower-case path segments.
func hostSegments(raw string) (string, []string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil, errors.New("empty repository URL")
	}
	host, p, err := splitHostPath(s)
	if err != nil {
		return "", nil, fmt.Errorf("repository URL %q: %w", raw, err)
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return "", nil, fmt.Errorf("repository URL %q: no host", raw)
	}
	segs := make([]string, 0, 4)
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			continue
		case ".", "..":
			// Never let a path trick alias another repository.
			return "", nil, fmt.Errorf("repository URL %q: relative path segment", raw)
		}
		segs = append(segs, strings.ToLower(seg))
	}
	if n := len(segs); n > 0 {
		segs[n-1] = strings.TrimSuffix(segs[n-1], ".git")
		if segs[n-1] == "" {
			segs = segs[:n-1]
		}
	}
	if a, ok := hostAliases[host]; ok {
		host = a
	}
	// Azure DevOps' URL forms fold only on Azure's own hosts (azure.go);
	// elsewhere _git is an ordinary path segment.
	host, segs, _ = rewriteAzure(host, segs)
	if len(segs) == 0 {
		return "", nil, fmt.Errorf("repository URL %q: no repository path", raw)
	}
	return host, segs, nil
}

// splitHostPath separates host and path of a URL with a scheme, an scp-style
// address (user@host:path) or a bare host/path.
func splitHostPath(s string) (host, path string, err error) {
	if i := strings.Index(s, "://"); i >= 0 {
		u, err := url.Parse(s)
		if err != nil {
			return "", "", err
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "ssh", "git", "git+ssh", "ssh+git":
		default:
			return "", "", fmt.Errorf("unsupported scheme %q", u.Scheme)
		}
		return u.Hostname(), u.Path, nil
	}
	// Query and fragment only make sense on web URLs; drop them for the rest.
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	rest := s
	if at := strings.LastIndex(rest[:firstIndexOr(rest, "/", len(rest))], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	if strings.HasPrefix(rest, "[") { // scp-style IPv6: [::1]:org/repo
		end := strings.Index(rest, "]")
		if end < 0 {
			return "", "", errors.New("unterminated IPv6 host")
		}
		host, after := rest[1:end], rest[end+1:]
		if !strings.HasPrefix(after, ":") {
			return "", "", errors.New("IPv6 host without path")
		}
		return host, after[1:], nil
	}
	colon := strings.Index(rest, ":")
	slash := firstIndexOr(rest, "/", -1)
	switch {
	case colon > 0 && (slash < 0 || colon < slash):
		// scp-style host:path. The path after ':' is relative to the user's
		// home on a plain SSH server, but Git hosts treat it as org/repo.
		return rest[:colon], rest[colon+1:], nil
	case slash > 0:
		return rest[:slash], rest[slash+1:], nil
	default:
		return "", "", errors.New("not a remote repository URL")
	}
}

func firstIndexOr(s, sub string, def int) int {
	if i := strings.Index(s, sub); i >= 0 {
		return i
	}
	return def
}

// bitbucketServerForms returns the path forms of the Bitbucket Server
// repository segs names in any of its forms, nil when segs is none of them.
// The HTTP forms keep a context path (a server under /bitbucket); the SSH
// form never has one.
func bitbucketServerForms(segs []string) [][]string {
	var prefix []string
	var owner, repo string
	n := len(segs)
	switch {
	case n >= 3 && segs[n-3] == "scm":
		prefix, owner, repo = segs[:n-3], segs[n-2], segs[n-1]
	case n >= 5 && segs[n-1] == "browse" && segs[n-3] == "repos":
		prefix, owner, repo = segs[:n-5], webOwner(segs[n-5], segs[n-4]), segs[n-2]
	case n >= 4 && segs[n-2] == "repos":
		prefix, owner, repo = segs[:n-4], webOwner(segs[n-4], segs[n-3]), segs[n-1]
	case n == 2:
		owner, repo = segs[0], segs[1]
	}
	if owner == "" {
		return nil
	}
	web := []string{"projects", owner}
	if user, ok := strings.CutPrefix(owner, "~"); ok {
		web = []string{"users", user}
	}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	return [][]string{
		join(prefix, []string{"scm", owner, repo}),
		{owner, repo},
		join(prefix, web, []string{"repos", repo}),
		join(prefix, web, []string{"repos", repo, "browse"}),
	}
}

// webOwner is the owner segment of a web URL's projects/PROJ or users/user:
// PROJ, or ~user; "" when it is neither.
func webOwner(kind, name string) string {
	switch kind {
	case "projects":
		return name
	case "users":
		return "~" + name
	}
	return ""
}
