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

// onLive is a trigger whose GitRepo the live object shows at its commit.
func onLive(key, commit string) *trigger {
	t := trig(key, commit)
	t.liveEqual = true
	return t
}

func names(ts []push.Trigger) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name+"@"+t.Commit)
	}
	return out
}

type pendingAddCase struct {
	max    int
	before []*trigger // added first
	closed bool
	add    []*trigger
	// older: the add's request was accepted before the before's.
	older bool

	wantErr     error
	wantWritten []string
	wantRiding  []string
	wantFresh   []string
	wantCommits map[string]string // pending commit per key afterwards
}

var pendingAddCases = map[string]pendingAddCase{
	"new GitRepo is due at once": {
		max: 10, add: []*trigger{trig("a", "c1")},
		wantFresh: []string{"a"}, wantCommits: map[string]string{"a": "c1"},
	},
	"GitRepo live at the commit is a no-op": {
		max: 10, add: []*trigger{onLive("a", "c1")},
		wantWritten: []string{"a@c1"}, wantCommits: map[string]string{},
	},
	"pending GitRepo is never a no-op, latest wins": {
		max: 10, before: []*trigger{trig("a", "c1")}, add: []*trigger{onLive("a", "c0")},
		wantRiding: []string{"a@c0"}, wantCommits: map[string]string{"a": "c0"},
	},
	"coalescing needs no room": {
		max: 1, before: []*trigger{trig("a", "c1")}, add: []*trigger{trig("a", "c2")},
		wantRiding: []string{"a@c2"}, wantCommits: map[string]string{"a": "c2"},
	},
	"an older request rides on the newer pending write": {
		max: 10, before: []*trigger{trig("a", "c2")}, add: []*trigger{trig("a", "c1")}, older: true,
		wantRiding: []string{"a@c2"}, wantCommits: map[string]string{"a": "c2"},
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

func TestPendingAdd(t *testing.T) {
	for name, tc := range pendingAddCases {
		t.Run(name, func(t *testing.T) {
			p := newPendingSet(tc.max, time.Hour)
			first, second := p.begin(), p.begin()
			beforeSeq, addSeq := first, second
			if tc.older {
				beforeSeq, addSeq = second, first
			}
			if _, err := p.add(tc.before, 0, beforeSeq); err != nil {
				t.Fatal(err)
			}
			if tc.closed {
				p.close()
			}
			a, err := p.add(tc.add, 0, addSeq)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("add: err %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(names(a.written), tc.wantWritten) || !slices.Equal(names(a.riding), tc.wantRiding) || !slices.Equal(a.fresh, tc.wantFresh) {
				t.Fatalf("written %v, riding %v, fresh %v; want %v, %v, %v",
					names(a.written), names(a.riding), a.fresh, tc.wantWritten, tc.wantRiding, tc.wantFresh)
			}
			for _, r := range a.riding {
				if !r.Coalesced {
					t.Fatalf("riding %+v not marked coalesced", r)
				}
			}
			got := map[string]string{}
			for k := range tc.wantCommits {
				if d, _, ok := p.next(k); ok {
					got[k] = d.commit
				}
			}
			if p.len() != len(tc.wantCommits) || fmt.Sprint(got) != fmt.Sprint(tc.wantCommits) {
				t.Fatalf("pending %d %v, want %v", p.len(), got, tc.wantCommits)
			}
		})
	}
}

// A push arriving while the leading write is under way rides on a trailing
// write at the end of the window: the leading waiter learns of its write,
// the trailing push is due only once the window is over.
func TestPendingTrailingWriteWaitsForTheWindow(t *testing.T) {
	p := newPendingSet(10, time.Hour)
	first := mustAdd(t, p, trig("a", "c1"))
	due, _, ok := p.next("a")
	if !ok || due.commit != "c1" || !slices.Equal(first.fresh, []string{"a"}) {
		t.Fatalf("next = %+v, %v (fresh %v); want c1 due at once", due, ok, first.fresh)
	}
	second := mustAdd(t, p, trig("a", "c2"))
	if len(second.fresh) != 0 || len(second.waits) != 0 || !slices.Equal(names(second.riding), []string{"a@c2"}) {
		t.Fatalf("second add: fresh %v, waits %d, riding %v; want it riding", second.fresh, len(second.waits), names(second.riding))
	}
	next, wait, depth := p.complete("a", due, outcome{written: true})
	if next != later || wait != time.Hour || depth != 1 {
		t.Fatalf("complete = %v, %v, %d; want later, 1h, 1", next, wait, depth)
	}
	if got := <-first.waits[0].w.ch; got != (outcome{commit: "c1", written: true}) {
		t.Fatalf("first waiter got %+v, want c1 written", got)
	}
	if _, wait, ok := p.next("a"); ok || wait <= 0 {
		t.Fatalf("next inside the window = %v, %v; want a wait", ok, wait)
	}
	// A third push in the window rides on the same trailing write.
	if third := mustAdd(t, p, trig("a", "c3")); len(third.fresh) != 0 || third.depth != 1 {
		t.Fatalf("third add: fresh %v depth %d; want riding, 1 pending", third.fresh, third.depth)
	}
	p.close() // ends the window
	due, _, ok = p.next("a")
	if !ok || due.commit != "c3" {
		t.Fatalf("next after close = %+v, %v; want c3", due, ok)
	}
	if next, _, depth := p.complete("a", due, outcome{written: true}); next != settled || depth != 0 {
		t.Fatalf("trailing complete = %v, %d; want settled, 0", next, depth)
	}
}

// After the window a push is due at once again, and a GitRepo with nothing
// left to do is forgotten when its window ends.
func TestPendingLeadingAgainAfterTheWindow(t *testing.T) {
	p := newPendingSet(10, 0)
	mustAdd(t, p, trig("a", "c1"))
	due, _, _ := p.next("a")
	mustAdd(t, p, trig("a", "c1b")) // during the write
	if next, wait, _ := p.complete("a", due, outcome{written: true}); next != later || wait != 0 {
		t.Fatalf("complete with a push during the write = %v, %v; want later, 0", next, wait)
	}
	due, _, _ = p.next("a")
	if next, _, _ := p.complete("a", due, outcome{written: true}); next != settled || len(p.entries) != 0 {
		t.Fatalf("complete = %v with %d entries; want settled, the GitRepo forgotten", next, len(p.entries))
	}
	if a := mustAdd(t, p, trig("a", "c2")); !slices.Equal(a.fresh, []string{"a"}) || len(a.waits) != 1 {
		t.Fatalf("push after the window: fresh %v, %d waits; want due at once", a.fresh, len(a.waits))
	}
	due, _, _ = p.next("a")
	p.complete("a", due, outcome{written: true})
	if _, _, ok := p.next("a"); ok || len(p.entries) != 0 {
		t.Fatalf("next = %v with %d entries; want the GitRepo forgotten", ok, len(p.entries))
	}
}

// With a window, a GitRepo with nothing left to do is forgotten when its
// window ends.
func TestPendingForgottenWhenTheWindowEnds(t *testing.T) {
	p := newPendingSet(10, time.Millisecond)
	mustAdd(t, p, trig("a", "c1"))
	due, _, _ := p.next("a")
	if next, wait, _ := p.complete("a", due, outcome{written: true}); next != later || wait != time.Millisecond {
		t.Fatalf("complete = %v, %v; want later, 1ms", next, wait)
	}
	time.Sleep(time.Millisecond)
	if _, _, ok := p.next("a"); ok || len(p.entries) != 0 {
		t.Fatalf("next = %v with %d entries; want the GitRepo forgotten", ok, len(p.entries))
	}
}

// Order is arrival: a request accepted before a newer one was written never
// overwrites it, even once the GitRepo's entry is gone.
func TestPendingOlderRequestNeverOverwritesANewerWrite(t *testing.T) {
	p := newPendingSet(10, 0)
	older, newer := p.begin(), p.begin()
	if _, err := p.add([]*trigger{trig("a", "c2")}, 0, newer); err != nil {
		t.Fatal(err)
	}
	due, _, _ := p.next("a")
	p.complete("a", due, outcome{written: true}) // no window: the entry is forgotten
	p.end(newer)
	a, err := p.add([]*trigger{trig("a", "c1")}, 0, older)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(a.written), []string{"a@c2"}) || len(a.fresh) != 0 || p.len() != 0 {
		t.Fatalf("older push: written %v, fresh %v, %d pending; want answered with c2, nothing due", names(a.written), a.fresh, p.len())
	}
	p.end(older)
	if len(p.retired) != 0 {
		t.Fatalf("%d retired pushes kept with no request active", len(p.retired))
	}
}

// Closing keeps waiters: the flush completes them. A caller that stops
// waiting gets its writes back as pending.
func TestPendingCloseWithWaiters(t *testing.T) {
	p := newPendingSet(10, time.Hour)
	a := mustAdd(t, p, trig("a", "c1"), trig("b", "c1"))
	due, _, _ := p.next("a")
	mustAdd(t, p, trig("a", "c2"))
	keys := p.close()
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"a", "b"}) || !p.closing() {
		t.Fatalf("close = %v (closing %v), want [a b]", keys, p.closing())
	}
	if _, err := p.add([]*trigger{trig("c", "c1")}, 0, p.begin()); !errors.Is(err, push.ErrQueueFull) {
		t.Fatalf("add after close: %v, want ErrQueueFull", err)
	}
	if next, _, _ := p.complete("a", due, outcome{written: true}); next != again {
		t.Fatalf("complete with a newer push after close = %v, want again", next)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	got := p.await(ended, a.waits)
	want := []outcome{{commit: "c1", written: true}, {commit: "c1", pending: true}}
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
		due, _, _ := p.next(k)
		p.complete(k, due, outcome{dropped: "gone"})
	}
	if p.len() != 0 {
		t.Fatalf("%d pending after the flush, want 0", p.len())
	}
}

func TestPendingAwaitDroppedWrite(t *testing.T) {
	p := newPendingSet(10, 0)
	a := mustAdd(t, p, trig("a", "c1"))
	due, _, _ := p.next("a")
	p.complete("a", due, outcome{dropped: "GitRepo not found"})
	if got := p.await(context.Background(), a.waits); got[0] != (outcome{commit: "c1", dropped: "GitRepo not found"}) {
		t.Fatalf("await = %+v, want dropped, neither written nor pending", got)
	}
}

// Concurrent adds across a few keys: each key is due at once once, its
// leading request waits and the others ride; every request gets its own
// sequence number, and one write per key answers its leading waiter.
func TestPendingConcurrentAdds(t *testing.T) {
	const goroutines, pushes, keys = 8, 50, 5
	p := newPendingSet(keys, time.Hour)
	var mu sync.Mutex
	var fresh []string
	var waits []pendingWait
	riding := 0
	seqs := map[uint64]bool{}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range pushes {
				seq := p.begin()
				a, err := p.add([]*trigger{trig(fmt.Sprint("k", i%keys), fmt.Sprint(g, "-", i))}, 0, seq)
				p.end(seq)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seqs[seq] = true
				fresh = append(fresh, a.fresh...)
				waits = append(waits, a.waits...)
				riding += len(a.riding) + len(a.written)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(fresh) != keys || p.len() != keys || len(waits) != keys || riding != goroutines*pushes-keys {
		t.Fatalf("%d fresh, %d pending, %d waits, %d riding", len(fresh), p.len(), len(waits), riding)
	}
	if len(seqs) != goroutines*pushes {
		t.Fatalf("%d distinct sequence numbers for %d pushes", len(seqs), goroutines*pushes)
	}
	latest := map[string]string{}
	for _, k := range fresh {
		due, _, _ := p.next(k)
		latest[k] = due.commit
		if next, _, _ := p.complete(k, due, outcome{written: true}); next != later {
			t.Fatalf("complete %s = %v, want later", k, next)
		}
	}
	for i, o := range p.await(context.Background(), waits) {
		if !o.written || o.commit != latest[waits[i].w.key] {
			t.Fatalf("waiter on %s got %+v, want %s written", waits[i].w.key, o, latest[waits[i].w.key])
		}
	}
}

// A writer completing writes while pushes keep arriving for the same key:
// no push is lost, and the last push's commit is the last written.
func TestPendingCompleteConcurrentWithAdds(t *testing.T) {
	const pushes = 500
	p := newPendingSet(1, 0)
	var waits []pendingWait
	done := make(chan struct{})
	var written []string
	go func() {
		defer close(done)
		for {
			due, _, ok := p.next("a")
			if !ok {
				if p.closing() && p.len() == 0 {
					return
				}
				continue
			}
			written = append(written, due.commit)
			p.complete("a", due, outcome{written: true})
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
	seq := p.begin()
	defer p.end(seq)
	a, err := p.add(ts, 0, seq)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
