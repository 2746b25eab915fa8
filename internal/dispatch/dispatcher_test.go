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
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

const testNS = "fleet-local"

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, fleet.AddToScheme, v1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func testReceiver() *v1alpha1.WebhookReceiver {
	return &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Name: "wr", Namespace: testNS},
		Spec: v1alpha1.WebhookReceiverSpec{
			Host:            "hooks.example.com",
			PollingInterval: &metav1.Duration{Duration: time.Hour},
		},
	}
}

func testGitRepo(name, repo, branch string) *fleet.GitRepo {
	return &fleet.GitRepo{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS},
		Spec:       fleet.GitRepoSpec{Repo: repo, Branch: branch},
	}
}

func githubPush(repo, branch, commit string) push.Request {
	return push.Request{
		Authenticated: true,
		SecretIn: func(data map[string][]byte) ([]byte, bool) {
			v := data["github"]
			return v, len(v) > 0
		},
		Events: []push.Event{{
			Provider: "github",
			RepoURLs: []string{"https://github.com/" + repo, "git@github.com:" + repo + ".git"},
			Ref:      "refs/heads/" + branch, Branch: branch, DefaultBranch: "main", Commit: commit,
		}},
	}
}

// fakeEnv is a Dispatcher over controller-runtime's fake client, with every
// write recorded and optionally failed.
type fakeEnv struct {
	c client.Client
	d *Dispatcher

	mu          sync.Mutex
	statusPatch []string // GitRepo name per status patch
	specPatch   []string
	failWrites  int // fail this many writes before letting them through
	failErr     error
	// beforeWrite runs before each GitRepo patch (spec or status) reaches
	// the fake API, with the unintercepted client; an error fails the patch.
	beforeWrite func(status bool, live client.Client, obj client.Object) error
}

func newFakeEnv(t *testing.T, o Options, objs ...client.Object) *fakeEnv {
	t.Helper()
	return newFakeEnvWithCache(t, o, nil, objs...)
}

// newFakeEnvWithCache is newFakeEnv with the dispatcher's cache reads going
// through cache(live) instead of the live fake client; APIReader stays live.
func newFakeEnvWithCache(t *testing.T, o Options, cache func(live client.WithWatch) client.Client, objs ...client.Object) *fakeEnv {
	t.Helper()
	fe := &fakeEnv{}
	fe.c = fake.NewClientBuilder().
		WithScheme(testScheme()).
		WithObjects(append([]client.Object{testReceiver()}, objs...)...).
		WithStatusSubresource(&fleet.GitRepo{}).
		WithIndex(&fleet.GitRepo{}, gitrepo.IndexRepoURL, gitrepo.IndexFunc).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
				if err := fe.before(false, c, obj); err != nil {
					return err
				}
				if err := fe.fail(); err != nil {
					return err
				}
				fe.mu.Lock()
				fe.specPatch = append(fe.specPatch, obj.GetName())
				fe.mu.Unlock()
				return c.Patch(ctx, obj, p, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				if err := fe.before(true, c, obj); err != nil {
					return err
				}
				if err := fe.fail(); err != nil {
					return err
				}
				fe.mu.Lock()
				fe.statusPatch = append(fe.statusPatch, obj.GetName())
				fe.mu.Unlock()
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			},
		}).Build()
	o.Client, o.APIReader, o.WebhookSecrets = fe.c, fe.c, fe.c
	if cache != nil {
		o.Client = cache(fe.c.(client.WithWatch))
	}
	o.Receiver = types.NamespacedName{Namespace: testNS, Name: "wr"}
	o.RetryBaseDelay, o.RetryMaxDelay = time.Millisecond, 10*time.Millisecond
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	fe.d = d
	return fe
}

func (fe *fakeEnv) before(status bool, live client.Client, obj client.Object) error {
	fe.mu.Lock()
	hook := fe.beforeWrite
	fe.mu.Unlock()
	if hook == nil {
		return nil
	}
	return hook(status, live, obj)
}

func (fe *fakeEnv) fail() error {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.failWrites > 0 {
		fe.failWrites--
		return fe.failErr
	}
	return nil
}

func (fe *fakeEnv) counts() (status, spec int) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	return len(fe.statusPatch), len(fe.specPatch)
}

func (fe *fakeEnv) gitRepo(t *testing.T, name string) *fleet.GitRepo {
	t.Helper()
	var gr fleet.GitRepo
	if err := fe.c.Get(context.Background(), types.NamespacedName{Namespace: testNS, Name: name}, &gr); err != nil {
		t.Fatal(err)
	}
	return &gr
}

// run starts the dispatcher; the returned stop flushes and waits for it.
func (fe *fakeEnv) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = fe.d.Start(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

func cancelledContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestCoalescesBurstLatestWins(t *testing.T) {
	// A window far longer than the test: after the leading write, only the
	// shutdown flush writes.
	fe := newFakeEnv(t, Options{Window: time.Hour}, testGitRepo("app", "https://github.com/org/app", "main"))
	stop := fe.run()
	coalescedBefore, writtenBefore := testutil.ToFloat64(pushesCoalesced), testutil.ToFloat64(triggersWritten)
	for i := range 100 {
		res, err := fe.d.Dispatch(cancelledContext(), githubPush("org/app", "main", fmt.Sprintf("c%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Pending) != 1 || res.Pending[0].Name != "app" || res.Pending[0].Coalesced != (i > 0) {
			t.Fatalf("push %d: result %+v, want app pending, coalesced after the first", i, res)
		}
	}
	if s, _ := fe.counts(); s > 1 {
		t.Fatalf("%d status writes inside the window, want at most the leading one", s)
	}
	if got := testutil.ToFloat64(queueDepth); got != 1 {
		t.Fatalf("queue depth %v with one GitRepo pending, want 1", got)
	}
	stop()
	if got := testutil.ToFloat64(pushesCoalesced) - coalescedBefore; got != 99 {
		t.Fatalf("coalesced pushes metric +%v, want +99", got)
	}
	written := testutil.ToFloat64(triggersWritten) - writtenBefore
	if s, _ := fe.counts(); s < 1 || s > 2 || float64(s) != written {
		t.Fatalf("%d status writes (metric +%v) for 100 coalesced pushes, want 1 or 2", s, written)
	}
	if got := testutil.ToFloat64(queueDepth); got != 0 {
		t.Fatalf("queue depth %v after the flush, want 0", got)
	}
	if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c099" {
		t.Fatalf("webhookCommit = %q, want the last push c099", got)
	}
}

func TestWaitsForWriteAndSkipsUnchanged(t *testing.T) {
	fe := newFakeEnv(t, Options{}, testGitRepo("app", "https://github.com/org/app", "main"))
	defer fe.run()()
	res, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || res.Written[0] != (push.Trigger{Namespace: testNS, Name: "app", Commit: "c1"}) || len(res.Pending) != 0 {
		t.Fatalf("result %+v, want app written with c1", res)
	}
	gr := fe.gitRepo(t, "app")
	if gr.Status.WebhookCommit != "c1" || gr.Status.LastWebhookTime.IsZero() {
		t.Fatalf("status %+v, want webhookCommit c1 and lastWebhookTime", gr.Status)
	}
	// The same commit again (a redelivery): answered at once, no write.
	res, err = fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
	if err != nil || len(res.Written) != 1 {
		t.Fatalf("redelivery: %+v, %v", res, err)
	}
	if s, p := fe.counts(); s != 1 || p != 1 {
		t.Fatalf("writes: %d status, %d spec; want 1 and 1", s, p)
	}
}

func TestPollingInterval(t *testing.T) {
	tests := map[string]struct {
		existing      *metav1.Duration
		authenticated bool
		want          string
		specWrites    int
		// disablePolling is the GitRepo's spec.disablePolling; receiverPolling
		// overrides the receiver's spec.pollingInterval (1h).
		disablePolling  bool
		receiverPolling *metav1.Duration
	}{
		"none, authenticated":    {existing: nil, authenticated: true, want: "1h0m0s", specWrites: 1},
		"none, unauthenticated":  {existing: nil, authenticated: false, want: "", specWrites: 0},
		"has one, authenticated": {existing: &metav1.Duration{Duration: 5 * time.Minute}, authenticated: true, want: "5m0s", specWrites: 0},
		"polling disabled":       {authenticated: true, disablePolling: true, want: "", specWrites: 0},
		"receiver says 0s: leave GitRepo specs alone": {
			authenticated: true, receiverPolling: &metav1.Duration{}, want: "", specWrites: 0,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gr := testGitRepo("app", "https://github.com/org/app", "main")
			gr.Spec.PollingInterval = tc.existing
			gr.Spec.DisablePolling = tc.disablePolling
			fe := newFakeEnv(t, Options{}, gr)
			if tc.receiverPolling != nil {
				var wr v1alpha1.WebhookReceiver
				if err := fe.c.Get(context.Background(), types.NamespacedName{Namespace: testNS, Name: "wr"}, &wr); err != nil {
					t.Fatal(err)
				}
				wr.Spec.PollingInterval = tc.receiverPolling
				if err := fe.c.Update(context.Background(), &wr); err != nil {
					t.Fatal(err)
				}
			}
			defer fe.run()()
			for i := range 3 {
				req := githubPush("org/app", "main", fmt.Sprintf("c%d", i))
				req.Authenticated = tc.authenticated
				if !tc.authenticated {
					req.Hosts = []string{"github.com"} // allowUnauthenticated binds to hosts
				}
				if _, err := fe.d.Dispatch(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			}
			got := ""
			if p := fe.gitRepo(t, "app").Spec.PollingInterval; p != nil {
				got = p.Duration.String()
			}
			if got != tc.want {
				t.Fatalf("pollingInterval %q, want %q", got, tc.want)
			}
			if _, p := fe.counts(); p != tc.specWrites {
				t.Fatalf("%d spec writes, want %d", p, tc.specWrites)
			}
			if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c2" {
				t.Fatalf("webhookCommit %q, want the last push c2 (triggered either way)", got)
			}
		})
	}
}

func TestRetriesUntilWritten(t *testing.T) {
	tests := map[string]error{
		"conflict":    apierrors.NewConflict(fleet.GroupResource("gitrepos"), "app", errors.New("changed")),
		"unavailable": apierrors.NewServiceUnavailable("etcd down"),
		"transport":   errors.New("connection refused"),
	}
	for name, failure := range tests {
		t.Run(name, func(t *testing.T) {
			gr := testGitRepo("app", "https://github.com/org/app", "main")
			gr.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute}
			fe := newFakeEnv(t, Options{}, gr)
			fe.failWrites, fe.failErr = 5, failure
			defer fe.run()()
			res, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
			if err != nil || len(res.Written) != 1 {
				t.Fatalf("result %+v, %v; want written after retries", res, err)
			}
			if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c1" {
				t.Fatalf("webhookCommit %q, want c1", got)
			}
		})
	}
}

func TestQueueFullQueuesNothing(t *testing.T) {
	fe := newFakeEnv(t, Options{Window: time.Hour, MaxPending: 2},
		testGitRepo("a", "https://github.com/org/a", "main"),
		testGitRepo("b", "https://github.com/org/b", "main"),
		testGitRepo("c", "https://github.com/org/c", "main"),
		testGitRepo("c2", "https://github.com/org/c", "main"),
	)
	ctx := cancelledContext()
	if _, err := fe.d.Dispatch(ctx, githubPush("org/c", "main", "x")); err != nil { // 2 GitRepos: at the limit
		t.Fatal(err)
	}
	if _, err := fe.d.Dispatch(ctx, githubPush("org/a", "main", "x")); !errors.Is(err, push.ErrQueueFull) {
		t.Fatalf("third pending GitRepo: err %v, want ErrQueueFull", err)
	}
	// Pushes to GitRepos already pending still coalesce.
	if _, err := fe.d.Dispatch(ctx, githubPush("org/c", "main", "y")); err != nil {
		t.Fatalf("coalescing push: %v", err)
	}
	fe.d.pending.mu.Lock()
	n, commit := len(fe.d.pending.entries), fe.d.pending.entries[testNS+"/c"].commit
	fe.d.pending.mu.Unlock()
	if n != 2 || commit != "y" {
		t.Fatalf("pending %d with c at %q, want 2 and y", n, commit)
	}
	stop := fe.run()
	stop()
	if _, err := fe.d.Dispatch(context.Background(), githubPush("org/b", "main", "x")); !errors.Is(err, push.ErrQueueFull) {
		t.Fatalf("after shutdown: err %v, want ErrQueueFull", err)
	}
	if s, _ := fe.counts(); s != 2 {
		t.Fatalf("%d status writes flushed at shutdown, want 2", s)
	}
}

func TestUnmatchedSaysWhy(t *testing.T) {
	fe := newFakeEnv(t, Options{}, testGitRepo("app", "https://github.com/org/app", "main"))
	tests := map[string]struct {
		req  push.Request
		want []string
	}{
		"other branch": {githubPush("org/app", "dev", "c1"), []string{"github.com/org/app", "branch dev", testNS + "/app: branch main"}},
		"unknown repo": {githubPush("org/app-suffix", "main", "c1"), []string{"github.com/org/app-suffix", "no GitRepo in namespace " + testNS}},
		"deleted": {push.Request{Events: []push.Event{{Provider: "github", RepoURLs: []string{"https://github.com/org/app"},
			Ref: "refs/heads/main", Branch: "main", Deleted: true}}}, []string{"deleted"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := fe.d.Dispatch(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Written)+len(res.Pending) != 0 {
				t.Fatalf("result %+v, want nothing matched", res)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Unmatched, w) {
					t.Fatalf("Unmatched %q does not mention %q", res.Unmatched, w)
				}
			}
		})
	}
}

func TestWebhookSecretFailsClosed(t *testing.T) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "own", Namespace: testNS},
		Data:       map[string][]byte{"github": []byte("repo-secret")},
	}
	tests := map[string]struct {
		secretName string
		verifyWith string
		want       bool
	}{
		"verifies":        {"own", "repo-secret", true},
		"wrong signature": {"own", "other", false},
		"secret missing":  {"missing", "repo-secret", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gr := testGitRepo("app", "https://github.com/org/app", "main")
			gr.Spec.WebhookSecret = tc.secretName
			fe := newFakeEnv(t, Options{}, gr, secret)
			defer fe.run()()
			req := githubPush("org/app", "main", "c1")
			req.Verify = func(s []byte) bool { return string(s) == tc.verifyWith }
			res, err := fe.d.Dispatch(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Written) == 1; got != tc.want {
				t.Fatalf("triggered = %v (%+v), want %v", got, res, tc.want)
			}
			if !tc.want && !strings.Contains(res.Unmatched, "webhookSecret") {
				t.Fatalf("Unmatched %q does not name webhookSecret", res.Unmatched)
			}
		})
	}
}

// A webhookSecret that cannot be read right now (API timeout, 5xx) is not an
// answer: the request fails so the Git host redelivers it, instead of a 200
// "nothing matched" that loses the trigger. Forbidden and NotFound are
// answers, and fail closed (TestWebhookSecretFailsClosed).
func TestTransientLookupErrorFailsTheRequest(t *testing.T) {
	gr := testGitRepo("app", "https://github.com/org/app", "main")
	gr.Spec.WebhookSecret = "own"
	fe := newFakeEnv(t, Options{}, gr)
	defer fe.run()()
	unavailable := apierrors.NewServiceUnavailable("etcd is down")
	fe.d.o.WebhookSecrets = interceptor.NewClient(fe.c.(client.WithWatch), interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok {
				return unavailable
			}
			return c.Get(ctx, key, obj, opts...)
		},
	})
	req := githubPush("org/app", "main", "c1")
	req.Verify = func([]byte) bool { return true }
	res, err := fe.d.Dispatch(context.Background(), req)
	if !errors.Is(err, unavailable) {
		t.Fatalf("Dispatch = %+v, %v; want the lookup error", res, err)
	}
	if status, spec := fe.counts(); status+spec != 0 {
		t.Fatalf("%d writes for a failed request, want none", status+spec)
	}
}

// A webhookSecret not readable right now holds back only the GitRepos that
// name it: the others the request verified for are written, and the
// undecided ones are reported so the receiver asks for a redelivery.
func TestTransientLookupErrorHoldsBackOnlyItsGitRepos(t *testing.T) {
	own := testGitRepo("own", "https://github.com/org/app", "main")
	own.Spec.WebhookSecret = "own"
	fe := newFakeEnv(t, Options{}, own, testGitRepo("plain", "https://github.com/org/app", "main"))
	defer fe.run()()
	fe.d.o.WebhookSecrets = interceptor.NewClient(fe.c.(client.WithWatch), interceptor.Funcs{
		Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
			return apierrors.NewServiceUnavailable("etcd is down")
		},
	})
	req := githubPush("org/app", "main", "c1")
	req.Authenticated = true
	req.Verify = func([]byte) bool { return true }
	res, err := fe.d.Dispatch(context.Background(), req)
	if err != nil {
		t.Fatalf("Dispatch: %v", err)
	}
	if len(res.Written) != 1 || res.Written[0].Name != "plain" {
		t.Fatalf("written %+v, want plain", res.Written)
	}
	if len(res.Undecided) != 1 || res.Undecided[0].Name != "own" {
		t.Fatalf("undecided %+v, want own", res.Undecided)
	}
	if got := fe.gitRepo(t, "own").Status.WebhookCommit; got != "" {
		t.Fatalf("own's webhookCommit = %q, want none without its secret", got)
	}
}

// Another replica (or anyone) moving status.webhookCommit on must not make
// this replica's memory of its own last write skip a needed one: after
// c1 (here), c2 (elsewhere), a push of c1 again is written.
func TestOwnLastWriteDoesNotHideAnotherWriter(t *testing.T) {
	fe := newFakeEnv(t, Options{}, testGitRepo("app", "https://github.com/org/app", "main"))
	defer fe.run()()
	if _, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1")); err != nil {
		t.Fatal(err)
	}
	gr := fe.gitRepo(t, "app")
	gr.Status.WebhookCommit = "c2"
	if err := fe.c.Status().Update(context.Background(), gr); err != nil {
		t.Fatal(err)
	}
	res, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
	if err != nil || len(res.Written) != 1 {
		t.Fatalf("dispatch: %+v, %v", res, err)
	}
	if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c1" {
		t.Fatalf("webhookCommit = %q, want c1 written again over the other writer's c2", got)
	}
	if s, _ := fe.counts(); s != 2 {
		t.Fatalf("%d status writes, want 2", s)
	}
}
