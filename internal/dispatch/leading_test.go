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
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// waitFor polls cond until it holds; the bound only turns a hang into a
// failure, it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// bounded is a request context that ends long after any write here, so a
// push held for the (hour-long) window comes back pending instead of hanging.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// An isolated push is written at once, whatever the window: the request
// gets its write, not a pending answer after the window.
func TestIsolatedPushIsWrittenWithoutWaitingForTheWindow(t *testing.T) {
	fe := newFakeEnv(t, Options{Window: time.Hour}, polledGitRepo(""))
	defer fe.run()()
	res, err := fe.d.Dispatch(bounded(t), githubPush("org/app", "main", "c1"))
	if err != nil || len(res.Written) != 1 || len(res.Pending) != 0 {
		t.Fatalf("result %+v, %v; want app written at once", res, err)
	}
	if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c1" {
		t.Fatalf("webhookCommit %q, want c1", got)
	}
}

// 41 pushes to one GitRepo within a window: the first is written at once,
// the other 40 are answered at once as coalesced and ride on one trailing
// write of the last commit.
func TestBurstCostsALeadingAndOneTrailingWrite(t *testing.T) {
	fe := newFakeEnv(t, Options{Window: time.Hour}, polledGitRepo(""))
	stop := fe.run()
	res, err := fe.d.Dispatch(bounded(t), githubPush("org/app", "main", "c00"))
	if err != nil || len(res.Written) != 1 {
		t.Fatalf("first push: %+v, %v; want written", res, err)
	}
	for i := 1; i <= 40; i++ {
		commit := fmt.Sprintf("c%02d", i)
		res, err := fe.d.Dispatch(bounded(t), githubPush("org/app", "main", commit))
		if err != nil || len(res.Written) != 0 || len(res.Pending) != 1 {
			t.Fatalf("push %d: %+v, %v; want one pending write", i, res, err)
		}
		if p := res.Pending[0]; !p.Coalesced || p.Name != "app" || p.Commit != commit {
			t.Fatalf("push %d: pending %+v, want app coalesced at %s", i, p, commit)
		}
	}
	if s, _ := fe.counts(); s != 1 {
		t.Fatalf("%d status writes inside the window, want the leading one only", s)
	}
	stop() // ends the window: the trailing write is flushed
	if s, _ := fe.counts(); s != 2 {
		t.Fatalf("%d status writes for 41 pushes, want 2", s)
	}
	if got := fe.gitRepo(t, "app").Status.WebhookCommit; got != "c40" {
		t.Fatalf("webhookCommit %q, want the last push c40", got)
	}
}

// A push arriving while the GitRepo's write is in flight is answered before
// that write ends, and its commit is written after it.
func TestPushDuringAWriteIsAnsweredAtOnce(t *testing.T) {
	fe := newFakeEnv(t, Options{}, polledGitRepo(""))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fe.beforeWrite = func(status bool, _ client.Client, _ client.Object) error {
		once.Do(func() { close(entered); <-release })
		return nil
	}
	defer fe.run()()
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()
	first := make(chan error, 1)
	go func() {
		_, err := fe.d.Dispatch(context.Background(), githubPush("org/app", "main", "c1"))
		first <- err
	}()
	<-entered
	res, err := fe.d.Dispatch(bounded(t), githubPush("org/app", "main", "c2"))
	if err != nil || len(res.Pending) != 1 || !res.Pending[0].Coalesced {
		t.Fatalf("push during the write: %+v, %v; want coalesced pending", res, err)
	}
	select {
	case err := <-first:
		t.Fatalf("the first push was answered (err %v) before its write ended", err)
	default:
	}
	unblock()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "c2 written", func() bool { return fe.gitRepo(t, "app").Status.WebhookCommit == "c2" })
}

func distinctGitRepos(n int) []client.Object {
	objs := make([]client.Object, n)
	for i := range objs {
		gr := testGitRepo(fmt.Sprint("r", i), fmt.Sprint("https://github.com/org/r", i), "main")
		gr.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute}
		objs[i] = gr
	}
	return objs
}

// Writes to different GitRepos run in parallel, more than a fixed handful
// of workers would allow, when the token bucket has the tokens.
func TestWritesRunInParallel(t *testing.T) {
	const n = 12
	fe := newFakeEnv(t, Options{QPS: 1000, Burst: 1000}, distinctGitRepos(n)...)
	var inFlight atomic.Int32
	release := make(chan struct{})
	fe.beforeWrite = func(bool, client.Client, client.Object) error {
		inFlight.Add(1)
		<-release
		return nil
	}
	defer fe.run()()
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()
	for i := range n {
		if _, err := fe.d.Dispatch(cancelledContext(), githubPush(fmt.Sprint("org/r", i), "main", "c1")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, fmt.Sprint(n, " writes in flight at once"), func() bool { return inFlight.Load() == n })
	unblock()
	waitFor(t, "all written", func() bool { s, _ := fe.counts(); return s == n })
}

// The token bucket still bounds writes across GitRepos: with a burst of 3
// and no refill, 3 of 5 GitRepos are written and 2 stay pending until the
// shutdown flush, which ignores the rate limit.
func TestTokenBucketBoundsWrites(t *testing.T) {
	fe := newFakeEnv(t, Options{QPS: 1e-6, Burst: 3}, distinctGitRepos(5)...)
	stop := fe.run()
	for i := range 5 {
		if _, err := fe.d.Dispatch(cancelledContext(), githubPush(fmt.Sprint("org/r", i), "main", "c1")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "3 writes", func() bool { s, _ := fe.counts(); return s >= 3 && fe.d.pending.len() <= 2 })
	if s, _ := fe.counts(); s != 3 || fe.d.pending.len() != 2 {
		t.Fatalf("%d writes and %d pending with a burst of 3, want 3 and 2", s, fe.d.pending.len())
	}
	stop()
	if s, _ := fe.counts(); s != 5 {
		t.Fatalf("%d writes after the flush, want 5", s)
	}
}

// recordedEvent is one Event a fake recorder got.
type recordedEvent struct {
	regarding, reason, note string
}

type fakeRecorder struct {
	mu     sync.Mutex
	events []recordedEvent
}

func (r *fakeRecorder) Eventf(regarding, _ runtime.Object, _, reason, _, note string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recordedEvent{regarding.(*fleet.GitRepo).Name, reason, fmt.Sprintf(note, args...)})
}

func (r *fakeRecorder) list() []recordedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedEvent(nil), r.events...)
}

// Events never add API writes beyond one per push: pushes to distinct
// GitRepos (each one write) get none, a burst (41 pushes, 2 writes) gets
// one Event naming the last commit and the pushes it stands for.
func TestEventsCostNoWriteBeyondOnePerPush(t *testing.T) {
	rec := &fakeRecorder{}
	objs := append(distinctGitRepos(5), polledGitRepo(""))
	fe := newFakeEnv(t, Options{Window: time.Hour, Recorder: rec}, objs...)
	stop := fe.run()
	pushes := 0
	for i := range 5 {
		if _, err := fe.d.Dispatch(bounded(t), githubPush(fmt.Sprint("org/r", i), "main", "c1")); err != nil {
			t.Fatal(err)
		}
		pushes++
	}
	for i := range 41 {
		if _, err := fe.d.Dispatch(bounded(t), githubPush("org/app", "main", fmt.Sprintf("c%02d", i))); err != nil {
			t.Fatal(err)
		}
		pushes++
	}
	stop() // flushes the trailing write and the Events
	events := rec.list()
	status, spec := fe.counts()
	if writes := status + spec + len(events); writes > pushes {
		t.Fatalf("%d API writes (%d status, %d spec, %d Events) for %d pushes", writes, status, spec, len(events), pushes)
	}
	if len(events) != 1 || events[0].regarding != "app" || events[0].reason != ReasonTriggered {
		t.Fatalf("Events %+v, want one %s on app", events, ReasonTriggered)
	}
	for _, want := range []string{"c40", "41 pushes", "github", testNS + "/wr"} {
		if !strings.Contains(events[0].note, want) {
			t.Fatalf("Event note %q does not mention %q", events[0].note, want)
		}
	}
}
