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

package receiver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// FuzzHandler sends arbitrary bodies, events and content types as each
// provider (signed or not) through the whole handler: it must never panic
// or answer 500, and always answer one of the receiver's documented statuses
// with JSON.
// Seed corpus: testdata/fuzz/FuzzHandler.
func FuzzHandler(f *testing.F) {
	providers := provider.All()
	for i, p := range providers {
		f.Add(uint8(i), p.Events()[0], "application/json", []byte(`{"ref":"refs/heads/main","after":"abc","repository":{"html_url":"https://example.com/o/r"}}`), true, false)
	}
	h := newHandler(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
		MaxBodyBytes: 1 << 20, AckTimeout: DefaultAckTimeout, Logger: logr.Discard()}, providers)
	allowed := map[int]bool{200: true, 202: true, 400: true, 401: true, 403: true, 405: true, 413: true, 415: true, 503: true}

	f.Fuzz(func(t *testing.T, which uint8, event, contentType string, payload []byte, signed, form bool) {
		p := providers[int(which)%len(providers)]
		d := gitsim.Delivery{Provider: p.Key(), Event: event, Payload: payload, Form: form}
		if signed {
			d.Secret = secretOf(p.Key())
		}
		hdr, body := d.Build()
		if contentType != "" {
			hdr.Set("Content-Type", contentType)
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		for k, v := range hdr {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		var resp Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Status == "" {
			t.Fatalf("body is not a Response (%v): %q", err, rec.Body.String())
		}
		if bytes.Contains(rec.Body.Bytes(), secretOf(p.Key())) {
			t.Fatalf("secret in response: %s", rec.Body.String())
		}
	})
}
