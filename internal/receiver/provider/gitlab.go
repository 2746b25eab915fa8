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

package provider

import (
	"net/http"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/jsonread"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// GitLab webhooks: X-Gitlab-Event, authenticated by the shared X-Gitlab-Token
// (compared in constant time; GitLab does not sign the body).
type GitLab struct{}

// Key implements Provider.
func (GitLab) Key() string { return v1alpha1.SecretKeyGitLab }

// Detect implements Provider.
func (GitLab) Detect(h http.Header) bool { return h.Get("X-Gitlab-Event") != "" }

// Event implements Provider.
func (GitLab) Event(h http.Header) string { return h.Get("X-Gitlab-Event") }

// Delivery implements Provider.
func (GitLab) Delivery(h http.Header) string {
	return firstHeader(h, "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID")
}

// Events implements Provider.
func (GitLab) Events() []string { return []string{"Push Hook", "Tag Push Hook", "System Hook"} }

// Verify implements Provider.
func (GitLab) Verify(h http.Header, _, _, secret []byte) error {
	return verifyToken(h.Get("X-Gitlab-Token"), secret)
}

// AuthenticatesByHeader implements HeaderAuthenticator: the token is a
// header.
func (GitLab) AuthenticatesByHeader() bool { return true }

// gitlabListCap is how many commits a GitLab push payload lists at most;
// total_commits_count says how many the push had.
const gitlabListCap = 20

// gitlabPush is what the receiver reads of a GitLab push, tag push or
// system hook payload.
type gitlabPush struct {
	objectKind, ref, before, after, checkoutSHA string
	totalCommits                                int64
	// project: web, http and ssh URL and default branch; repository (the
	// older block): homepage, http and ssh URL.
	webURL, httpURL, sshURL, defaultBranch string
	homepage, repoHTTPURL, repoSSHURL      string
	commits                                changedFiles
}

func (g *gitlabPush) field(r *jsonread.Reader, key []byte) error {
	var err error
	switch string(key) {
	case "object_kind":
		err = readString(r, &g.objectKind)
	case "ref":
		err = readString(r, &g.ref)
	case "before":
		err = readString(r, &g.before)
	case "after":
		err = readString(r, &g.after)
	case "checkout_sha":
		err = readString(r, &g.checkoutSHA)
	case "total_commits_count":
		g.totalCommits, err = r.Int()
	case "commits":
		err = g.commits.read(r)
	case "project":
		err = r.Object(g.projectField)
	case "repository":
		err = r.Object(g.repositoryField)
	}
	return err
}

func (g *gitlabPush) projectField(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "web_url":
		return readString(r, &g.webURL)
	case "git_http_url":
		return readString(r, &g.httpURL)
	case "git_ssh_url":
		return readString(r, &g.sshURL)
	case "default_branch":
		return readString(r, &g.defaultBranch)
	}
	return nil
}

func (g *gitlabPush) repositoryField(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "homepage":
		return readString(r, &g.homepage)
	case "git_http_url":
		return readString(r, &g.repoHTTPURL)
	case "git_ssh_url":
		return readString(r, &g.repoSSHURL)
	}
	return nil
}

// Parse implements Provider.
func (p GitLab) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	switch event {
	case "Push Hook", "Tag Push Hook", "System Hook":
	default:
		return nil, KindIgnored, nil
	}
	var g gitlabPush
	if err := readObject(payload, g.field); err != nil {
		return nil, KindPush, err
	}
	// A system hook carries every kind of instance event; only pushes count.
	if event == "System Hook" && g.objectKind != "push" && g.objectKind != "tag_push" {
		return nil, KindIgnored, nil
	}
	ev := push.Event{
		Provider:      p.Key(),
		RepoURLs:      urls(g.webURL, g.httpURL, g.sshURL, g.homepage, g.repoHTTPURL, g.repoSSHURL),
		Ref:           g.ref,
		DefaultBranch: g.defaultBranch,
		Deleted:       isZeroSHA(g.after),
	}
	ev.Branch, ev.Tag = refParts(g.ref)
	if !ev.Deleted {
		// checkout_sha is the commit even for an annotated tag, whose
		// "after" is the tag object.
		ev.Commit = g.checkoutSHA
		if ev.Commit == "" {
			ev.Commit = g.after
		}
	}
	// GitLab says nothing of force pushes; a created ref lists only commits
	// new to the project, not what the GitRepo last saw.
	complete := !isZeroSHA(g.before) && g.commits.listed(g.totalCommits, gitlabListCap)
	ev.ChangedFiles, ev.FilesComplete = g.commits.result(complete)
	evs := []push.Event{ev}
	return evs, KindPush, validate(evs)
}
