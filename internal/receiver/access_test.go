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
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// accessServer serves a receiver whose settings come from wr and its
// Secret (holding data) through a fake client, as the cache-backed
// settings read them.
func accessServer(t *testing.T, wr *v1alpha1.WebhookReceiver, data map[string][]byte) *testServer {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	objs := []client.Object{wr}
	if data != nil {
		objs = append(objs, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: wr.SecretNameOrDefault(), Namespace: wr.Namespace},
			Data:       data,
		})
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	d := &fakeDispatcher{}
	srv := httptest.NewServer(NewServer(Options{
		Settings:   NewCacheSettings(c, wr.Name, wr.Namespace, wr.SecretNameOrDefault()),
		Dispatcher: d,
		Logger:     logr.Discard(),
	}).Handler())
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, d: d}
}

func accessReceiver(p v1alpha1.Providers) *v1alpha1.WebhookReceiver {
	return &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Name: "hooks", Namespace: "fleet-local"},
		Spec:       v1alpha1.WebhookReceiverSpec{Host: "hooks.example.com", Providers: p},
	}
}

// A provider configured with a secret never accepts an unsigned delivery,
// whatever another provider allows: while its key is missing from the
// receiver Secret (the referenced Secret does not exist yet, say) the
// configuration is incomplete and the answer is 503 with Retry-After.
func TestSecretConfiguredProviderNeverAcceptsUnsigned(t *testing.T) {
	wr := accessReceiver(v1alpha1.Providers{
		GitHub: &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "not-there-yet", Key: "token"}},
		GitLab: &v1alpha1.ProviderSecret{Generate: true},
		Gitea:  &v1alpha1.ProviderSecret{AllowUnauthenticated: true, Hosts: []string{"git.internal.example"}},
	})
	payloads := map[string]gitsim.Delivery{
		"github": {Provider: "github", Event: "push", Payload: fixture(t, "github/push.json")},
		"gitlab": {Provider: "gitlab", Event: "Push Hook", Payload: fixture(t, "gitlab/push.json")},
	}
	tests := map[string]struct {
		data     map[string][]byte // the receiver Secret; nil: no Secret
		provider string
		signWith string
	}{
		"github key missing, unsigned":        {data: map[string][]byte{"gitlab": []byte("t")}, provider: "github"},
		"github key missing, signed":          {data: map[string][]byte{"gitlab": []byte("t")}, provider: "github", signWith: "guess"},
		"no receiver Secret, unsigned":        {provider: "github"},
		"generated key not written, unsigned": {data: map[string][]byte{}, provider: "gitlab"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts := accessServer(t, wr, tc.data)
			d := payloads[tc.provider]
			if tc.signWith != "" {
				d.Secret = []byte(tc.signWith)
			}
			r := do(t, d.Request(ts.URL))
			if r.code != http.StatusServiceUnavailable || r.hdr.Get("Retry-After") == "" {
				t.Fatalf("got %d (Retry-After %q) %s, want 503 with Retry-After", r.code, r.hdr.Get("Retry-After"), r.raw)
			}
			if n := len(ts.d.requests()); n != 0 {
				t.Fatalf("%d requests dispatched, want none", n)
			}
		})
	}
}

// An unsigned delivery of a provider that allows it is dispatched as
// unauthenticated and bound to that provider's hosts; one of a provider
// that is not enabled is refused.
func TestUnauthenticatedProviderCarriesItsHosts(t *testing.T) {
	wr := accessReceiver(v1alpha1.Providers{
		GitHub: &v1alpha1.ProviderSecret{Generate: true},
		Gitea:  &v1alpha1.ProviderSecret{AllowUnauthenticated: true, Hosts: []string{"git.internal.example", "Git.Other.Example"}},
	})
	ts := accessServer(t, wr, map[string][]byte{"github": []byte("gh")})
	r := do(t, gitsim.Delivery{Provider: "gitea", Event: "push", Payload: fixture(t, "gitea/push.json")}.Request(ts.URL))
	if r.code != http.StatusOK {
		t.Fatalf("unsigned gitea: got %d %s", r.code, r.raw)
	}
	reqs := ts.d.requests()
	if len(reqs) != 1 || reqs[0].Authenticated {
		t.Fatalf("dispatched %+v, want one unauthenticated request", reqs)
	}
	if got := reqs[0].Hosts; len(got) != 2 || got[0] != "git.internal.example" || got[1] != "git.other.example" {
		t.Errorf("hosts = %q, want the gitea provider's, normalised", got)
	}
	r = do(t, gitsim.Delivery{Provider: "gogs", Event: "push", Payload: fixture(t, "gogs/push.json")}.Request(ts.URL))
	if r.code != http.StatusForbidden {
		t.Errorf("gogs (not enabled): got %d %s, want 403", r.code, r.raw)
	}
}
