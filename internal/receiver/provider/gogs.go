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

// Gogs webhooks: X-Gogs-Event, X-Gogs-Signature is the hex HMAC-SHA256 of
// the JSON payload (also when it is sent form-encoded), without prefix.
type Gogs struct{}

// Key implements Provider.
func (Gogs) Key() string { return v1alpha1.SecretKeyGogs }

// Detect implements Provider.
func (Gogs) Detect(h http.Header) bool { return h.Get("X-Gogs-Event") != "" }

// Event implements Provider.
func (Gogs) Event(h http.Header) string { return h.Get("X-Gogs-Event") }

// Delivery implements Provider.
func (Gogs) Delivery(h http.Header) string { return h.Get("X-Gogs-Delivery") }

// Events implements Provider.
func (Gogs) Events() []string { return []string{"push"} }

// Verify implements Provider.
func (Gogs) Verify(h http.Header, _, payload, secret []byte) error {
	return verifyHMACHex(h.Get("X-Gogs-Signature"), "", secret, payload)
}

// Parse implements Provider.
func (p Gogs) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	if event != "push" {
		return nil, KindIgnored, nil
	}
	evs, err := parseGitHubStyle(p.Key(), payload)
	return evs, KindPush, err
}
