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
		evs, err := parseGitHubStyle(p.Key(), payload)
		return evs, KindPush, err
	default:
		return nil, KindIgnored, nil
	}
}

// githubStylePush is the part of a push payload GitHub, Gogs and Gitea share.
type githubStylePush struct {
	Ref        string `json:"ref"`
	Before     string `json:"before"`
	After      string `json:"after"`
	Deleted    bool   `json:"deleted"`
	Repository struct {
		HTMLURL       string `json:"html_url"`
		CloneURL      string `json:"clone_url"`
		SSHURL        string `json:"ssh_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
}

func parseGitHubStyle(key string, payload []byte) ([]push.Event, error) {
	var p githubStylePush
	if err := decode(payload, &p); err != nil {
		return nil, err
	}
	ev := push.Event{
		Provider:      key,
		RepoURLs:      urls(p.Repository.HTMLURL, p.Repository.CloneURL, p.Repository.SSHURL),
		Ref:           p.Ref,
		DefaultBranch: p.Repository.DefaultBranch,
		Deleted:       p.Deleted || isZeroSHA(p.After),
	}
	ev.Branch, ev.Tag = refParts(p.Ref)
	if !ev.Deleted {
		ev.Commit = p.After
	}
	evs := []push.Event{ev}
	return evs, validate(evs)
}
