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

// Package providertest builds webhook deliveries the way each provider sends
// them (headers, body encoding, signature), for tests, fuzzing and
// benchmarks of the receiver.
package providertest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // GitHub's legacy header, sent only so tests prove it is refused.
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// Delivery is one webhook delivery of a provider.
type Delivery struct {
	// Provider is the provider key: github, gitlab, bitbucket,
	// bitbucket-server, gogs or gitea.
	Provider string
	// Event is the event header value, e.g. "push" or "Push Hook".
	Event string
	// Payload is the JSON document.
	Payload []byte
	// Secret signs the delivery; nil sends it unsigned.
	Secret []byte
	// Form sends the payload form-encoded (payload=...), as GitHub, Gogs and
	// Gitea can.
	Form bool
}

// DeliveryID is the delivery id every built delivery carries.
const DeliveryID = "72d3162e-cc78-11e3-81ab-4c9367dc0958"

// Build returns the headers and body of the delivery.
func (d Delivery) Build() (http.Header, []byte) {
	h := http.Header{}
	body := d.Payload
	h.Set("Content-Type", "application/json")
	if d.Form {
		body = []byte("payload=" + url.QueryEscape(string(d.Payload)))
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	signed := d.Secret != nil
	switch d.Provider {
	case "github":
		h.Set("User-Agent", "GitHub-Hookshot/4f1c3b2")
		h.Set("X-GitHub-Event", d.Event)
		h.Set("X-GitHub-Delivery", DeliveryID)
		h.Set("X-GitHub-Hook-ID", "512233401")
		h.Set("X-GitHub-Hook-Installation-Target-ID", "186853002")
		h.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
		if signed {
			// GitHub signs the body as sent, form-encoded or not.
			h.Set("X-Hub-Signature", "sha1="+sha1Hex(d.Secret, body))
			h.Set("X-Hub-Signature-256", "sha256="+provider.SignHex(d.Secret, body))
		}
	case "gitlab":
		h.Set("User-Agent", "GitLab/18.6.0")
		h.Set("X-Gitlab-Event", d.Event)
		h.Set("X-Gitlab-Event-UUID", DeliveryID)
		h.Set("X-Gitlab-Webhook-UUID", "7f8c0b5e-3f0a-4b8e-9a53-2a6f1f5e9c11")
		h.Set("X-Gitlab-Instance", "https://gitlab.example.com")
		if signed {
			h.Set("X-Gitlab-Token", string(d.Secret))
		}
	case "bitbucket":
		h.Set("User-Agent", "Bitbucket-Webhooks/2.0")
		h.Set("X-Event-Key", d.Event)
		h.Set("X-Hook-UUID", "{c6ea2d1b-7b2e-4b4c-9a53-2a6f1f5e9c11}")
		h.Set("X-Request-UUID", DeliveryID)
		h.Set("X-Attempt-Number", "1")
		if signed {
			h.Set("X-Hub-Signature", "sha256="+provider.SignHex(d.Secret, body))
		}
	case "bitbucket-server":
		if !d.Form {
			h.Set("Content-Type", "application/json; charset=UTF-8")
		}
		h.Set("User-Agent", "Atlassian HttpClient 4.2.0 / Bitbucket-9.4.0 (9004000) / Default")
		h.Set("X-Event-Key", d.Event)
		h.Set("X-Request-Id", DeliveryID)
		if signed {
			h.Set("X-Hub-Signature", "sha256="+provider.SignHex(d.Secret, body))
		}
	case "gogs":
		// Gogs also sends GitHub's event header; it signs the JSON itself.
		h.Set("X-Gogs-Event", d.Event)
		h.Set("X-Gogs-Delivery", DeliveryID)
		h.Set("X-GitHub-Event", d.Event)
		h.Set("X-GitHub-Delivery", DeliveryID)
		if signed {
			h.Set("X-Gogs-Signature", provider.SignHex(d.Secret, d.Payload))
		}
	case "gitea":
		// Gitea sends its own, Gogs' and GitHub's headers; every signature
		// is over the JSON payload, also when the body is form-encoded.
		h.Set("User-Agent", "Go-http-client/1.1")
		for _, p := range []string{"X-Gitea-", "X-Gogs-", "X-GitHub-"} {
			h.Set(p+"Event", d.Event)
			h.Set(p+"Delivery", DeliveryID)
		}
		h.Set("X-Gitea-Event-Type", d.Event)
		h.Set("X-GitHub-Event-Type", d.Event)
		if signed {
			sig := provider.SignHex(d.Secret, d.Payload)
			h.Set("X-Gitea-Signature", sig)
			h.Set("X-Gogs-Signature", sig)
			h.Set("X-Hub-Signature-256", "sha256="+sig)
			h.Set("X-Hub-Signature", "sha1="+sha1Hex(d.Secret, d.Payload))
		}
	default:
		panic("providertest: unknown provider " + d.Provider)
	}
	return h, body
}

// Request returns the delivery as a POST to target.
func (d Delivery) Request(target string) *http.Request {
	h, body := d.Build()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header = h
	return req
}

func sha1Hex(secret, msg []byte) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg)
	return hex.EncodeToString(mac.Sum(nil))
}
