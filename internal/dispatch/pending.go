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
	"slices"
	"sync"
	"time"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// pendingSet is the GitRepos with a write to do. Per GitRepo it holds the
// latest push (a newer push replaces the commit, so a burst costs one
// write), a sequence number telling pushes apart, and the requests waiting
// for the write. It owns its lock and knows nothing of the API or the
// queue: the caller schedules the keys add and complete hand back.
type pendingSet struct {
	max int

	mu      sync.Mutex
	entries map[string]*entry
	seq     uint64
	closed  bool
}

// dueWrite is what a GitRepo is due: the latest push to it.
type dueWrite struct {
	commit   string
	provider string
	// polling is the receiver's pollingInterval when any coalesced push was
	// authenticated, else 0 (never set it).
	polling time.Duration
	seq     uint64
	// since is when the write became pending, for the latency metric.
	since time.Time
}

type entry struct {
	dueWrite
	waiters []*waiter
}

// waiter is one request waiting for one GitRepo's write.
type waiter struct {
	key string
	seq uint64
	ch  chan outcome
}

// outcome is what became of one push to one GitRepo.
type outcome struct {
	// commit is the commit written: the push's own or a later one that
	// replaced it.
	commit  string
	written bool
	// pending is set when the caller stopped waiting before the write.
	pending bool
}

// pendingWait pairs a trigger with the waiter for its write.
type pendingWait struct {
	t *trigger
	w *waiter
}

// admission is what add did with one request's triggers.
type admission struct {
	// noop are the triggers whose GitRepo already carries the commit.
	noop []*trigger
	// waits are the triggers now pending, in order.
	waits []pendingWait
	// fresh are the keys that became pending: the caller schedules them.
	fresh []string
	// coalesced counts pushes folded into an already pending write.
	coalesced int
	// depth is the number of pending GitRepos afterwards.
	depth int
}

// followUp says what the caller does with a key after complete.
type followUp int

const (
	// settled: nothing is pending for the key any more.
	settled followUp = iota
	// again: a newer push is pending and the set is closed: write it now.
	again
	// later: a newer push arrived during the write; it gets its own window.
	later
)

func newPendingSet(maxPending int) *pendingSet {
	return &pendingSet{max: maxPending, entries: map[string]*entry{}}
}

// add records the triggers' commits as pending, all or nothing: beyond max
// pending GitRepos, or once closed, it records none and fails with
// push.ErrQueueFull. A trigger is a no-op when its GitRepo is not pending,
// already carries the commit, and needs no pollingInterval (polling is 0
// for an unauthenticated push, which never sets one).
func (p *pendingSet) add(ts []*trigger, polling time.Duration) (admission, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return admission{}, fmt.Errorf("shutting down: %w", push.ErrQueueFull)
	}
	noop := func(t *trigger) bool {
		_, isPending := p.entries[t.key]
		return !isPending && t.webhookCommit == t.commit && (polling == 0 || t.hasPolling)
	}
	added := 0
	for _, t := range ts {
		if _, ok := p.entries[t.key]; !ok && !noop(t) {
			added++
		}
	}
	if len(p.entries)+added > p.max {
		return admission{}, push.ErrQueueFull
	}
	var a admission
	now := time.Now()
	for _, t := range ts {
		if noop(t) {
			a.noop = append(a.noop, t)
			continue
		}
		e, ok := p.entries[t.key]
		if ok {
			a.coalesced++
		} else {
			e = &entry{dueWrite: dueWrite{since: now}}
			p.entries[t.key] = e
			a.fresh = append(a.fresh, t.key)
		}
		p.seq++
		// Latest received wins: whatever was pending is replaced.
		e.commit, e.provider, e.seq = t.commit, t.provider, p.seq
		if polling > 0 {
			e.polling = polling
		}
		w := &waiter{key: t.key, seq: p.seq, ch: make(chan outcome, 1)}
		e.waiters = append(e.waiters, w)
		a.waits = append(a.waits, pendingWait{t: t, w: w})
	}
	a.depth = len(p.entries)
	return a, nil
}

// next is the write a key is due, false when nothing is pending for it.
func (p *pendingSet) next(key string) (dueWrite, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[key]
	if e == nil {
		return dueWrite{}, false
	}
	return e.dueWrite, true
}

// complete ends the write of d (as next returned it) with written, and says
// what the caller does next with the key and how many GitRepos are pending.
// Waiters for d's push or an older one get the outcome; those for a newer
// push keep waiting for its write.
func (p *pendingSet) complete(key string, d dueWrite, written bool) (followUp, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[key]
	if e == nil {
		return settled, len(p.entries)
	}
	kept := e.waiters[:0]
	for _, w := range e.waiters {
		if w.seq <= d.seq {
			w.ch <- outcome{commit: d.commit, written: written}
		} else {
			kept = append(kept, w)
		}
	}
	clear(e.waiters[len(kept):])
	e.waiters = kept
	switch {
	case e.seq == d.seq:
		delete(p.entries, key)
		return settled, len(p.entries)
	case p.closed:
		return again, len(p.entries)
	}
	e.since = time.Now()
	return later, len(p.entries)
}

// await collects the outcomes of waits until ctx ends; those not written by
// then come back pending, and their waiters are dropped so a long outage
// does not accumulate one per push.
func (p *pendingSet) await(ctx context.Context, waits []pendingWait) []outcome {
	out := make([]outcome, len(waits))
	for i, pw := range waits {
		select {
		case out[i] = <-pw.w.ch:
			continue
		case <-ctx.Done():
		}
		p.abandon(waits[i:], out[i:])
		break
	}
	return out
}

func (p *pendingSet) abandon(waits []pendingWait, out []outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, pw := range waits {
		select {
		case out[i] = <-pw.w.ch:
			continue
		default:
		}
		out[i] = outcome{commit: pw.t.commit, pending: true}
		if e := p.entries[pw.w.key]; e != nil {
			e.waiters = slices.DeleteFunc(e.waiters, func(w *waiter) bool { return w == pw.w })
		}
	}
}

// close refuses further adds and returns the pending keys, to be written
// at once.
func (p *pendingSet) close() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	keys := make([]string, 0, len(p.entries))
	for k := range p.entries {
		keys = append(keys, k)
	}
	return keys
}

// closing reports whether close was called.
func (p *pendingSet) closing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// len is the number of GitRepos with a pending write.
func (p *pendingSet) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}
