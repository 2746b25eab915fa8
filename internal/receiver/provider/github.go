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
	"fmt"
	"net/http"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/jsonread"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// GitHub webhooks: X-GitHub-Event, signed with X-Hub-Signature-256 over the
// raw body (JSON or form-encoded as sent). The legacy SHA-1 X-Hub-Signature
// alone is refused.
type GitHub struct{}

// Key implements Provider.
func (GitHub) Key() string { return v1alpha1.SecretKeyGitHub }

// Detect implements Provider.
func (GitHub) Detect(h http.Header) bool { return h.Get("X-GitHub-Event") != "" }

// Event implements Provider.
func (GitHub) Event(h http.Header) string { return h.Get("X-GitHub-Event") }

// Delivery implements Provider.
func (GitHub) Delivery(h http.Header) string { return h.Get("X-GitHub-Delivery") }

// Events implements Provider.
func (GitHub) Events() []string { return []string{"push", "ping"} }

// Verify implements Provider.
func (GitHub) Verify(h http.Header, raw, _, secret []byte) error {
	sig := h.Get("X-Hub-Signature-256")
	if sig == "" && h.Get("X-Hub-Signature") != "" {
		return fmt.Errorf("%w: X-Hub-Signature-256 (SHA-1 X-Hub-Signature is refused)", ErrMissingSignature)
	}
	if sig == "" {
		return fmt.Errorf("%w: X-Hub-Signature-256", ErrMissingSignature)
	}
	return verifyHMACHex(sig, "sha256=", secret, raw)
}

// Parse implements Provider.
func (p GitHub) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	switch event {
	case "ping":
		return nil, KindPing, nil
	case "push":
		evs, err := parseGitHubStyle(p.Key(), payload, githubListCap)
		return evs, KindPush, err
	default:
		return nil, KindIgnored, nil
	}
}

// githubListCap is how many commits a GitHub push payload lists at most;
// a push with more is cut there, so its file list may be incomplete.
const githubListCap = 20

// githubStylePush is what the receiver reads of a push payload GitHub, Gogs
// and Gitea share.
type githubStylePush struct {
	ref, before, after              string
	deleted, created, forced        bool
	totalCommits                    int64
	htmlURL, cloneURL, sshURL, head string
	commits                         changedFiles
}

func (p *githubStylePush) field(r *jsonread.Reader, key []byte) error {
	var err error
	switch string(key) {
	case "ref":
		err = readString(r, &p.ref)
	case "before":
		err = readString(r, &p.before)
	case "after":
		err = readString(r, &p.after)
	case "deleted":
		p.deleted, err = r.Bool()
	case "created":
		p.created, err = r.Bool()
	case "forced":
		p.forced, err = r.Bool()
	case "total_commits":
		p.totalCommits, err = r.Int()
	case "commits":
		err = p.commits.read(r)
	case "repository":
		err = r.Object(p.repositoryField)
	}
	return err
}

func (p *githubStylePush) repositoryField(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "html_url":
		return readString(r, &p.htmlURL)
	case "clone_url":
		return readString(r, &p.cloneURL)
	case "ssh_url":
		return readString(r, &p.sshURL)
	case "default_branch":
		return readString(r, &p.head)
	}
	return nil
}

// parseGitHubStyle parses a GitHub, Gogs or Gitea push. listCap is the
// provider's cap on the commits it lists, used when the payload gives no
// total_commits (Gitea does).
func parseGitHubStyle(key string, payload []byte, listCap int) ([]push.Event, error) {
	var p githubStylePush
	if err := readObject(payload, p.field); err != nil {
		return nil, err
	}
	ev := push.Event{
		Provider:      key,
		RepoURLs:      urls(p.htmlURL, p.cloneURL, p.sshURL),
		Ref:           p.ref,
		DefaultBranch: p.head,
		Deleted:       p.deleted || isZeroSHA(p.after),
	}
	ev.Branch, ev.Tag = refParts(p.ref)
	if !ev.Deleted {
		ev.Commit = p.after
	}
	complete := !p.created && !p.forced && !isZeroSHA(p.before) && p.commits.listed(p.totalCommits, listCap)
	ev.ChangedFiles, ev.FilesComplete = p.commits.result(complete)
	evs := []push.Event{ev}
	return evs, validate(evs)
}
