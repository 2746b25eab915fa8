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

// Package gitsim plays a Git host: it builds a push in each provider's own
// payload format (Push) and delivers a payload the way that provider does
// (Delivery: headers, body encoding, signature). Unit tests, fuzzing, the e2e
// suite, the load bench and `webhook-operator dev` all send what it builds,
// so every one of them exercises the receiver with the same deliveries.
//
// Providers are named by their Secret keys (v1alpha1.SecretKeyGitHub, ...).
package gitsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // GitHub's and Gitea's legacy header, sent because the real hosts send it.
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Delivery is one webhook delivery of a provider.
type Delivery struct {
	// Provider is the provider's Secret key: github, gitlab, bitbucket,
	// bitbucket-server, gogs or gitea.
	Provider string
	// Event is the event header value, e.g. "push" or "Push Hook".
	Event string
	// Payload is the JSON document.
	Payload []byte
	// Secret signs the delivery; nil sends it unsigned. For Azure DevOps it
	// is the basic auth credential "username:password" (without a colon:
	// the password of the user "webhook", the API's default username).
	Secret []byte
	// HookUUID is Bitbucket Cloud's X-Hook-UUID; a fixed one when empty.
	// Fleet's form of a Bitbucket Cloud delivery is unsigned with the
	// bitbucket key here.
	HookUUID string
	// Form sends the payload form-encoded (payload=...), as GitHub, Gogs and
	// Gitea can.
	Form bool
	// ID goes into the provider's delivery header; DeliveryID when empty.
	ID string
}

// DeliveryID is the delivery id of a Delivery that sets none.
const DeliveryID = "72d3162e-cc78-11e3-81ab-4c9367dc0958"

// headerFuncs set each provider's headers on h for a delivery whose body (as
// sent) is body.
var headerFuncs = map[string]func(h http.Header, d Delivery, body []byte){
	v1alpha1.SecretKeyGitHub:          githubHeaders,
	v1alpha1.SecretKeyGitLab:          gitlabHeaders,
	v1alpha1.SecretKeyBitbucket:       bitbucketHeaders,
	v1alpha1.SecretKeyBitbucketServer: bitbucketServerHeaders,
	v1alpha1.SecretKeyGogs:            gogsHeaders,
	v1alpha1.SecretKeyGitea:           giteaHeaders,
	v1alpha1.SecretKeyAzurePassword:   azureHeaders,
}

// Build returns the headers and body of the delivery. It panics on a
// provider it does not know: that is a mistake in the caller, not input.
func (d Delivery) Build() (http.Header, []byte) {
	set, ok := headerFuncs[d.Provider]
	if !ok {
		panic("gitsim: unknown provider " + d.Provider)
	}
	if d.ID == "" {
		d.ID = DeliveryID
	}
	h := http.Header{}
	body := d.Payload
	h.Set("Content-Type", "application/json")
	if d.Form {
		body = []byte("payload=" + url.QueryEscape(string(d.Payload)))
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	set(h, d, body)
	return h, body
}

// Request returns the delivery as a POST to target; it panics when target is
// not a URL (tests pass their own server's).
func (d Delivery) Request(target string) *http.Request {
	req, err := d.NewRequest(context.Background(), target)
	if err != nil {
		panic(err)
	}
	return req
}

// NewRequest returns the delivery as a POST to target.
func (d Delivery) NewRequest(ctx context.Context, target string) (*http.Request, error) {
	h, body := d.Build()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building the delivery to %s: %w", target, err)
	}
	req.Header = h
	return req, nil
}

func githubHeaders(h http.Header, d Delivery, body []byte) {
	h.Set("User-Agent", "GitHub-Hookshot/4f1c3b2")
	h.Set("X-GitHub-Event", d.Event)
	h.Set("X-GitHub-Delivery", d.ID)
	h.Set("X-GitHub-Hook-ID", "512233401")
	h.Set("X-GitHub-Hook-Installation-Target-ID", "186853002")
	h.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	if d.Secret != nil {
		// GitHub signs the body as sent, form-encoded or not.
		h.Set("X-Hub-Signature", "sha1="+sha1Hex(d.Secret, body))
		h.Set("X-Hub-Signature-256", "sha256="+SignHex(d.Secret, body))
	}
}

func gitlabHeaders(h http.Header, d Delivery, _ []byte) {
	h.Set("User-Agent", "GitLab/18.6.0")
	h.Set("X-Gitlab-Event", d.Event)
	h.Set("X-Gitlab-Event-UUID", d.ID)
	h.Set("X-Gitlab-Webhook-UUID", "7f8c0b5e-3f0a-4b8e-9a53-2a6f1f5e9c11")
	h.Set("X-Gitlab-Instance", "https://gitlab.example.com")
	if d.Secret != nil {
		h.Set("X-Gitlab-Token", string(d.Secret))
	}
}

func bitbucketHeaders(h http.Header, d Delivery, body []byte) {
	h.Set("User-Agent", "Bitbucket-Webhooks/2.0")
	h.Set("X-Event-Key", d.Event)
	uuid := d.HookUUID
	if uuid == "" {
		uuid = "{c6ea2d1b-7b2e-4b4c-9a53-2a6f1f5e9c11}"
	}
	h.Set("X-Hook-UUID", uuid)
	h.Set("X-Request-UUID", d.ID)
	h.Set("X-Attempt-Number", "1")
	if d.Secret != nil {
		h.Set("X-Hub-Signature", "sha256="+SignHex(d.Secret, body))
	}
}

func bitbucketServerHeaders(h http.Header, d Delivery, body []byte) {
	if !d.Form {
		h.Set("Content-Type", "application/json; charset=UTF-8")
	}
	h.Set("User-Agent", "Atlassian HttpClient 4.2.0 / Bitbucket-9.4.0 (9004000) / Default")
	h.Set("X-Event-Key", d.Event)
	h.Set("X-Request-Id", d.ID)
	if d.Secret != nil {
		h.Set("X-Hub-Signature", "sha256="+SignHex(d.Secret, body))
	}
}

// gogsHeaders: Gogs also sends GitHub's event header; it signs the JSON
// itself, also when the body is form-encoded.
func gogsHeaders(h http.Header, d Delivery, _ []byte) {
	h.Set("X-Gogs-Event", d.Event)
	h.Set("X-Gogs-Delivery", d.ID)
	h.Set("X-GitHub-Event", d.Event)
	h.Set("X-GitHub-Delivery", d.ID)
	if d.Secret != nil {
		h.Set("X-Gogs-Signature", SignHex(d.Secret, d.Payload))
	}
}

// giteaHeaders: Gitea and Forgejo send their own, Gogs' and GitHub's
// headers; every signature is over the JSON payload, also when the body is
// form-encoded.
func giteaHeaders(h http.Header, d Delivery, _ []byte) {
	h.Set("User-Agent", "Go-http-client/1.1")
	for _, p := range []string{"X-Gitea-", "X-Gogs-", "X-GitHub-"} {
		h.Set(p+"Event", d.Event)
		h.Set(p+"Delivery", d.ID)
	}
	h.Set("X-Gitea-Event-Type", d.Event)
	h.Set("X-GitHub-Event-Type", d.Event)
	if d.Secret != nil {
		sig := SignHex(d.Secret, d.Payload)
		h.Set("X-Gitea-Signature", sig)
		h.Set("X-Gogs-Signature", sig)
		h.Set("X-Hub-Signature-256", "sha256="+sig)
		h.Set("X-Hub-Signature", "sha1="+sha1Hex(d.Secret, d.Payload))
	}
}

// SignHex is the hex HMAC-SHA256 of msg with secret, the way the providers
// sign.
func SignHex(secret, msg []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(msg)
	return hex.EncodeToString(mac.Sum(nil))
}

func sha1Hex(secret, msg []byte) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg)
	return hex.EncodeToString(mac.Sum(nil))
}

// RandomSHA is a random 40-hex commit id.
func RandomSHA() string { return randomHex(20) }

// RandomToken is a random webhook secret or delivery id.
func RandomToken() string { return randomHex(24) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
