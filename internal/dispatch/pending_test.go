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
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

func trig(key, commit string) *trigger {
	return &trigger{key: key, namespace: "ns", name: key, commit: commit, provider: "github"}
}

// onCache is a trigger whose GitRepo the cache shows at webhookCommit, with
// a pollingInterval when hasPolling.
func onCache(key, commit, webhookCommit string, hasPolling bool) *trigger {
	t := trig(key, commit)
	t.webhookCommit, t.hasPolling = webhookCommit, hasPolling
	return t
}

func TestPendingAdd(t *testing.T) {
	tests := map[string]struct {
		max     int
		before  []*trigger // added first, unauthenticated
		closed  bool
		add     []*trigger
		polling time.Duration

		wantErr       error
		wantNoop      []string
		wantFresh     []string
		wantCoalesced int
		wantCommits   map[string]string // pending commit per key afterwards
	}{
		"new GitRepo becomes pending": {
			max: 10, add: []*trigger{trig("a", "c1")},
			wantFresh: []string{"a"}, wantCommits: map[string]string{"a": "c1"},
		},
		"GitRepo already at the commit is a no-op": {
			max: 10, add: []*trigger{onCache("a", "c1", "c1", false)},
			wantNoop: []string{"a"}, wantCommits: map[string]string{},
		},
		"authenticated push to a GitRepo without pollingInterval writes": {
			max: 10, add: []*trigger{onCache("a", "c1", "c1", false)}, polling: time.Hour,
			wantFresh: []string{"a"}, wantCommits: map[string]string{"a": "c1"},
		},
		"authenticated push to a GitRepo with pollingInterval is a no-op": {
			max: 10, add: []*trigger{onCache("a", "c1", "c1", true)}, polling: time.Hour,
			wantNoop: []string{"a"}, wantCommits: map[string]string{},
		},
		"pending GitRepo is never a no-op, latest wins": {
			max: 10, before: []*trigger{trig("a", "c1")}, add: []*trigger{onCache("a", "c0", "c0", false)},
			wantCoalesced: 1, wantCommits: map[string]string{"a": "c0"},
		},
		"coalescing needs no room": {
			max: 1, before: []*trigger{trig("a", "c1")}, add: []*trigger{trig("a", "c2")},
			wantCoalesced: 1, wantCommits: map[string]string{"a": "c2"},
		},
		"full: nothing is recorded": {
			max: 2, before: []*trigger{trig("a", "c1")}, add: []*trigger{trig("a", "c2"), trig("b", "c2"), trig("c", "c2")},
			wantErr: push.ErrQueueFull, wantCommits: map[string]string{"a": "c1"},
		},
		"closed: refused": {
			max: 10, before: []*trigger{trig("a", "c1")}, closed: true, add: []*trigger{trig("a", "c2")},
			wantErr: push.ErrQueueFull, wantCommits: map[string]string{"a": "c1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPendingSet(tc.max)
			if _, err := p.add(tc.before, 0); err != nil {
				t.Fatal(err)
			}
			if tc.closed {
				p.close()
			}
			a, err := p.add(tc.add, tc.polling)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("add: err %v, want %v", err, tc.wantErr)
			}
			var noop []string
			for _, n := range a.noop {
				noop = append(noop, n.key)
			}
			if !slices.Equal(noop, tc.wantNoop) || !slices.Equal(a.fresh, tc.wantFresh) || a.coalesced != tc.wantCoalesced {
				t.Fatalf("noop %v, fresh %v, coalesced %d; want %v, %v, %d",
					noop, a.fresh, a.coalesced, tc.wantNoop, tc.wantFresh, tc.wantCoalesced)
			}
			if err == nil && (a.depth != len(tc.wantCommits) || len(a.waits) != len(tc.add)-len(tc.wantNoop)) {
				t.Fatalf("depth %d, %d waits; want %d and %d", a.depth, len(a.waits), len(tc.wantCommits), len(tc.add)-len(tc.wantNoop))
			}
			got := map[string]string{}
			for k := range tc.wantCommits {
				if d, ok := p.next(k); ok {
					got[k] = d.commit
				}
			}
			if p.len() != len(tc.wantCommits) || fmt.Sprint(got) != fmt.Sprint(tc.wantCommits) {
				t.Fatalf("pending %d %v, want %v", p.len(), got, tc.wantCommits)
			}
		})
	}
}

// A push arriving while the previous one is being written keeps the key
// pending: the first waiter learns of its write, the second waits for the
// next one.
func TestPendingCompleteRacingAdd(t *testing.T) {
	p := newPendingSet(10)
	first := mustAdd(t, p, trig("a", "c1"))
	due, ok := p.next("a")
	if !ok || due.commit != "c1" {
		t.Fatalf("next = %+v, %v; want c1", due, ok)
	}
	second := mustAdd(t, p, trig("a", "c2"))
	if len(second.fresh) != 0 || second.coalesced != 1 {
		t.Fatalf("second add: fresh %v, coalesced %d; want none and 1", second.fresh, second.coalesced)
	}
	next, depth := p.complete("a", due, true)
	if next != later || depth != 1 {
		t.Fatalf("complete = %v, %d; want later, 1", next, depth)
	}
	if got := <-first.waits[0].w.ch; got != (outcome{commit: "c1", written: true}) {
		t.Fatalf("first waiter got %+v, want c1 written", got)
	}
	select {
	case got := <-second.waits[0].w.ch:
		t.Fatalf("second waiter got %+v before its write", got)
	default:
	}
	due, _ = p.next("a")
	if next, depth := p.complete("a", due, true); next != settled || depth != 0 {
		t.Fatalf("second complete = %v, %d; want settled, 0", next, depth)
	}
	if got := <-second.waits[0].w.ch; got != (outcome{commit: "c2", written: true}) {
		t.Fatalf("second waiter got %+v, want c2 written", got)
	}
	if _, ok := p.next("a"); ok {
		t.Fatal("a still pending after its last write")
	}
}

// Closing keeps waiters: the flush completes them, and a push that arrived
// during the last write is due at once rather than after a window. A caller
// that stops waiting gets its writes back as pending.
func TestPendingCloseWithWaiters(t *testing.T) {
	p := newPendingSet(10)
	a := mustAdd(t, p, trig("a", "c1"), trig("b", "c1"))
	due, _ := p.next("a")
	late := mustAdd(t, p, trig("a", "c2"))
	keys := p.close()
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"a", "b"}) || !p.closing() {
		t.Fatalf("close = %v (closing %v), want [a b]", keys, p.closing())
	}
	if _, err := p.add([]*trigger{trig("c", "c1")}, 0); !errors.Is(err, push.ErrQueueFull) {
		t.Fatalf("add after close: %v, want ErrQueueFull", err)
	}
	if next, _ := p.complete("a", due, true); next != again {
		t.Fatalf("complete with a newer push after close = %v, want again", next)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	got := p.await(ended, append(a.waits, late.waits...))
	want := []outcome{{commit: "c1", written: true}, {commit: "c1", pending: true}, {commit: "c2", pending: true}}
	if !slices.Equal(got, want) {
		t.Fatalf("await = %+v, want %+v", got, want)
	}
	for _, k := range []string{"a", "b"} {
		p.mu.Lock()
		n := len(p.entries[k].waiters)
		p.mu.Unlock()
		if n != 0 {
			t.Fatalf("%s keeps %d waiters nobody listens to", k, n)
		}
	}
	for _, k := range []string{"a", "b"} {
		due, _ := p.next(k)
		p.complete(k, due, false)
	}
	if p.len() != 0 {
		t.Fatalf("%d pending after the flush, want 0", p.len())
	}
}

func TestPendingAwaitGoneGitRepo(t *testing.T) {
	p := newPendingSet(10)
	a := mustAdd(t, p, trig("a", "c1"))
	due, _ := p.next("a")
	p.complete("a", due, false)
	if got := p.await(context.Background(), a.waits); got[0] != (outcome{commit: "c1"}) {
		t.Fatalf("await = %+v, want neither written nor pending", got)
	}
}

// Concurrent adds across a few keys: each key becomes fresh once, every
// push gets its own sequence number and waiter, and one write per key
// answers them all with that key's latest commit.
func TestPendingConcurrentAdds(t *testing.T) {
	const goroutines, pushes, keys = 8, 50, 5
	p := newPendingSet(keys)
	var mu sync.Mutex
	var fresh []string
	var waits []pendingWait
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range pushes {
				a, err := p.add([]*trigger{trig(fmt.Sprint("k", i%keys), fmt.Sprint(g, "-", i))}, 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fresh = append(fresh, a.fresh...)
				waits = append(waits, a.waits...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(fresh) != keys || p.len() != keys || len(waits) != goroutines*pushes {
		t.Fatalf("%d fresh, %d pending, %d waits; want %d, %d, %d", len(fresh), p.len(), len(waits), keys, keys, goroutines*pushes)
	}
	seqs := map[uint64]bool{}
	for _, w := range waits {
		seqs[w.w.seq] = true
	}
	if len(seqs) != goroutines*pushes {
		t.Fatalf("%d distinct sequence numbers for %d pushes", len(seqs), goroutines*pushes)
	}
	latest := map[string]string{}
	for _, k := range fresh {
		due, _ := p.next(k)
		latest[k] = due.commit
		if next, _ := p.complete(k, due, true); next != settled {
			t.Fatalf("complete %s = %v, want settled", k, next)
		}
	}
	for i, o := range p.await(context.Background(), waits) {
		if !o.written || o.commit != latest[waits[i].w.key] {
			t.Fatalf("waiter on %s got %+v, want %s written", waits[i].w.key, o, latest[waits[i].w.key])
		}
	}
}

// A worker completing writes while pushes keep arriving for the same key:
// no push is lost, every waiter learns of a write of its own commit or a
// later one, and the last push's commit is the last written.
func TestPendingCompleteConcurrentWithAdds(t *testing.T) {
	const pushes = 500
	p := newPendingSet(1)
	waits := make([]pendingWait, 0, pushes)
	done := make(chan struct{})
	var written []string
	go func() {
		defer close(done)
		for {
			due, ok := p.next("a")
			if !ok {
				if p.closing() {
					return
				}
				continue
			}
			written = append(written, due.commit)
			p.complete("a", due, true)
		}
	}()
	for i := range pushes {
		waits = append(waits, mustAdd(t, p, trig("a", fmt.Sprintf("c%03d", i))).waits...)
	}
	p.close()
	<-done
	for i, o := range p.await(context.Background(), waits) {
		if !o.written || o.commit < waits[i].t.commit {
			t.Fatalf("push %s got %+v, want a write of it or a later commit", waits[i].t.commit, o)
		}
	}
	if last := written[len(written)-1]; last != fmt.Sprintf("c%03d", pushes-1) {
		t.Fatalf("last write %s, want the last push", last)
	}
	if len(written) > pushes {
		t.Fatalf("%d writes for %d pushes", len(written), pushes)
	}
}

func mustAdd(t *testing.T, p *pendingSet, ts ...*trigger) admission {
	t.Helper()
	a, err := p.add(ts, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
