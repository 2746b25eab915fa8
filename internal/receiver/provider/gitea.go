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

// Gitea (and Forgejo, which sends the Gitea headers too) webhooks:
// X-Gitea-Event, X-Gitea-Signature is the hex HMAC-SHA256 of the JSON
// payload, also when it is sent form-encoded.
type Gitea struct{}

// Key implements Provider.
func (Gitea) Key() string { return v1alpha1.SecretKeyGitea }

// Detect implements Provider.
func (Gitea) Detect(h http.Header) bool {
	return h.Get("X-Gitea-Event") != "" || h.Get("X-Forgejo-Event") != ""
}

// Event implements Provider.
func (Gitea) Event(h http.Header) string {
	return firstHeader(h, "X-Gitea-Event", "X-Forgejo-Event")
}

// Delivery implements Provider.
func (Gitea) Delivery(h http.Header) string {
	return firstHeader(h, "X-Gitea-Delivery", "X-Forgejo-Delivery")
}

// Events implements Provider.
func (Gitea) Events() []string { return []string{"push"} }

// Verify implements Provider.
func (Gitea) Verify(h http.Header, _, payload, secret []byte) error {
	return verifyHMACHex(firstHeader(h, "X-Gitea-Signature", "X-Forgejo-Signature"), "", secret, payload)
}

// giteaListCap is the default cap (setting [ui] FEED_MAX_COMMIT_NUM) on the
// commits Gitea and Gogs list in a push payload. Gitea also sends
// total_commits, which decides when present; Gogs does not, so a Gogs push
// listing this many commits is taken as possibly cut.
const giteaListCap = 5

// AliasOf implements Aliased. Fleet has no Gitea handler: Gitea's
// X-Gogs-Event header routes its deliveries to Fleet's Gogs parser, so a
// Fleet user's Gitea hooks post to a receiver that enables gogs.
func (Gitea) AliasOf() string { return v1alpha1.SecretKeyGogs }

// SecretFrom implements KeyedSecret: the gitea key, else the gogs key, as
// Fleet verifies Gitea deliveries (X-Gogs-Signature, the same HMAC as
// X-Gitea-Signature) with its gogs key.
func (Gitea) SecretFrom(lookup func(string) ([]byte, bool)) ([]byte, bool) {
	if v, ok := lookup(v1alpha1.SecretKeyGitea); ok {
		return v, true
	}
	return lookup(v1alpha1.SecretKeyGogs)
}

// Parse implements Provider.
func (p Gitea) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	if event != "push" {
		return nil, KindIgnored, nil
	}
	evs, err := parseGitHubStyle(p.Key(), payload, giteaListCap)
	return evs, KindPush, err
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
