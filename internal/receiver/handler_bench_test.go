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
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

type noopDispatcher struct{}

func (noopDispatcher) Dispatch(context.Context, push.Request) (push.Result, error) {
	return push.Result{Unmatched: "no GitRepo"}, nil
}

// BenchmarkHandler: one signed push per provider, realistic payload, end to
// end through the handler with a no-op dispatcher.
func BenchmarkHandler(b *testing.B) {
	h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: noopDispatcher{}, Logger: logr.Discard()}).Handler()
	for _, key := range []string{"github", "gitlab", "bitbucket", "bitbucket-server", "gogs", "gitea", "azure-password"} {
		pc := providerCases[key]
		b.Run(key, func(b *testing.B) {
			hdr, body := gitsim.Delivery{Provider: key, Event: pc.pushEvent, Payload: fixture(b, pc.push), Secret: secretOf(key)}.Build()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				req.Header = hdr
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
