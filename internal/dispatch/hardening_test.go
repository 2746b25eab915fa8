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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus/testutil"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// staleCache serves GitRepo reads from a copy of the live objects taken by
// freeze, as an informer cache does that has not seen the latest writes.
type staleCache struct {
	mu   sync.Mutex
	copy client.Client // nil: read live
}

func (s *staleCache) wrap(live client.WithWatch) client.Client {
	frozen := func() client.Client {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.copy
	}
	return interceptor.NewClient(live, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if f := frozen(); f != nil {
				if _, ok := obj.(*fleet.GitRepo); ok {
					return f.Get(ctx, key, obj, opts...)
				}
			}
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if f := frozen(); f != nil {
				if _, ok := list.(*fleet.GitRepoList); ok {
					return f.List(ctx, list, opts...)
				}
			}
			return c.List(ctx, list, opts...)
		},
	})
}

// freeze copies the live GitRepos: reads show them until the next freeze.
func (s *staleCache) freeze(t *testing.T, live client.Client) {
	t.Helper()
	var l fleet.GitRepoList
	if err := live.List(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(testScheme()).
		WithIndex(&fleet.GitRepo{}, gitrepo.IndexRepoURL, gitrepo.IndexFunc)
	for i := range l.Items {
		gr := l.Items[i].DeepCopy()
		gr.ResourceVersion = ""
		b = b.WithObjects(gr)
	}
	s.mu.Lock()
	s.copy = b.Build()
	s.mu.Unlock()
}

func polledGitRepo(commit string) *fleet.GitRepo {
	gr := testGitRepo("app", "https://github.com/org/app", "main")
	gr.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute}
	gr.Status.WebhookCommit = commit
	return gr
}

// A revert to c0 that arrives before the cache shows this replica's own
// write of c1 is compared with the live object, not the stale cache: it is
// written.
func TestRevertBeforeCacheCatchesUpIsWritten(t *testing.T) {
	stale := &staleCache{}
	fe := newFakeEnvWithCache(t, Options{}, stale.wrap, polledGitRepo("c0"))
	stale.freeze(t, fe.c) // the cache shows c0 from now on
	defer fe.run()()
	for _, commit := range []string{"c1", "c0"} {
		res, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", commit))
		if err != nil || len(res.Written) != 1 || res.Written[0].Commit != commit {
			t.Fatalf("push %s: %+v, %v; want it written", commit, res, err)
		}
	}
	if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c0" {
		t.Fatalf("webhookCommit = %q after the revert, want c0", got)
	}
	if s, _ := fe.counts(); s != 2 {
		t.Fatalf("%d status writes, want 2", s)
	}
}

// The shortcut may skip a write only when the live object holds the
// commit: a redelivery of what the live object already holds costs no
// write even when the stale cache disagrees.
func TestRedeliveryOfLiveCommitIsSkipped(t *testing.T) {
	stale := &staleCache{}
	fe := newFakeEnvWithCache(t, Options{}, stale.wrap, polledGitRepo("c0"))
	stale.freeze(t, fe.c)
	defer fe.run()()
	for range 3 {
		res, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
		if err != nil || len(res.Written) != 1 {
			t.Fatalf("push: %+v, %v; want written", res, err)
		}
	}
	if s, _ := fe.counts(); s != 1 {
		t.Fatalf("%d status writes for one commit delivered three times, want 1", s)
	}
}

// Order is arrival: c1 is accepted first but its match is slow (its
// GitRepo's webhookSecret read), c2 is accepted later and written first.
// c1 must not overwrite c2.
func TestSlowMatchDoesNotLetAnOlderPushWin(t *testing.T) {
	gr := polledGitRepo("")
	gr.Spec.WebhookSecret = "own"
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "own", Namespace: testNS}, Data: map[string][]byte{"github": []byte("s")}}
	fe := newFakeEnv(t, Options{}, gr, secret)
	entered, release := make(chan struct{}), make(chan struct{})
	var reads atomic.Int32
	fe.d.o.WebhookSecrets = interceptor.NewClient(fe.c.(client.WithWatch), interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok && reads.Add(1) == 1 {
				close(entered) // the first request's match stalls here
				<-release
			}
			return c.Get(ctx, key, obj, opts...)
		},
	})
	defer fe.run()()
	signed := func(commit string) push.Request {
		r := githubPush("org/app", "main", commit)
		r.Verify = func([]byte) bool { return true }
		return r
	}
	slow := make(chan error, 1)
	go func() {
		_, err := fe.d.Dispatch(context.Background(), signed("c1"))
		slow <- err
	}()
	<-entered
	if res, err := fe.d.Dispatch(context.Background(), signed("c2")); err != nil || len(res.Written) != 1 {
		t.Fatalf("newer push: %+v, %v; want written", res, err)
	}
	close(release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c2" {
		t.Fatalf("webhookCommit = %q, want c2: the older push c1 overwrote the newer one", got)
	}
}

// Forbidden is permanent for that GitRepo (its access was revoked): the
// write is dropped, not retried for ever, counted, and logged once.
func TestForbiddenWriteIsDroppedCountedAndLoggedOnce(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, args)
	}, funcr.Options{Verbosity: 0})
	fe := newFakeEnv(t, Options{Logger: log}, polledGitRepo(""))
	var attempts atomic.Int32
	fe.beforeWrite = func(bool, client.Client, client.Object) error {
		attempts.Add(1)
		return apierrors.NewForbidden(fleet.GroupResource("gitrepos"), "app", nil)
	}
	defer fe.run()()
	before := testutil.ToFloat64(writesDropped.WithLabelValues("forbidden"))
	for i, commit := range []string{"c1", "c2"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := fe.d.Dispatch(ctx, githubPush("org/app", "main", commit))
		cancel()
		if err != nil || len(res.Pending) != 0 || len(res.Written) != 0 {
			t.Fatalf("push %d: %+v, %v; want neither written nor pending", i, res, err)
		}
		if !strings.Contains(res.Unmatched, "forbidden") {
			t.Fatalf("push %d: answer %q does not say the write was forbidden", i, res.Unmatched)
		}
		if n := fe.d.pending.len(); n != 0 {
			t.Fatalf("push %d: %d GitRepos still pending after Forbidden", i, n)
		}
	}
	if got := attempts.Load(); got != 2 {
		t.Fatalf("%d write attempts for two pushes, want 2 (no retries)", got)
	}
	if got := testutil.ToFloat64(writesDropped.WithLabelValues("forbidden")) - before; got != 2 {
		t.Fatalf("dropped-writes metric +%v, want +2", got)
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, l := range logged {
		if strings.Contains(l, "forbidden") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d log lines about the forbidden GitRepo, want 1: %q", n, logged)
	}
}

// A user setting spec.pollingInterval between the dispatcher's read and its
// patch keeps the user's value: the patch is conditional on the field still
// being absent.
func TestPollingIntervalPatchKeepsAValueSetAfterTheRead(t *testing.T) {
	fe := newFakeEnv(t, Options{}, testGitRepo("app", "https://github.com/org/app", "main"))
	var once sync.Once
	fe.beforeWrite = func(status bool, live client.Client, obj client.Object) error {
		if status {
			return nil
		}
		var err error
		once.Do(func() {
			var gr fleet.GitRepo
			key := types.NamespacedName{Namespace: testNS, Name: "app"}
			if err = live.Get(context.Background(), key, &gr); err != nil {
				return
			}
			gr.Spec.PollingInterval = &metav1.Duration{Duration: 5 * time.Minute}
			err = live.Update(context.Background(), &gr)
		})
		return err
	}
	defer fe.run()()
	res, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
	if err != nil || len(res.Written) != 1 {
		t.Fatalf("push: %+v, %v; want written", res, err)
	}
	gr := fe.gitRepo(t, "app")
	if gr.Spec.PollingInterval == nil || gr.Spec.PollingInterval.Duration != 5*time.Minute {
		t.Fatalf("pollingInterval %v, want the user's 5m kept", gr.Spec.PollingInterval)
	}
	if gr.Status.WebhookCommit != "c1" {
		t.Fatalf("webhookCommit %q, want c1", gr.Status.WebhookCommit)
	}
}
