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
	"slices"
)

// waiter is one request waiting for one GitRepo's leading write.
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
	// dropped says why the write was given up (GitRepo gone, forbidden).
	dropped string
}

// pendingWait pairs a trigger with the waiter for its write.
type pendingWait struct {
	t *trigger
	w *waiter
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
