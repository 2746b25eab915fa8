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

// BitbucketServer webhooks (Server / Data Center): X-Event-Key with
// X-Request-Id, signed with X-Hub-Signature: sha256=<hex HMAC of the raw
// body>. Its "Test connection" ping (diagnostics:ping) is answered 200.
type BitbucketServer struct{}

// Key implements Provider.
func (BitbucketServer) Key() string { return v1alpha1.SecretKeyBitbucketServer }

// Detect implements Provider (checked after Bitbucket Cloud).
func (BitbucketServer) Detect(h http.Header) bool { return h.Get("X-Event-Key") != "" }

// Event implements Provider.
func (BitbucketServer) Event(h http.Header) string { return h.Get("X-Event-Key") }

// Delivery implements Provider.
func (BitbucketServer) Delivery(h http.Header) string { return h.Get("X-Request-Id") }

// Events implements Provider.
func (BitbucketServer) Events() []string { return []string{"repo:refs_changed", "diagnostics:ping"} }

// UnsignedPing implements UnsignedPinger: the "Test connection" button of
// older Bitbucket Server versions sends diagnostics:ping unsigned.
func (BitbucketServer) UnsignedPing(event string) bool { return event == "diagnostics:ping" }

// Verify implements Provider.
func (BitbucketServer) Verify(h http.Header, raw, _, secret []byte) error {
	sig := h.Get("X-Hub-Signature")
	if sig == "" {
		return fmt.Errorf("%w: X-Hub-Signature", ErrMissingSignature)
	}
	return verifyHMACHex(sig, "sha256=", secret, raw)
}

type bitbucketServerLink struct {
	Href string `json:"href"`
	Name string `json:"name"`
}

type bitbucketServerPush struct {
	Repository struct {
		Links struct {
			Clone []bitbucketServerLink `json:"clone"`
			Self  []bitbucketServerLink `json:"self"`
		} `json:"links"`
	} `json:"repository"`
	Changes []struct {
		Ref struct {
			ID        string `json:"id"`
			DisplayID string `json:"displayId"`
			Type      string `json:"type"`
		} `json:"ref"`
		RefID    string `json:"refId"`
		FromHash string `json:"fromHash"`
		ToHash   string `json:"toHash"`
		Type     string `json:"type"`
	} `json:"changes"`
}

// Parse implements Provider. Every change is one event; type DELETE (or an
// all-zero toHash) deleted the ref.
func (p BitbucketServer) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	switch event {
	case "diagnostics:ping":
		return nil, KindPing, nil
	case "repo:refs_changed":
	default:
		return nil, KindIgnored, nil
	}
	var b bitbucketServerPush
	if err := decode(payload, &b); err != nil {
		return nil, KindPush, err
	}
	links := make([]string, 0, len(b.Repository.Links.Clone)+len(b.Repository.Links.Self))
	for _, l := range b.Repository.Links.Clone {
		links = append(links, l.Href)
	}
	for _, l := range b.Repository.Links.Self {
		links = append(links, l.Href)
	}
	repoURLs := urls(links...)
	if len(repoURLs) == 0 {
		return nil, KindPush, fmt.Errorf("%w: no repository URL", ErrMalformed)
	}
	evs := make([]push.Event, 0, len(b.Changes))
	for _, c := range b.Changes {
		ref := c.Ref.ID
		if ref == "" {
			ref = c.RefID
		}
		ev := push.Event{
			Provider: p.Key(),
			RepoURLs: repoURLs,
			Ref:      ref,
			Deleted:  c.Type == "DELETE" || isZeroSHA(c.ToHash),
		}
		ev.Branch, ev.Tag = refParts(ref)
		if !ev.Deleted {
			ev.Commit = c.ToHash
		}
		evs = append(evs, ev)
	}
	return evs, KindPush, validate(evs)
}
