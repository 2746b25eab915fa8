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
// the normalised repo URL), and writes status.webhookCommit at once for the
// first push to a GitRepo, coalescing the pushes that follow within a window
// into one trailing write, under a token bucket shared by all GitRepos.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"golang.org/x/time/rate"
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
	DefaultMaxPending          = 5000
	DefaultMaxConcurrentWrites = 64
	DefaultEventInterval       = time.Minute
	DefaultShutdownGrace       = 20 * time.Second
	DefaultRetryBaseDelay      = 100 * time.Millisecond
	DefaultRetryMaxDelay       = 30 * time.Second
)

// Options configures a Dispatcher.
type Options struct {
	// Client reads GitRepos, the WebhookReceiver and (with NamespaceLabels)
	// Namespaces from the receiver's cache, and patches GitRepos. GitRepos
	// must be indexed with SetupIndexes.
	Client client.Client
	// APIReader reads live GitRepos: one the cache says already carries a
	// push, before a write is skipped.
	APIReader client.Reader
	// WebhookSecrets reads the Secrets GitRepos name in spec.webhookSecret:
	// the receiver's webhooksecret.Store, never a GET per request.
	WebhookSecrets SecretGetter
	// Recorder emits the aggregated Events on GitRepos; nil: no Events.
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

	// Window follows each write of a GitRepo: pushes to it until the window
	// ends are coalesced into one trailing write.
	Window time.Duration
	// QPS and Burst are the token bucket across GitRepos for writes. Built
	// once in New: a changed spec.batching applies on the receiver's restart.
	QPS   float64
	Burst int
	// MaxPending is the limit on GitRepos with a write to do; beyond it
	// Dispatch returns push.ErrQueueFull.
	MaxPending int
	// MaxConcurrentWrites bounds the GitRepo writes in flight; within it the
	// token bucket alone says how many run.
	MaxConcurrentWrites int
	// EventInterval is how often the aggregated Events are emitted.
	EventInterval time.Duration
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
	if o.MaxConcurrentWrites <= 0 {
		o.MaxConcurrentWrites = DefaultMaxConcurrentWrites
	}
	if o.EventInterval <= 0 {
		o.EventInterval = DefaultEventInterval
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
// the writes. Pushes are keyed by GitRepo namespace/name; the commit to
// write lives in the pending set beside the queue, so the queue only says
// which GitRepo is due and a newer push simply replaces the pending commit.
type Dispatcher struct {
	o     Options
	queue workqueue.TypedDelayingInterface[string]
	// limiter is the token bucket shared by all GitRepos: client-go's
	// workqueue bucket rate limiter. Writers block on its bucket (Wait)
	// instead of requeueing by its When, so a worker holds a due write until
	// a token is free rather than reordering keys.
	limiter  *workqueue.TypedBucketRateLimiter[string]
	backoff  workqueue.TypedRateLimiter[string]
	pending  *pendingSet
	writer   *writer
	activity *activity
	refusals refusals
}

var _ push.Dispatcher = (*Dispatcher)(nil)

// New builds a Dispatcher. Add it to the manager to run its writes.
func New(o Options) (*Dispatcher, error) {
	if o.Client == nil || o.APIReader == nil || o.WebhookSecrets == nil {
		return nil, errors.New("dispatch: Client, APIReader and WebhookSecrets are required")
	}
	if o.Receiver.Name == "" || o.Receiver.Namespace == "" {
		return nil, errors.New("dispatch: Receiver namespace and name are required")
	}
	o.defaults()
	act := newActivity(o.Recorder, o.Receiver)
	return &Dispatcher{
		o:        o,
		queue:    workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Name: "gitrepo-writes"}),
		limiter:  &workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(o.QPS), o.Burst)},
		backoff:  workqueue.NewTypedItemExponentialFailureRateLimiter[string](o.RetryBaseDelay, o.RetryMaxDelay),
		pending:  newPendingSet(o.MaxPending, o.Window),
		writer:   newWriter(o.Client, o.APIReader, act, o.Receiver, o.Logger),
		activity: act,
	}, nil
}

// NeedLeaderElection is false: every receiver replica writes the pushes it
// received; the writes are idempotent.
func (d *Dispatcher) NeedLeaderElection() bool { return false }

// Dispatch implements push.Dispatcher: it matches the request and records
// the matched GitRepos' writes. It waits, until ctx ends, for the writes it
// leads; pushes coalesced into a write under way or due at the end of the
// window are answered at once.
func (d *Dispatcher) Dispatch(ctx context.Context, req push.Request) (push.Result, error) {
	// Order is arrival: the request is numbered before matching, so a slow
	// match (a webhookSecret read) cannot let an older push win.
	seq := d.pending.begin()
	defer d.pending.end(seq)
	m, polling, err := d.match(ctx, &req)
	if err != nil {
		return push.Result{}, err
	}
	if len(m.triggers) == 0 && m.unloadedErr != nil {
		return push.Result{}, m.unloadedErr
	}
	if len(m.triggers) == 0 {
		return push.Result{Unmatched: m.unmatched(), Skipped: m.skipped()}, nil
	}
	d.confirmLive(ctx, m.triggers, polling)
	a, err := d.pending.add(m.triggers, polling, seq)
	if err != nil {
		return push.Result{}, err
	}
	for _, k := range a.fresh {
		d.queue.Add(k)
	}
	d.activity.pushed(m.triggers)
	triggersSkipped.Add(float64(a.skipped))
	pushesCoalesced.Add(float64(len(a.riding)))
	queueDepth.Set(float64(a.depth))

	res := push.Result{Written: a.written, Pending: a.riding, Skipped: m.skipped(), Undecided: m.undecided}
	var dropped []string
	for i, o := range d.pending.await(ctx, a.waits) {
		t := push.Trigger{Namespace: a.waits[i].t.namespace, Name: a.waits[i].t.name, Commit: o.commit}
		switch {
		case o.pending:
			res.Pending = append(res.Pending, t)
		case o.written:
			res.Written = append(res.Written, t)
		case o.dropped != "":
			dropped = append(dropped, t.String()+": "+o.dropped)
		}
	}
	if len(res.Written)+len(res.Pending) == 0 && len(dropped) > 0 {
		res.Unmatched = "GitRepo writes dropped: " + strings.Join(dropped, "; ")
	}
	d.o.Logger.V(1).Info("dispatched", "provider", firstProvider(&req), "written", len(res.Written), "pending", len(res.Pending))
	return res, nil
}

// match reads the receiver and matches req, returning the matcher and the
// pollingInterval the request may set (0: none).
func (d *Dispatcher) match(ctx context.Context, req *push.Request) (*matcher, time.Duration, error) {
	var wr v1alpha1.WebhookReceiver
	if err := d.o.Client.Get(ctx, d.o.Receiver, &wr); err != nil {
		return nil, 0, fmt.Errorf("reading WebhookReceiver %s: %w", d.o.Receiver, err)
	}
	scope, err := gitrepo.NewScope(&wr)
	if err != nil {
		return nil, 0, fmt.Errorf("WebhookReceiver %s: %w", d.o.Receiver, err)
	}
	m := &matcher{
		client: d.o.Client, secrets: d.o.WebhookSecrets, scope: scope,
		allNamespaces: d.o.AllNamespaces, namespaceLabels: d.o.NamespaceLabels, log: d.o.Logger,
	}
	m.matchAll(ctx, req)
	if m.transient != nil {
		return nil, 0, m.transient
	}
	// Only a request whose every trigger verified (with the receiver's
	// secret, or each with its own) sets a pollingInterval; a receiver with
	// pollingInterval 0s never writes GitRepo specs.
	var polling time.Duration
	if req.Authenticated || req.OwnSecretsOnly {
		polling = wr.Spec.PollingIntervalOrDefault()
	}
	return m, polling, nil
}

// confirmLive reads, live, the GitRepos the cache says already carry their
// push and need no pollingInterval: the cache may be behind a write of this
// or another replica, so only the live object can tell that a write is not
// needed. A failed read leaves the push to be written.
func (d *Dispatcher) confirmLive(ctx context.Context, ts []*trigger, polling time.Duration) {
	for _, t := range ts {
		if t.webhookCommit != t.commit || (polling > 0 && !t.pollingSettled) || d.pending.isDirty(t.key) {
			continue
		}
		var gr fleet.GitRepo
		if err := d.o.APIReader.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, &gr); err != nil {
			continue
		}
		t.liveEqual = gr.Status.WebhookCommit == t.commit && (polling == 0 || pollingSettled(&gr.Spec))
	}
}

func firstProvider(req *push.Request) string {
	if len(req.Events) > 0 {
		return req.Events[0].Provider
	}
	return ""
}
