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

// Package dispatch turns verified push events into Fleet GitRepo writes: it
// matches a push to GitRepos through the receiver's cache (a field index on
// the normalised repo URL), and writes status.webhookCommit through a
// rate-limited workqueue that coalesces pushes per GitRepo, so a burst of
// webhooks costs one write per GitRepo rather than one per push.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// Defaults for Options fields left zero; QPS and Burst default to the API's
// spec.batching defaults.
const (
	DefaultMaxPending     = 5000
	DefaultWorkers        = 4
	DefaultShutdownGrace  = 20 * time.Second
	DefaultRetryBaseDelay = 100 * time.Millisecond
	DefaultRetryMaxDelay  = 30 * time.Second
)

// Options configures a Dispatcher.
type Options struct {
	// Client reads GitRepos, the WebhookReceiver and (with NamespaceLabels)
	// Namespaces from the receiver's cache, and patches GitRepos. GitRepos
	// must be indexed with SetupIndexes.
	Client client.Client
	// WebhookSecrets reads the Secrets GitRepos name in spec.webhookSecret:
	// the receiver's webhooksecret.Store, never a GET per request.
	WebhookSecrets SecretGetter
	// Recorder emits one Event per GitRepo write; nil: no Events.
	Recorder events.EventRecorder
	// Receiver is the WebhookReceiver whose targets and pollingInterval apply,
	// read from the cache on every Dispatch so edits apply at once.
	Receiver types.NamespacedName
	// AllNamespaces says the cache holds GitRepos of every namespace; false
	// restricts matching to the receiver's namespace even when
	// targets.namespaceSelector is set (the cache cannot see more).
	AllNamespaces bool
	// NamespaceLabels says Namespaces can be read through Client for
	// targets.namespaceSelector; false: only the immutable
	// kubernetes.io/metadata.name label is known, other selectors fail closed.
	NamespaceLabels bool

	// Window is how long pushes to one GitRepo are coalesced into one write.
	Window time.Duration
	// QPS and Burst are the token bucket across GitRepos for writes. Built
	// once in New: a changed spec.batching applies on the receiver's restart.
	QPS   float64
	Burst int
	// MaxPending is the limit on GitRepos with a pending write; beyond it
	// Dispatch returns push.ErrQueueFull.
	MaxPending int
	// Workers is how many GitRepos are written concurrently.
	Workers int
	// ShutdownGrace bounds the flush of pending writes on shutdown.
	ShutdownGrace time.Duration
	// RetryBaseDelay and RetryMaxDelay bound the per-GitRepo exponential
	// backoff after a failed write.
	RetryBaseDelay, RetryMaxDelay time.Duration

	Logger logr.Logger
}

// SetBatching copies a WebhookReceiver's spec.batching into the options.
func (o *Options) SetBatching(wr *v1alpha1.WebhookReceiver) {
	o.Window = wr.Spec.Batching.WindowOrDefault()
	o.QPS = float64(wr.Spec.Batching.QPSOrDefault())
	o.Burst = int(wr.Spec.Batching.BurstOrDefault())
}

func (o *Options) defaults() {
	if o.QPS <= 0 {
		o.QPS = v1alpha1.DefaultQPS
	}
	if o.Burst <= 0 {
		o.Burst = v1alpha1.DefaultBurst
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if o.RetryMaxDelay <= 0 {
		o.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if o.Logger.GetSink() == nil {
		o.Logger = ctrl.Log.WithName("dispatch")
	}
}

// Dispatcher implements push.Dispatcher and is a manager.Runnable running
// the write workers. Pushes are keyed by GitRepo namespace/name; the commit
// to write lives in the pending set beside the queue, so the queue only says
// which GitRepo is due and a newer push simply replaces the pending commit.
type Dispatcher struct {
	o       Options
	queue   workqueue.TypedRateLimitingInterface[string]
	bucket  workqueue.TypedRateLimiter[string]
	backoff workqueue.TypedRateLimiter[string]
	pending *pendingSet
	writer  *writer
}

var _ push.Dispatcher = (*Dispatcher)(nil)

// New builds a Dispatcher. Add it to the manager to run its workers.
func New(o Options) (*Dispatcher, error) {
	if o.Client == nil || o.WebhookSecrets == nil {
		return nil, errors.New("dispatch: Client and WebhookSecrets are required")
	}
	if o.Receiver.Name == "" || o.Receiver.Namespace == "" {
		return nil, errors.New("dispatch: Receiver namespace and name are required")
	}
	o.defaults()
	d := &Dispatcher{
		o:       o,
		bucket:  &workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(o.QPS), o.Burst)},
		backoff: workqueue.NewTypedItemExponentialFailureRateLimiter[string](o.RetryBaseDelay, o.RetryMaxDelay),
		pending: newPendingSet(o.MaxPending),
		writer:  newWriter(o.Client, o.Recorder, o.Receiver, o.Logger),
	}
	// Failed writes are requeued through both: the shared token bucket (a
	// retry is an API request too) and the per-GitRepo backoff.
	d.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedMaxOfRateLimiter(d.bucket, d.backoff),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "gitrepo-writes"})
	return d, nil
}

// NeedLeaderElection is false: every receiver replica writes the pushes it
// received; the writes are idempotent.
func (d *Dispatcher) NeedLeaderElection() bool { return false }

// delay is when a newly pending GitRepo is due: after the coalescing window
// and after its token from the shared bucket. Reserving the token now spaces
// writes across GitRepos at qps without a second pass through the queue.
func (d *Dispatcher) delay(key string) time.Duration {
	return max(d.o.Window, d.bucket.When(key))
}

// Start runs the write workers until ctx ends, then stops accepting pushes
// and flushes pending writes, ignoring window and rate limit, within
// ShutdownGrace.
func (d *Dispatcher) Start(ctx context.Context) error {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var wg sync.WaitGroup
	for range d.o.Workers {
		wg.Go(func() {
			for d.processNext(wctx) {
			}
		})
	}
	<-ctx.Done()
	d.flush()
	cancel()
	d.queue.ShutDown()
	wg.Wait()
	return nil
}

// flush closes the pending set, makes every pending GitRepo due at once and
// waits for the workers to write them, at most ShutdownGrace.
func (d *Dispatcher) flush() {
	keys := d.pending.close()
	if len(keys) > 0 {
		d.o.Logger.Info("flushing pending GitRepo writes", "pending", len(keys))
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

// Dispatch implements push.Dispatcher: it matches the request, records the
// matched GitRepos' writes as pending and waits for them until ctx ends.
func (d *Dispatcher) Dispatch(ctx context.Context, req push.Request) (push.Result, error) {
	var wr v1alpha1.WebhookReceiver
	if err := d.o.Client.Get(ctx, d.o.Receiver, &wr); err != nil {
		return push.Result{}, fmt.Errorf("reading WebhookReceiver %s: %w", d.o.Receiver, err)
	}
	scope, err := gitrepo.NewScope(&wr)
	if err != nil {
		return push.Result{}, fmt.Errorf("WebhookReceiver %s: %w", d.o.Receiver, err)
	}
	m := &matcher{
		client: d.o.Client, secrets: d.o.WebhookSecrets, scope: scope,
		allNamespaces: d.o.AllNamespaces, namespaceLabels: d.o.NamespaceLabels, log: d.o.Logger,
	}
	m.matchAll(ctx, &req)
	if m.transient != nil {
		return push.Result{}, m.transient
	}
	if len(m.triggers) == 0 {
		return push.Result{Unmatched: m.unmatched(), Skipped: m.skipped}, nil
	}
	var polling time.Duration
	if req.Authenticated || req.OwnSecretsOnly { // every trigger verified: the receiver's secret or its own
		polling = wr.Spec.PollingIntervalOrDefault()
	}
	a, err := d.pending.add(m.triggers, polling)
	if err != nil {
		return push.Result{}, err
	}
	for _, k := range a.fresh {
		d.queue.AddAfter(k, d.delay(k))
	}
	triggersSkipped.Add(float64(len(a.noop)))
	pushesCoalesced.Add(float64(a.coalesced))
	queueDepth.Set(float64(a.depth))

	res := push.Result{Skipped: m.skipped}
	for _, t := range a.noop {
		res.Written = append(res.Written, push.Trigger{Namespace: t.namespace, Name: t.name, Commit: t.commit})
	}
	for i, o := range d.pending.await(ctx, a.waits) {
		t := push.Trigger{Namespace: a.waits[i].t.namespace, Name: a.waits[i].t.name, Commit: o.commit}
		switch {
		case o.pending:
			res.Pending = append(res.Pending, t)
		case o.written:
			res.Written = append(res.Written, t)
		}
	}
	d.o.Logger.V(1).Info("dispatched", "provider", firstProvider(&req), "written", len(res.Written), "pending", len(res.Pending))
	return res, nil
}

func firstProvider(req *push.Request) string {
	if len(req.Events) > 0 {
		return req.Events[0].Provider
	}
	return ""
}

// processNext writes one due GitRepo. It returns false once the queue is
// shut down.
func (d *Dispatcher) processNext(ctx context.Context) bool {
	key, shutdown := d.queue.Get()
	if shutdown {
		return false
	}
	defer d.queue.Done(key)

	due, ok := d.pending.next(key)
	if !ok {
		d.queue.Forget(key)
		return true
	}
	err := d.writer.write(ctx, key, &due)
	log := d.o.Logger.WithValues("gitrepo", key, "commit", due.commit)
	switch {
	case err == nil:
		triggerLatency.Observe(time.Since(due.since).Seconds())
	case apierrors.IsNotFound(err):
		triggersFailed.WithLabelValues(failureReason(err)).Inc()
		log.Info("GitRepo is gone, dropping its pending write")
	default:
		triggersFailed.WithLabelValues(failureReason(err)).Inc()
		log.Error(err, "writing GitRepo failed, will retry")
		if d.pending.closing() {
			d.queue.AddAfter(key, min(d.backoff.When(key), time.Second))
		} else {
			d.queue.AddRateLimited(key)
		}
		return true
	}
	d.queue.Forget(key)
	next, depth := d.pending.complete(key, due, err == nil)
	switch next {
	case again:
		d.queue.Add(key)
	case later:
		d.queue.AddAfter(key, d.delay(key))
	}
	queueDepth.Set(float64(depth))
	return true
}
