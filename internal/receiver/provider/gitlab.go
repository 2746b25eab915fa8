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

type gitlabPush struct {
	ObjectKind  string `json:"object_kind"`
	Ref         string `json:"ref"`
	Before      string `json:"before"`
	After       string `json:"after"`
	CheckoutSHA string `json:"checkout_sha"`
	Project     struct {
		WebURL        string `json:"web_url"`
		GitHTTPURL    string `json:"git_http_url"`
		GitSSHURL     string `json:"git_ssh_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"project"`
	Repository struct {
		Homepage   string `json:"homepage"`
		GitHTTPURL string `json:"git_http_url"`
		GitSSHURL  string `json:"git_ssh_url"`
	} `json:"repository"`
}

// Parse implements Provider.
func (p GitLab) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	switch event {
	case "Push Hook", "Tag Push Hook", "System Hook":
	default:
		return nil, KindIgnored, nil
	}
	var g gitlabPush
	if err := decode(payload, &g); err != nil {
		return nil, KindPush, err
	}
	// A system hook carries every kind of instance event; only pushes count.
	if event == "System Hook" && g.ObjectKind != "push" && g.ObjectKind != "tag_push" {
		return nil, KindIgnored, nil
	}
	ev := push.Event{
		Provider: p.Key(),
		RepoURLs: urls(g.Project.WebURL, g.Project.GitHTTPURL, g.Project.GitSSHURL,
			g.Repository.Homepage, g.Repository.GitHTTPURL, g.Repository.GitSSHURL),
		Ref:           g.Ref,
		DefaultBranch: g.Project.DefaultBranch,
		Deleted:       isZeroSHA(g.After),
	}
	ev.Branch, ev.Tag = refParts(g.Ref)
	if !ev.Deleted {
		// checkout_sha is the commit even for an annotated tag, whose
		// "after" is the tag object.
		ev.Commit = g.CheckoutSHA
		if ev.Commit == "" {
			ev.Commit = g.After
		}
	}
	evs := []push.Event{ev}
	return evs, KindPush, validate(evs)
}
