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
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Start runs the writes until ctx ends, then stops accepting pushes and
// flushes pending writes, ignoring window and rate limit, within
// ShutdownGrace, and emits the Events still due.
func (d *Dispatcher) Start(ctx context.Context) error {
	wctx, cancelWrites := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWrites()
	// Cancelled when the flush starts: from then on writes take no token.
	limited, unlimit := context.WithCancel(wctx)
	defer unlimit()
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.run(wctx, limited)
	}()
	tick := time.NewTicker(d.o.EventInterval)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-tick.C:
			d.activity.flush(d.pending.isDirty)
		case <-ctx.Done():
			running = false
		}
	}
	unlimit()
	d.flush()
	cancelWrites()
	d.queue.ShutDown()
	<-done
	d.activity.flush(d.pending.isDirty)
	return nil
}

// run writes due GitRepos with up to MaxConcurrentWrites goroutines, each
// taking a token from the shared bucket before its write: writes run in
// parallel as far as the bucket allows. A worker waiting for a token holds
// no key other workers need, so ends of windows are handled meanwhile. It
// returns when the queue is shut down and its writes have ended.
func (d *Dispatcher) run(ctx, limited context.Context) {
	var wg sync.WaitGroup
	for range d.o.MaxConcurrentWrites {
		wg.Go(func() {
			for d.processNext(ctx, limited) {
			}
		})
	}
	wg.Wait()
}

// processNext handles one due key; false once the queue is shut down.
func (d *Dispatcher) processNext(ctx, limited context.Context) bool {
	key, shutdown := d.queue.Get()
	if shutdown {
		return false
	}
	defer d.queue.Done(key)
	due, wait, ok := d.pending.next(key)
	if !ok {
		if wait > 0 {
			d.queue.AddAfter(key, wait)
		}
		return true
	}
	// An error means the flush has begun: write without a token.
	_ = d.limiter.Wait(limited)
	d.write(ctx, key, due)
	return true
}

// write brings one GitRepo to due and schedules what follows: the end of
// its window, a retry with backoff, or nothing.
func (d *Dispatcher) write(ctx context.Context, key string, due dueWrite) {
	err := d.writer.write(ctx, key, &due)
	o := outcome{written: err == nil}
	switch {
	case err == nil:
		triggerLatency.Observe(time.Since(due.since).Seconds())
		d.refusals.clear(key)
	case apierrors.IsNotFound(err) || apierrors.IsForbidden(err):
		o.dropped = d.drop(key, due, err)
	default:
		triggersFailed.WithLabelValues(failureReason(err)).Inc()
		d.o.Logger.Error(err, "writing GitRepo failed, will retry", "gitrepo", key, "commit", due.commit)
		delay := d.backoff.When(key)
		if d.pending.closing() {
			delay = min(delay, time.Second)
		}
		d.queue.AddAfter(key, delay)
		return
	}
	d.backoff.Forget(key)
	next, wait, depth := d.pending.complete(key, due, o)
	switch next {
	case again:
		d.queue.Add(key)
	case later:
		d.queue.AddAfter(key, wait)
	}
	queueDepth.Set(float64(depth))
}

// drop gives up a write that cannot succeed by retrying: the GitRepo is
// gone, or this receiver may not write it (its access was revoked, or an
// admission webhook refuses). Retrying those for ever would fill the
// pending set until every push gets 503. A later push tries again.
func (d *Dispatcher) drop(key string, due dueWrite, err error) string {
	reason := failureReason(err)
	triggersFailed.WithLabelValues(reason).Inc()
	writesDropped.WithLabelValues(reason).Inc()
	log := d.o.Logger.WithValues("gitrepo", key, "commit", due.commit)
	if apierrors.IsNotFound(err) {
		log.Info("GitRepo is gone, dropping its pending write")
		return "GitRepo not found"
	}
	if d.refusals.first(key) {
		log.Error(err, "writing GitRepo is forbidden, dropping its writes until one succeeds")
	} else {
		log.V(1).Info("writing GitRepo is forbidden, write dropped", "error", err.Error())
	}
	return "write forbidden"
}

// refusals remembers the GitRepos whose writes were forbidden, to log that
// once rather than once per push.
type refusals struct {
	mu   sync.Mutex
	keys map[string]bool
}

// first records key and reports whether it was not recorded yet.
func (r *refusals) first(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys[key] {
		return false
	}
	if r.keys == nil {
		r.keys = map[string]bool{}
	}
	r.keys[key] = true
	return true
}

func (r *refusals) clear(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.keys, key)
}

// flush closes the pending set, makes every pending GitRepo due at once and
// waits for the writes, at most ShutdownGrace.
func (d *Dispatcher) flush() {
	keys := d.pending.close()
	if n := d.pending.len(); n > 0 {
		d.o.Logger.Info("flushing pending GitRepo writes", "pending", n)
	}
	for _, k := range keys {
		d.queue.Add(k)
	}
	grace := time.NewTimer(d.o.ShutdownGrace)
	defer grace.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		n := d.pending.len()
		if n == 0 {
			return
		}
		select {
		case <-grace.C:
			d.o.Logger.Error(nil, "shutdown grace period over, pending GitRepo writes dropped", "pending", n)
			return
		case <-tick.C:
		}
	}
}
