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
	"fmt"
	"sync"
	"time"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// pendingSet is the GitRepos being written. Per GitRepo it holds the latest
// accepted push and the requests waiting for its write. The first push to a
// GitRepo with nothing pending is due at once (leading edge); pushes during
// that write or within the window after it replace the due commit and ride
// on one trailing write at the end of the window, so a burst costs at most
// two writes per window. Requests are numbered when accepted, before
// matching, and the newest accepted push wins. It owns its lock and knows
// nothing of the API or the queue: the caller schedules the keys it hands
// back.
type pendingSet struct {
	max    int
	window time.Duration

	mu      sync.Mutex
	entries map[string]*entry
	dirty   int // entries with a write to do
	seq     uint64
	// active are the requests accepted and not yet answered; retired keeps
	// the last accepted push of GitRepos whose entry is gone while an older
	// request may still reach add.
	active  map[uint64]struct{}
	retired map[string]accepted
	pruneAt int
	closed  bool
}

type accepted struct {
	seq    uint64
	commit string
}

// dueWrite is what a GitRepo is due: the latest push to it.
type dueWrite struct {
	commit   string
	provider string
	// polling is the receiver's pollingInterval when a push since the last
	// write was authenticated, else 0 (never set it).
	polling time.Duration
	seq     uint64
	// since is when the write became pending, for the latency metric.
	since time.Time
}

type entry struct {
	dueWrite
	// done is the seq of the last write that ended (written or dropped):
	// the GitRepo has a write to do while seq > done.
	done uint64
	// coolUntil ends the window after the last write: until then a push
	// rides on the trailing write instead of being written at once.
	coolUntil time.Time
	waiters   []*waiter
}

func (e *entry) isDirty() bool { return e.seq > e.done }

// admission is what add did with one request's triggers.
type admission struct {
	// written are answered at once: the live GitRepo carries the commit, or
	// a newer accepted push already replaced it.
	written []push.Trigger
	// riding are answered at once: coalesced into a write under way or due
	// at the end of the window.
	riding []push.Trigger
	// waits are the leading writes the request waits for, in order.
	waits []pendingWait
	// fresh are the keys due at once: the caller schedules them.
	fresh []string
	// skipped counts pushes needing no write of their own (no-op or
	// superseded).
	skipped int
	depth   int
}

// followUp says what the caller does with a key after complete.
type followUp int

const (
	// settled: nothing is pending for the key any more.
	settled followUp = iota
	// again: a newer push is pending and the set is closed: write it now.
	again
	// later: the key is due again after the returned delay (the window).
	later
)

// disposition is what add does with one trigger.
type disposition int

const (
	superseded disposition = iota // an accepted push is newer
	noop                          // the live GitRepo carries it
	leading                       // written at once
	coalesced                     // rides on the next write
)

func newPendingSet(maxPending int, window time.Duration) *pendingSet {
	return &pendingSet{max: maxPending, window: window, entries: map[string]*entry{},
		active: map[uint64]struct{}{}, retired: map[string]accepted{}}
}

// begin numbers a request as it is accepted; end must follow.
func (p *pendingSet) begin() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	p.active[p.seq] = struct{}{}
	return p.seq
}

// end forgets an answered request, and the retired pushes no active request
// is older than.
func (p *pendingSet) end(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, seq)
	switch {
	case len(p.active) == 0:
		clear(p.retired)
	case len(p.retired) >= max(p.pruneAt, 64):
		oldest := p.oldestActive()
		for k, a := range p.retired {
			if a.seq < oldest {
				delete(p.retired, k)
			}
		}
		p.pruneAt = 2 * len(p.retired)
	}
}

func (p *pendingSet) oldestActive() uint64 {
	oldest := p.seq + 1
	for s := range p.active {
		oldest = min(oldest, s)
	}
	return oldest
}

// retire remembers a GitRepo's last accepted push when an older request is
// still active, so it cannot be overwritten by that request.
func (p *pendingSet) retire(key string, a accepted) {
	if p.oldestActive() < a.seq {
		p.retired[key] = a
	}
}

// classify says what add does with t for a request numbered seq.
func (p *pendingSet) classify(t *trigger, seq uint64, now time.Time) disposition {
	e := p.entries[t.key]
	last := p.retired[t.key]
	if e != nil {
		last = accepted{seq: e.seq, commit: e.commit}
	}
	switch {
	case seq < last.seq:
		return superseded
	case e != nil && e.isDirty():
		return coalesced
	case t.liveEqual:
		return noop
	case e == nil || !now.Before(e.coolUntil):
		return leading
	}
	return coalesced
}

// add records the triggers of the request numbered seq, all or nothing:
// beyond max GitRepos with a write to do, or once closed, it records none
// and fails with push.ErrQueueFull.
func (p *pendingSet) add(ts []*trigger, polling time.Duration, seq uint64) (admission, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return admission{}, fmt.Errorf("shutting down: %w", push.ErrQueueFull)
	}
	now := time.Now()
	added := 0
	for _, t := range ts {
		switch p.classify(t, seq, now) {
		case leading:
			added++
		case coalesced:
			if !p.entries[t.key].isDirty() {
				added++
			}
		}
	}
	if p.dirty+added > p.max {
		return admission{}, push.ErrQueueFull
	}
	var a admission
	for _, t := range ts {
		p.admit(&a, t, p.classify(t, seq, now), polling, seq, now)
	}
	a.depth = p.dirty
	return a, nil
}

func (p *pendingSet) admit(a *admission, t *trigger, d disposition, polling time.Duration, seq uint64, now time.Time) {
	answer := push.Trigger{Namespace: t.namespace, Name: t.name, Commit: t.commit}
	e := p.entries[t.key]
	if d == superseded || d == noop {
		a.skipped++
	}
	switch d {
	case superseded:
		if e != nil && e.isDirty() {
			answer.Commit, answer.Coalesced = e.commit, true
			a.riding = append(a.riding, answer)
			return
		}
		answer.Commit = p.retired[t.key].commit
		if e != nil {
			answer.Commit = e.commit
		}
		a.written = append(a.written, answer)
		return
	case noop:
		if e != nil {
			e.commit, e.seq, e.done = t.commit, seq, seq
		} else {
			p.retire(t.key, accepted{seq: seq, commit: t.commit})
		}
		a.written = append(a.written, answer)
		return
	}
	if e == nil {
		e = &entry{}
		p.entries[t.key] = e
	}
	if !e.isDirty() {
		p.dirty++
		e.since, e.polling = now, 0
	}
	e.commit, e.provider, e.seq = t.commit, t.provider, seq
	if polling > 0 {
		e.polling = polling
	}
	if d == coalesced {
		answer.Coalesced = true
		a.riding = append(a.riding, answer)
		return
	}
	w := &waiter{key: t.key, seq: seq, ch: make(chan outcome, 1)}
	e.waiters = append(e.waiters, w)
	a.waits = append(a.waits, pendingWait{t: t, w: w})
	a.fresh = append(a.fresh, t.key)
}

// next is the write a key is due. Without one it says how long the key's
// window still runs (the caller looks again then), or that nothing is left
// to do, and then forgets the key.
func (p *pendingSet) next(key string) (due dueWrite, wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[key]
	if e == nil {
		return dueWrite{}, 0, false
	}
	if now := time.Now(); !p.closed && now.Before(e.coolUntil) {
		return dueWrite{}, e.coolUntil.Sub(now), false
	}
	if !e.isDirty() {
		delete(p.entries, key)
		p.retire(key, accepted{seq: e.seq, commit: e.commit})
		return dueWrite{}, 0, false
	}
	return e.dueWrite, 0, true
}

// complete ends the write of d (as next returned it) with o, and says what
// the caller does next with the key, after how long, and how many GitRepos
// have a write to do. Waiters for d's push or an older one get o; those for
// a newer push keep waiting.
func (p *pendingSet) complete(key string, d dueWrite, o outcome) (followUp, time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[key]
	if e == nil {
		return settled, 0, p.dirty
	}
	o.commit = d.commit
	kept := e.waiters[:0]
	for _, w := range e.waiters {
		if w.seq <= d.seq {
			w.ch <- o
		} else {
			kept = append(kept, w)
		}
	}
	clear(e.waiters[len(kept):])
	e.waiters = kept
	wasDirty := e.isDirty()
	e.done = max(e.done, d.seq)
	if wasDirty && !e.isDirty() {
		p.dirty--
	}
	now := time.Now()
	switch {
	case p.closed && e.isDirty():
		return again, 0, p.dirty
	case p.closed || (p.window == 0 && !e.isDirty()):
		// No window to wait for: forget the key now rather than on a
		// second pass through the queue.
		delete(p.entries, key)
		p.retire(key, accepted{seq: e.seq, commit: e.commit})
		return settled, 0, p.dirty
	case e.isDirty():
		e.since = now
	}
	e.coolUntil = now.Add(p.window)
	return later, p.window, p.dirty
}

// isDirty reports whether a key has a write to do.
func (p *pendingSet) isDirty(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[key]
	return e != nil && e.isDirty()
}

// close refuses further adds and returns the keys, to be looked at once:
// those with a write to do are written at once, the others forgotten.
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

// len is the number of GitRepos with a write to do.
func (p *pendingSet) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dirty
}
