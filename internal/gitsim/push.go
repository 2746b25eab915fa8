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

package gitsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Push is one push to a repository, as a Git host reports it.
type Push struct {
	// Provider is the provider's Secret key, e.g. v1alpha1.SecretKeyGitHub.
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
	// Commits are every commit of the push, oldest first; the last one is
	// Commit. GitHub, GitLab, Gitea and Gogs payloads list them (cut at the
	// provider's cap, with the total where the provider gives it); without
	// Commits the payload has no commits key. Bitbucket payloads carry none.
	Commits []Commit
	// Created sends the push as the ref's creation (before all zeros).
	Created bool
	// Forced sends the push as a force push where the payload says so
	// (GitHub's "forced").
	Forced bool
}

// repo is what every payload says about the pushed repository.
type repo struct {
	host, path, name, web string
}

func (r repo) sshURL() string { return "git@" + r.host + ":" + r.path + ".git" }

// bodyFuncs build each provider's push payload.
var bodyFuncs = map[string]func(p Push, r repo) any{
	v1alpha1.SecretKeyGitHub:          githubStyleBody,
	v1alpha1.SecretKeyGogs:            githubStyleBody,
	v1alpha1.SecretKeyGitea:           githubStyleBody,
	v1alpha1.SecretKeyGitLab:          gitlabBody,
	v1alpha1.SecretKeyBitbucket:       bitbucketBody,
	v1alpha1.SecretKeyBitbucketServer: bitbucketServerBody,
	v1alpha1.SecretKeyAzurePassword:   azureBody,
}

// beforeSHA is the ref's commit before every simulated push.
const beforeSHA = "0000000000000000000000000000000000000001"

func (p Push) ref() string {
	if p.Tag != "" {
		return "refs/tags/" + p.Tag
	}
	return "refs/heads/" + p.Branch
}

// Event is the event header value the provider sends with this push.
func (p Push) Event() string {
	switch p.Provider {
	case v1alpha1.SecretKeyGitLab:
		if p.Tag != "" {
			return "Tag Push Hook"
		}
		return "Push Hook"
	case v1alpha1.SecretKeyBitbucket:
		return "repo:push"
	case v1alpha1.SecretKeyBitbucketServer:
		return "repo:refs_changed"
	case v1alpha1.SecretKeyAzurePassword:
		return "git.push" // in the body: Azure sends no event header
	default:
		return "push"
	}
}

// Body is the push payload in the provider's JSON format, with every
// repository URL a real payload carries.
func (p Push) Body() ([]byte, error) {
	build, ok := bodyFuncs[p.Provider]
	if !ok {
		return nil, fmt.Errorf("unknown provider %q", p.Provider)
	}
	u, err := url.Parse(p.RepoURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("repo URL %q must be an absolute https URL", p.RepoURL)
	}
	r := repo{host: u.Host, path: strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")}
	r.name = r.path[strings.LastIndex(r.path, "/")+1:]
	r.web = "https://" + r.host + "/" + r.path
	b, err := json.Marshal(build(p, r))
	if err != nil {
		return nil, fmt.Errorf("encoding the %s payload: %w", p.Provider, err)
	}
	return b, nil
}

// Delivery is the push as its provider delivers it, signed with secret (nil:
// unsigned).
func (p Push) Delivery(secret []byte) (Delivery, error) {
	body, err := p.Body()
	if err != nil {
		return Delivery{}, err
	}
	id := p.DeliveryID
	if id == "" {
		id = RandomToken()[:32]
	}
	return Delivery{Provider: p.Provider, Event: p.Event(), Payload: body, Secret: secret, ID: id}, nil
}

// NewRequest is the push's signed POST to target (secret nil: unsigned).
func (p Push) NewRequest(ctx context.Context, target string, secret []byte) (*http.Request, error) {
	d, err := p.Delivery(secret)
	if err != nil {
		return nil, err
	}
	return d.NewRequest(ctx, target)
}

// githubStyleBody is the payload GitHub, Gogs and Gitea share.
func githubStyleBody(p Push, r repo) any {
	rp := map[string]any{
		"name": r.name, "full_name": r.path, "html_url": r.web,
		"clone_url": r.web + ".git", "ssh_url": r.sshURL(),
	}
	if p.Provider == v1alpha1.SecretKeyGitHub {
		rp["git_url"] = "git://" + r.host + "/" + r.path + ".git"
	}
	if p.DefaultBranch != "" {
		rp["default_branch"] = p.DefaultBranch
	}
	body := map[string]any{
		"ref": p.ref(), "before": p.before(), "after": p.Commit,
		"repository":  rp,
		"head_commit": map[string]any{"id": p.Commit, "message": "simulated push"},
		"pusher":      map[string]any{"name": "gitsim", "email": "gitsim@example.com"},
	}
	if p.Provider == v1alpha1.SecretKeyGitHub {
		body["created"], body["deleted"], body["forced"] = p.Created, false, p.Forced
	}
	if commits := listedCommits(p, r); commits != nil {
		body["commits"] = commits
		if p.Provider == v1alpha1.SecretKeyGitea {
			body["total_commits"] = len(p.Commits)
		}
	}
	return body
}

func gitlabBody(p Push, r repo) any {
	project := map[string]any{
		"name": r.name, "path_with_namespace": r.path, "web_url": r.web,
		"git_http_url": r.web + ".git", "git_ssh_url": r.sshURL(),
	}
	if p.DefaultBranch != "" {
		project["default_branch"] = p.DefaultBranch
	}
	kind := "push"
	if p.Tag != "" {
		kind = "tag_push"
	}
	body := map[string]any{
		"object_kind": kind, "event_name": kind, "ref": p.ref(),
		"before": p.before(), "after": p.Commit, "checkout_sha": p.Commit,
		"project": project,
		"repository": map[string]any{
			"name": r.name, "url": r.sshURL(), "homepage": r.web,
			"git_http_url": r.web + ".git", "git_ssh_url": r.sshURL(),
		},
	}
	if commits := listedCommits(p, r); commits != nil {
		body["commits"], body["total_commits_count"] = commits, len(p.Commits)
	}
	return body
}

func bitbucketBody(p Push, r repo) any {
	typ, refName := "branch", p.Branch
	if p.Tag != "" {
		typ, refName = "tag", p.Tag
	}
	rp := map[string]any{
		"type": "repository", "name": r.name, "full_name": r.path,
		"links": map[string]any{"html": map[string]any{"href": r.web}},
	}
	if p.DefaultBranch != "" {
		rp["mainbranch"] = map[string]any{"type": "branch", "name": p.DefaultBranch}
	}
	var old any
	if !p.Created {
		old = map[string]any{"type": typ, "name": refName, "target": map[string]any{"type": "commit", "hash": beforeSHA}}
	}
	return map[string]any{
		"repository": rp,
		"actor":      map[string]any{"display_name": "gitsim"},
		"push": map[string]any{"changes": []any{map[string]any{
			"new":     map[string]any{"type": typ, "name": refName, "target": map[string]any{"type": "commit", "hash": p.Commit}},
			"old":     old,
			"created": p.Created, "closed": false, "forced": p.Forced,
		}}},
	}
}

// bitbucketServerBody: Bitbucket Server URLs look like
// https://host/scm/PROJECT/repo.git.
func bitbucketServerBody(p Push, r repo) any {
	parts := strings.Split(r.path, "/")
	slug, project := parts[len(parts)-1], ""
	if len(parts) >= 2 {
		project = strings.ToUpper(parts[len(parts)-2])
	}
	typ, display := "BRANCH", p.Branch
	if p.Tag != "" {
		typ, display = "TAG", p.Tag
	}
	rp := map[string]any{
		"slug": slug, "name": slug,
		"project": map[string]any{"key": project},
		"links": map[string]any{
			"clone": []any{
				map[string]any{"href": r.web + ".git", "name": "http"},
				map[string]any{"href": "ssh://git@" + r.host + ":7999/" + strings.TrimPrefix(r.path, "scm/") + ".git", "name": "ssh"},
			},
			"self": []any{map[string]any{"href": "https://" + r.host + "/projects/" + project + "/repos/" + slug + "/browse"}},
		},
	}
	changeType := "UPDATE"
	if p.Created {
		changeType = "ADD"
	}
	return map[string]any{
		"eventKey": "repo:refs_changed", "date": "2026-11-26T18:00:00+0000",
		"actor":      map[string]any{"name": "gitsim"},
		"repository": rp,
		"changes": []any{map[string]any{
			"ref":   map[string]any{"id": p.ref(), "displayId": display, "type": typ},
			"refId": p.ref(), "fromHash": p.before(), "toHash": p.Commit, "type": changeType,
		}},
	}
}
