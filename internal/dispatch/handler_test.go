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

package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver"
)

// The tests here drive the real receiver handler (cache-backed settings)
// in front of a real Dispatcher, both over controller-runtime's fake
// client, so what a Git host sees is checked end to end without an API
// server.

const handlerSecret = "receiver-secret"

// handlerEnv is a receiver HTTP server in front of a running Dispatcher.
type handlerEnv struct {
	c   client.WithWatch
	url string
}

// newHandlerEnv serves wr (and its Secret, holding data) over a fake client
// holding objs. o's Client and Receiver are set here; an APIReader left nil
// reads the fake client.
func newHandlerEnv(t *testing.T, wr *v1alpha1.WebhookReceiver, data map[string][]byte, o Options, ack time.Duration, objs ...client.Object) *handlerEnv {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: wr.SecretNameOrDefault(), Namespace: wr.Namespace},
		Data:       data,
	}
	c := fake.NewClientBuilder().
		WithScheme(testScheme()).
		WithObjects(append([]client.Object{wr, secret}, objs...)...).
		WithStatusSubresource(&fleet.GitRepo{}).
		WithIndex(&fleet.GitRepo{}, gitrepo.IndexRepoURL, gitrepo.IndexFunc).
		Build()
	o.Client = c
	if o.WebhookSecrets == nil {
		o.WebhookSecrets = c
	}
	if o.APIReader == nil {
		o.APIReader = c
	}
	o.Receiver = client.ObjectKeyFromObject(wr)
	o.RetryBaseDelay, o.RetryMaxDelay = time.Millisecond, 10*time.Millisecond
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	srv := httptest.NewServer(receiver.NewServer(receiver.Options{
		Settings:   receiver.NewCacheSettings(c, wr.Name, wr.Namespace, wr.SecretNameOrDefault()),
		Dispatcher: d,
		AckTimeout: ack,
		Logger:     logr.Discard(),
	}).Handler())
	t.Cleanup(srv.Close)
	return &handlerEnv{c: c, url: srv.URL}
}

// githubStylePayload is a push of branch main to repoURL (https), the
// document GitHub, Gogs and Gitea all send.
func githubStylePayload(repoURL, commit string) []byte {
	b, err := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": strings.Repeat("1", 40), "after": commit,
		"repository": map[string]any{
			"html_url": repoURL, "clone_url": repoURL + ".git", "default_branch": "main",
		},
	})
	if err != nil {
		panic(err)
	}
	return b
}

type answer struct {
	code       int
	retryAfter string
	raw        string
	body       receiver.Response
}

func (e *handlerEnv) send(t *testing.T, d gitsim.Delivery) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(d.Request(e.url + "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), raw: string(raw)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("answer is not JSON (%d): %q", resp.StatusCode, raw)
	}
	return a
}

func (e *handlerEnv) webhookCommit(t *testing.T, ns, name string) string {
	t.Helper()
	var gr fleet.GitRepo
	if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &gr); err != nil {
		t.Fatal(err)
	}
	return gr.Status.WebhookCommit
}

// An unsigned delivery is let in per provider and only for GitRepos on that
// provider's hosts: a GitHub-shaped payload sent with Gitea's headers (Gitea
// allows unsigned deliveries from git.internal.example) never triggers a
// github.com GitRepo, whose provider has a secret.
func TestUnauthenticatedBoundToProviderHosts(t *testing.T) {
	wr := testReceiver()
	wr.Spec.Providers = v1alpha1.Providers{
		GitHub: &v1alpha1.ProviderSecret{Generate: true},
		Gitea:  &v1alpha1.ProviderSecret{AllowUnauthenticated: true, Hosts: []string{"git.internal.example"}},
	}
	e := newHandlerEnv(t, wr, map[string][]byte{"github": []byte(handlerSecret)}, Options{}, 5*time.Second,
		testGitRepo("public", "https://github.com/org/app", "main"),
		testGitRepo("internal", "https://git.internal.example/org/app", "main"))

	a := e.send(t, gitsim.Delivery{Provider: "gitea", Event: "push", Payload: githubStylePayload("https://github.com/org/app", sha1Of(1))})
	if a.code != http.StatusOK || a.body.Status != receiver.StatusNothingMatched {
		t.Errorf("unsigned Gitea delivery for github.com: got %d %s, want 200 nothing matched", a.code, a.raw)
	}
	if got := e.webhookCommit(t, testNS, "public"); got != "" {
		t.Fatalf("an unsigned Gitea delivery triggered the github.com GitRepo (webhookCommit %q)", got)
	}

	a = e.send(t, gitsim.Delivery{Provider: "gitea", Event: "push", Payload: githubStylePayload("https://git.internal.example/org/app", sha1Of(2))})
	if a.code != http.StatusOK || a.body.Status != receiver.StatusTriggered {
		t.Errorf("unsigned Gitea delivery for git.internal.example: got %d %s, want 200 triggered", a.code, a.raw)
	}
	if got := e.webhookCommit(t, testNS, "internal"); got != sha1Of(2) {
		t.Errorf("internal webhookCommit = %q, want %q", got, sha1Of(2))
	}

	a = e.send(t, gitsim.Delivery{Provider: "github", Event: "push", Payload: githubStylePayload("https://github.com/org/app", sha1Of(3))})
	if a.code != http.StatusUnauthorized {
		t.Errorf("unsigned GitHub delivery: got %d %s, want 401", a.code, a.raw)
	}
}

// A lookup still running at the ack deadline (here the GET of a GitRepo's
// spec.webhookSecret, answering only when its context ends) is not "nothing
// matched": the answer is 503 with Retry-After so the Git host redelivers.
func TestLookupTimeoutAnswers503(t *testing.T) {
	wr := testReceiver()
	wr.Spec.Providers = v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{Generate: true}}
	gr := testGitRepo("app", "https://github.com/org/app", "main")
	gr.Spec.WebhookSecret = "own"
	e := newHandlerEnv(t, wr, map[string][]byte{"github": []byte(handlerSecret)},
		Options{WebhookSecrets: slowReader{}}, 50*time.Millisecond, gr)

	a := e.send(t, gitsim.Delivery{Provider: "github", Event: "push", Secret: []byte(handlerSecret),
		Payload: githubStylePayload("https://github.com/org/app", sha1Of(1))})
	if a.code != http.StatusServiceUnavailable || a.retryAfter == "" {
		t.Fatalf("got %d (Retry-After %q) %s, want 503 with Retry-After", a.code, a.retryAfter, a.raw)
	}
}

// slowReader answers every read only when its context ends, as an API
// server that does not answer in time.
type slowReader struct{}

func (slowReader) Get(ctx context.Context, key client.ObjectKey, _ client.Object, _ ...client.GetOption) error {
	<-ctx.Done()
	return fmt.Errorf("GET %s: %w", key, ctx.Err())
}

func (slowReader) List(ctx context.Context, _ client.ObjectList, _ ...client.ListOption) error {
	<-ctx.Done()
	return fmt.Errorf("LIST: %w", ctx.Err())
}

// A holder of the provider secret learns nothing about GitRepos outside the
// receiver's targets: the answer does not name them; the detail goes to the
// debug log.
func TestAnswersNameOnlyTargets(t *testing.T) {
	wr := testReceiver()
	wr.Spec.Providers = v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{Generate: true}}
	wr.Spec.Targets = v1alpha1.Targets{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tenant": "a"}},
		Selector:          &metav1.LabelSelector{MatchLabels: map[string]string{"webhooks": "on"}},
	}
	tenantA := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tenant-a", Labels: map[string]string{"tenant": "a"}}}
	tenantB := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tenant-b", Labels: map[string]string{"tenant": "b"}}}
	foreign := testGitRepo("payments-prod", "https://github.com/org/app", "main")
	foreign.Namespace = "tenant-b"
	foreign.Labels = map[string]string{"webhooks": "on"}
	unselected := testGitRepo("unselected-app", "https://github.com/org/app", "main")
	unselected.Namespace = "tenant-a"
	inScope := testGitRepo("in-scope", "https://github.com/org/app", "release")
	inScope.Namespace = "tenant-a"
	inScope.Labels = map[string]string{"webhooks": "on"}

	var mu sync.Mutex
	var logged strings.Builder
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logged.WriteString(args + "\n")
	}, funcr.Options{Verbosity: 1})
	e := newHandlerEnv(t, wr, map[string][]byte{"github": []byte(handlerSecret)},
		Options{AllNamespaces: true, NamespaceLabels: true, Logger: log}, 5*time.Second,
		tenantA, tenantB, foreign, unselected, inScope)

	a := e.send(t, gitsim.Delivery{Provider: "github", Event: "push", Secret: []byte(handlerSecret),
		Payload: githubStylePayload("https://github.com/org/app", sha1Of(1))})
	if a.code != http.StatusOK || a.body.Status != receiver.StatusNothingMatched {
		t.Fatalf("got %d %s, want 200 nothing matched", a.code, a.raw)
	}
	for _, secret := range []string{"payments-prod", "tenant-b", "unselected-app", "namespaceSelector", "targets.selector"} {
		if strings.Contains(a.raw, secret) {
			t.Errorf("the answer names %q, outside the receiver's targets: %s", secret, a.raw)
		}
	}
	if !strings.Contains(a.body.Reason, "tenant-a/in-scope") {
		t.Errorf("the answer does not say why the in-scope GitRepo did not match: %s", a.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"tenant-b/payments-prod", "tenant-a/unselected-app"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the debug log does not say why %s was passed over:\n%s", want, logged.String())
		}
	}
}

func sha1Of(i int) string { return fmt.Sprintf("%040x", i) }
