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
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/testenv"
)

// TestCacheSettings runs the cache-backed settings against a real API
// server: a rotated Secret and an edited WebhookReceiver apply to the next
// requests without a restart, and the cache holds only the receiver's own
// two objects.
func TestCacheSettings(t *testing.T) {
	testenv.SkipIfShort(t)
	env, err := testenv.Environment()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest (assets in %s; run make envtest): %v", env.BinaryAssetsDirectory, err)
	}
	t.Cleanup(func() { _ = env.Stop() })

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := fleet.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}

	const ns, name, secretName = "receiver-test", "fleet", "fleet-webhook"
	mustCreate := func(o client.Object) {
		t.Helper()
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("creating %T: %v", o, err)
		}
	}
	mustCreate(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	wr := &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.WebhookReceiverSpec{
			Host:    "webhooks.example.com",
			Ingress: &v1alpha1.IngressSpec{ClassName: "traefik"},
			Providers: v1alpha1.Providers{
				GitHub: &v1alpha1.ProviderSecret{Generate: true},
				GitLab: &v1alpha1.ProviderSecret{Generate: true},
			},
		},
	}
	mustCreate(wr)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: ns},
		Data:       map[string][]byte{"github": []byte("old-github-secret"), "gitlab": []byte("gitlab-token")},
	}
	mustCreate(secret)
	mustCreate(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "unrelated", Namespace: ns}, Data: map[string][]byte{"x": []byte("y")}})

	opts := CacheOptions(CacheScope{Name: name, Namespace: ns, SecretName: secretName})
	opts.Scheme = scheme
	ca, err := cache.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ca.Start(ctx) }()
	if !ca.WaitForCacheSync(ctx) {
		t.Fatal("cache did not start")
	}
	settings := NewCacheSettings(ca, name, ns, secretName)
	if err := settings.(readier).Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, ok := settings.(*cacheSettings).snapshot(); !ok {
		t.Fatal("Ready returned before the settings snapshot synced: every request would read the cache")
	}

	// The field selector keeps every other Secret out of the cache.
	if err := ca.Get(ctx, types.NamespacedName{Namespace: ns, Name: "unrelated"}, &corev1.Secret{}); err == nil {
		t.Error("the cache holds a Secret other than the receiver's own")
	}

	d := &fakeDispatcher{}
	srv := httptest.NewServer(NewServer(Options{Settings: settings, Dispatcher: d, Logger: logr.Discard()}).Handler())
	t.Cleanup(srv.Close)
	payloads := map[string][]byte{"github": fixture(t, "github/push.json"), "gitlab": fixture(t, "gitlab/push.json"), "bitbucket": fixture(t, "bitbucket/push.json")}
	events := map[string]string{"github": "push", "gitlab": "Push Hook", "bitbucket": "repo:push"}
	send := func(key string, signWith []byte) int {
		req := gitsim.Delivery{Provider: key, Event: events[key], Payload: payloads[key], Secret: signWith}.Request(srv.URL)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// eventually polls until the informer has seen a change.
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	expect := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %d, want %d", what, got, want)
		}
	}

	expect("github with the secret", send("github", []byte("old-github-secret")), 200)
	expect("gitlab with the token", send("gitlab", []byte("gitlab-token")), 200)
	expect("bitbucket not enabled", send("bitbucket", []byte("x")), 403)

	// Rotation: the next requests verify with the new secret, no restart.
	secret.Data["github"] = []byte("new-github-secret")
	if err := c.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	eventually("the rotated secret", func() bool { return send("github", []byte("new-github-secret")) == 200 })
	expect("github with the old secret after rotation", send("github", []byte("old-github-secret")), 401)

	// A provider configured with a secret whose key is removed is not
	// opened: its configuration is incomplete (503) until the key is back,
	// or until it is configured for unsigned deliveries instead.
	delete(secret.Data, "gitlab")
	if err := c.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	eventually("the removed gitlab key", func() bool { return send("gitlab", nil) == 503 })
	expect("gitlab with the old token while its key is missing", send("gitlab", []byte("gitlab-token")), 503)
	if err := c.Get(ctx, client.ObjectKeyFromObject(wr), wr); err != nil {
		t.Fatal(err)
	}
	wr.Spec.Providers.GitLab = &v1alpha1.ProviderSecret{AllowUnauthenticated: true, Hosts: []string{"gitlab.com"}}
	wr.Spec.Providers.GitHub = nil
	if err := c.Update(ctx, wr); err != nil {
		t.Fatal(err)
	}
	eventually("allowUnauthenticated", func() bool { return send("gitlab", nil) == 200 })
	expect("github removed from spec.providers", send("github", []byte("new-github-secret")), 403)
	for _, r := range d.requests() {
		if r.Events[0].Provider == "gitlab" && !r.Authenticated {
			return
		}
	}
	t.Errorf("no unauthenticated gitlab request dispatched among %d", len(d.requests()))
}
