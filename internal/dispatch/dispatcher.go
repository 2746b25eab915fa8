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
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// Defaults for Options fields left zero.
const (
	DefaultQPS            = 20
	DefaultBurst          = 100
	DefaultMaxPending     = 5000
	DefaultWorkers        = 4
	DefaultShutdownGrace  = 20 * time.Second
	DefaultRetryBaseDelay = 100 * time.Millisecond
	DefaultRetryMaxDelay  = 30 * time.Second
)

// Event reasons on GitRepos.
const (
	ReasonTriggered          = "WebhookTriggered"
	ReasonPollingIntervalSet = "PollingIntervalSet"
)

// Options configures a Dispatcher.
type Options struct {
	// Client reads GitRepos, the WebhookReceiver and (with NamespaceLabels)
	// Namespaces from the receiver's cache, and patches GitRepos. GitRepos
	// must be indexed with SetupIndexes.
	Client client.Client
	// APIReader reads the Secrets GitRepos name in spec.webhookSecret with a
	// direct GET (the receiver does not watch Secrets).
	APIReader client.Reader
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
		o.QPS = DefaultQPS
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
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
// to write lives in pending beside the queue, so the queue only says which
// GitRepo is due and a newer push simply replaces the pending commit.
type Dispatcher struct {
	o       Options
	queue   workqueue.TypedRateLimitingInterface[string]
	bucket  workqueue.TypedRateLimiter[string]
	backoff workqueue.TypedRateLimiter[string]

	mu      sync.Mutex
	pending map[string]*entry
	// written remembers the last commit this process wrote per GitRepo, so
	// a stale cache right after a write does not cause a second one, and
	// whether it set spec.pollingInterval (once in a GitRepo's life).
	written map[string]writtenRecord
	seq     uint64
	closed  bool
}

type entry struct {
	commit   string
	provider string
	// polling is the receiver's pollingInterval when any coalesced push was
	// authenticated, else 0 (never set it).
	polling time.Duration
	seq     uint64
	since   time.Time
	waiters []*waiter
}

type waiter struct {
	seq uint64
	ch  chan outcome
}

type outcome struct {
	commit  string
	written bool
}

type writtenRecord struct {
	uid    types.UID
	commit string
	// before is status.webhookCommit as the cache showed it when commit was
	// written: while the cache still shows it, the cache is merely behind
	// our own write; once it shows anything else (another replica, Fleet),
	// the cache is the truth again.
	before string
	polled bool
}

var _ push.Dispatcher = (*Dispatcher)(nil)

// New builds a Dispatcher. Add it to the manager to run its workers.
func New(o Options) (*Dispatcher, error) {
	if o.Client == nil || o.APIReader == nil {
		return nil, errors.New("dispatch: Client and APIReader are required")
	}
	if o.Receiver.Name == "" || o.Receiver.Namespace == "" {
		return nil, errors.New("dispatch: Receiver namespace and name are required")
	}
	o.defaults()
	d := &Dispatcher{
		o:       o,
		bucket:  &workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(o.QPS), o.Burst)},
		backoff: workqueue.NewTypedItemExponentialFailureRateLimiter[string](o.RetryBaseDelay, o.RetryMaxDelay),
		pending: map[string]*entry{},
		written: map[string]writtenRecord{},
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
	log := d.o.Logger
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

	d.mu.Lock()
	d.closed = true
	keys := make([]string, 0, len(d.pending))
	for k := range d.pending {
		keys = append(keys, k)
	}
	d.mu.Unlock()
	if len(keys) > 0 {
		log.Info("flushing pending GitRepo writes", "pending", len(keys))
	}
	for _, k := range keys {
		d.queue.Add(k)
	}
	grace := time.NewTimer(d.o.ShutdownGrace)
	defer grace.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
flush:
	for {
		d.mu.Lock()
		n := len(d.pending)
		d.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-grace.C:
			log.Error(nil, "shutdown grace period over, pending GitRepo writes dropped", "pending", n)
			break flush
		case <-tick.C:
		}
	}
	cancel()
	d.queue.ShutDown()
	wg.Wait()
	return nil
}

// Dispatch implements push.Dispatcher.
func (d *Dispatcher) Dispatch(ctx context.Context, req push.Request) (push.Result, error) {
	var wr v1alpha1.WebhookReceiver
	if err := d.o.Client.Get(ctx, d.o.Receiver, &wr); err != nil {
		return push.Result{}, fmt.Errorf("reading WebhookReceiver %s: %w", d.o.Receiver, err)
	}
	scope, err := gitrepo.NewScope(&wr)
	if err != nil {
		return push.Result{}, fmt.Errorf("WebhookReceiver %s: %w", d.o.Receiver, err)
	}
	m := &matcher{d: d, ctx: ctx, req: &req, scope: scope}
	for i := range req.Events {
		m.match(&req.Events[i])
	}
	if m.transient != nil {
		return push.Result{}, m.transient
	}
	if len(m.triggers) == 0 {
		return push.Result{Unmatched: m.unmatched()}, nil
	}
	var polling time.Duration
	if req.Authenticated {
		polling = wr.Spec.PollingIntervalOrDefault()
	}
	written, waits, err := d.enqueue(m.triggers, polling)
	if err != nil {
		return push.Result{}, err
	}
	res := push.Result{Written: written}
	d.wait(ctx, waits, &res)
	d.o.Logger.V(1).Info("dispatched", "provider", firstProvider(&req), "written", len(res.Written), "pending", len(res.Pending))
	return res, nil
}

func firstProvider(req *push.Request) string {
	if len(req.Events) > 0 {
		return req.Events[0].Provider
	}
	return ""
}

// trigger is one matched GitRepo of one request.
type trigger struct {
	key, namespace, name string
	commit, provider     string
	// current state from the cache, to skip a write that changes nothing
	webhookCommit string
	hasPolling    bool
}

type pendingWait struct {
	t *trigger
	w *waiter
}

// enqueue records the triggers' commits as pending, all or nothing.
func (d *Dispatcher) enqueue(ts []*trigger, polling time.Duration) ([]push.Trigger, []pendingWait, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, nil, fmt.Errorf("shutting down: %w", push.ErrQueueFull)
	}
	noop := func(t *trigger) bool {
		_, isPending := d.pending[t.key]
		return !isPending && t.webhookCommit == t.commit && (polling == 0 || t.hasPolling)
	}
	added := 0
	for _, t := range ts {
		if _, ok := d.pending[t.key]; !ok && !noop(t) {
			added++
		}
	}
	if len(d.pending)+added > d.o.MaxPending {
		return nil, nil, push.ErrQueueFull
	}
	var written []push.Trigger
	var waits []pendingWait
	now := time.Now()
	for _, t := range ts {
		if noop(t) {
			triggersSkipped.Inc()
			written = append(written, push.Trigger{Namespace: t.namespace, Name: t.name, Commit: t.commit})
			continue
		}
		e, ok := d.pending[t.key]
		if ok {
			pushesCoalesced.Inc()
		} else {
			e = &entry{since: now}
			d.pending[t.key] = e
			d.queue.AddAfter(t.key, d.delay(t.key))
		}
		d.seq++
		// Latest received wins: whatever was pending is replaced.
		e.commit, e.provider, e.seq = t.commit, t.provider, d.seq
		if polling > 0 {
			e.polling = polling
		}
		w := &waiter{seq: d.seq, ch: make(chan outcome, 1)}
		e.waiters = append(e.waiters, w)
		waits = append(waits, pendingWait{t: t, w: w})
	}
	queueDepth.Set(float64(len(d.pending)))
	return written, waits, nil
}

// wait collects the writes of waits until ctx ends; the rest are Pending.
func (d *Dispatcher) wait(ctx context.Context, waits []pendingWait, res *push.Result) {
	var late []pendingWait
	for i, pw := range waits {
		var o outcome
		select {
		case o = <-pw.w.ch:
		case <-ctx.Done():
			late = waits[i:]
		}
		if late != nil {
			break
		}
		if o.written {
			res.Written = append(res.Written, push.Trigger{Namespace: pw.t.namespace, Name: pw.t.name, Commit: o.commit})
		}
	}
	if late == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, pw := range late {
		select {
		case o := <-pw.w.ch:
			if o.written {
				res.Written = append(res.Written, push.Trigger{Namespace: pw.t.namespace, Name: pw.t.name, Commit: o.commit})
			}
			continue
		default:
		}
		res.Pending = append(res.Pending, push.Trigger{Namespace: pw.t.namespace, Name: pw.t.name, Commit: pw.t.commit})
		// Nobody listens any more: drop the waiter so a long outage does not
		// accumulate one per push.
		if e := d.pending[pw.t.key]; e != nil {
			e.waiters = slices.DeleteFunc(e.waiters, func(w *waiter) bool { return w == pw.w })
		}
	}
}

// processNext writes one due GitRepo. It returns false once the queue is
// shut down.
func (d *Dispatcher) processNext(ctx context.Context) bool {
	key, shutdown := d.queue.Get()
	if shutdown {
		return false
	}
	defer d.queue.Done(key)

	d.mu.Lock()
	e := d.pending[key]
	if e == nil {
		d.mu.Unlock()
		d.queue.Forget(key)
		return true
	}
	snap := entry{commit: e.commit, provider: e.provider, polling: e.polling, seq: e.seq, since: e.since}
	rec := d.written[key]
	d.mu.Unlock()

	rec, err := d.write(ctx, key, &snap, rec)

	d.mu.Lock()
	defer d.mu.Unlock()
	log := d.o.Logger.WithValues("gitrepo", key, "commit", snap.commit)
	if err != nil {
		triggersFailed.WithLabelValues(failureReason(err)).Inc()
		if !apierrors.IsNotFound(err) {
			// Keep what did get written (pollingInterval) for the retry.
			if rec.uid != "" {
				d.written[key] = rec
			}
			log.Error(err, "writing GitRepo failed, will retry")
			if d.closed {
				d.queue.AddAfter(key, min(d.backoff.When(key), time.Second))
			} else {
				d.queue.AddRateLimited(key)
			}
			return true
		}
		log.Info("GitRepo is gone, dropping its pending write")
		delete(d.written, key)
	} else {
		d.written[key] = rec
		triggerLatency.Observe(time.Since(snap.since).Seconds())
	}
	d.queue.Forget(key)
	kept := e.waiters[:0]
	for _, w := range e.waiters {
		if w.seq <= snap.seq {
			w.ch <- outcome{commit: snap.commit, written: err == nil}
		} else {
			kept = append(kept, w)
		}
	}
	clear(e.waiters[len(kept):])
	e.waiters = kept
	switch {
	case e.seq == snap.seq:
		delete(d.pending, key)
	case d.closed:
		d.queue.Add(key)
	default:
		// A newer push arrived during the write: it gets its own window.
		e.since = time.Now()
		d.queue.AddAfter(key, d.delay(key))
	}
	queueDepth.Set(float64(len(d.pending)))
	return true
}

func failureReason(err error) string {
	switch {
	case apierrors.IsNotFound(err):
		return "not_found"
	case apierrors.IsConflict(err):
		return "conflict"
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return "forbidden"
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return "invalid"
	case apierrors.IsTooManyRequests(err):
		return "throttled"
	}
	return "unavailable"
}

// write brings one GitRepo to the pending commit: spec.pollingInterval once
// if needed, then status.webhookCommit and lastWebhookTime in one merge patch
// on the status subresource. Merge patches carry no resourceVersion, so
// Fleet's own status updates never make them conflict.
func (d *Dispatcher) write(ctx context.Context, key string, e *entry, rec writtenRecord) (writtenRecord, error) {
	ns, name, err := toolscache.SplitMetaNamespaceKey(key)
	if err != nil {
		return rec, fmt.Errorf("bad GitRepo key %q: %w", key, err)
	}
	var gr fleet.GitRepo
	if err := d.o.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &gr); err != nil {
		return rec, fmt.Errorf("reading GitRepo %s: %w", key, err)
	}
	if rec.uid != gr.UID {
		rec = writtenRecord{uid: gr.UID}
	}
	needPolling := e.polling > 0 && gr.Spec.PollingInterval == nil && !rec.polled
	cacheBehindOwnWrite := rec.commit == e.commit && gr.Status.WebhookCommit == rec.before
	needStatus := gr.Status.WebhookCommit != e.commit && !cacheBehindOwnWrite
	if !needPolling && !needStatus {
		triggersSkipped.Inc()
		return rec, nil
	}
	start := time.Now()
	defer func() { writeDuration.Observe(time.Since(start).Seconds()) }()
	log := d.o.Logger.WithValues("gitrepo", key)
	target := func() *fleet.GitRepo {
		return &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	if needPolling {
		p := metav1.Duration{Duration: e.polling}
		body, err := json.Marshal(map[string]any{"spec": map[string]any{"pollingInterval": p}})
		if err != nil {
			return rec, fmt.Errorf("encoding pollingInterval patch: %w", err)
		}
		if err := d.o.Client.Patch(ctx, target(), client.RawPatch(types.MergePatchType, body)); err != nil {
			return rec, fmt.Errorf("setting spec.pollingInterval of GitRepo %s: %w", key, err)
		}
		rec.polled = true
		log.Info("set spec.pollingInterval", "pollingInterval", p.Duration.String())
		d.event(&gr, corev1.EventTypeNormal, ReasonPollingIntervalSet, "SetPollingInterval",
			"spec.pollingInterval set to %s by WebhookReceiver %s: webhooks now trigger this GitRepo", p.Duration, d.o.Receiver)
	}
	if needStatus {
		body, err := json.Marshal(map[string]any{"status": map[string]any{
			"webhookCommit":   e.commit,
			"lastWebhookTime": metav1.Now(),
		}})
		if err != nil {
			return rec, fmt.Errorf("encoding status patch: %w", err)
		}
		if err := d.o.Client.Status().Patch(ctx, target(), client.RawPatch(types.MergePatchType, body)); err != nil {
			return rec, fmt.Errorf("writing status.webhookCommit of GitRepo %s: %w", key, err)
		}
		rec.commit, rec.before = e.commit, gr.Status.WebhookCommit
		triggersWritten.Inc()
		log.Info("triggered GitRepo", "commit", e.commit, "provider", e.provider)
		d.event(&gr, corev1.EventTypeNormal, ReasonTriggered, "Trigger",
			"webhook commit %s from %s push via WebhookReceiver %s", e.commit, e.provider, d.o.Receiver)
	}
	return rec, nil
}

func (d *Dispatcher) event(gr *fleet.GitRepo, typ, reason, action, note string, args ...any) {
	if d.o.Recorder == nil {
		return
	}
	related := &v1alpha1.WebhookReceiver{ObjectMeta: metav1.ObjectMeta{
		Namespace: d.o.Receiver.Namespace, Name: d.o.Receiver.Name,
	}}
	related.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("WebhookReceiver"))
	d.o.Recorder.Eventf(gr, related, typ, reason, action, note, args...)
}

// matcher matches one request's events to GitRepos.
type matcher struct {
	d     *Dispatcher
	ctx   context.Context
	req   *push.Request
	scope gitrepo.Scope

	triggers []*trigger
	byKey    map[string]*trigger
	looked   []string // normalised repo URLs looked up
	reasons  []string
	nsLabels map[string]map[string]string
	verified map[secretCheck]string // "" when it verifies, else why not
	// transient is a lookup error that is not an answer (timeout, 5xx):
	// the request fails with 503 so the Git host can redeliver, instead of
	// a 200 "nothing matched" that would lose the trigger.
	transient error
}

type secretCheck struct {
	namespace, name, provider string
}

const maxReasons = 8

func (m *matcher) why(format string, args ...any) {
	if len(m.reasons) < maxReasons {
		m.reasons = append(m.reasons, fmt.Sprintf(format, args...))
	}
}

func (m *matcher) match(ev *push.Event) {
	if ev.Deleted {
		m.why("%s deleted: deleted refs never trigger", ev.Ref)
		return
	}
	seen := map[string]bool{}
	for _, u := range ev.RepoURLs {
		key, err := gitrepo.NormalizeURL(u)
		if err != nil || seen[key] {
			continue
		}
		seen[key] = true
		if !slices.Contains(m.looked, key) {
			m.looked = append(m.looked, key)
		}
		opts := []client.ListOption{client.MatchingFields{gitrepo.IndexRepoURL: key}}
		if !m.scope.CrossNamespace() || !m.d.o.AllNamespaces {
			opts = append(opts, client.InNamespace(m.scope.Namespace))
		}
		var list fleet.GitRepoList
		if err := m.d.o.Client.List(m.ctx, &list, opts...); err != nil {
			m.transient = fmt.Errorf("listing GitRepos for %s: %w", key, err)
			continue
		}
		for i := range list.Items {
			m.consider(&list.Items[i], ev)
		}
	}
}

func (m *matcher) consider(gr *fleet.GitRepo, ev *push.Event) {
	id := gr.Namespace + "/" + gr.Name
	if !m.scope.AllowsNamespace(gr.Namespace, m.namespaceLabels(gr.Namespace)) {
		m.why("%s: namespace not in targets.namespaceSelector", id)
		return
	}
	if !m.scope.Selects(gr) {
		m.why("%s: labels not in targets.selector", id)
		return
	}
	if ok, why := gitrepo.MatchRef(&gr.Spec, ev); !ok {
		m.why("%s: %s", id, why)
		return
	}
	if gr.Spec.WebhookSecret != "" {
		if why := m.verifySecret(gr, ev.Provider); why != "" {
			m.why("%s: %s", id, why)
			return
		}
	}
	t := &trigger{
		key: id, namespace: gr.Namespace, name: gr.Name,
		commit: ev.Commit, provider: ev.Provider,
		webhookCommit: gr.Status.WebhookCommit, hasPolling: gr.Spec.PollingInterval != nil,
	}
	if m.byKey == nil {
		m.byKey = map[string]*trigger{}
	}
	if old, ok := m.byKey[id]; ok {
		*old = *t // a later event of the same request wins
		return
	}
	m.byKey[id] = t
	m.triggers = append(m.triggers, t)
}

// namespaceLabels returns a namespace's labels for namespaceSelector, or
// nil when they cannot be read (then only its name label is assumed).
func (m *matcher) namespaceLabels(ns string) map[string]string {
	if !m.scope.CrossNamespace() || !m.d.o.NamespaceLabels {
		return nil
	}
	if l, ok := m.nsLabels[ns]; ok {
		return l
	}
	var n corev1.Namespace
	var l map[string]string
	if err := m.d.o.Client.Get(m.ctx, types.NamespacedName{Name: ns}, &n); err != nil {
		m.d.o.Logger.Error(err, "reading namespace labels; matching on its name only", "namespace", ns)
	} else {
		l = n.Labels
		if l == nil {
			l = map[string]string{}
		}
	}
	if m.nsLabels == nil {
		m.nsLabels = map[string]map[string]string{}
	}
	m.nsLabels[ns] = l
	return l
}

// verifySecret checks the request against a GitRepo's own
// spec.webhookSecret, failing closed: it returns why not, "" when verified.
// The Secret's key is the provider's (github, gitlab, ...), as in Fleet.
func (m *matcher) verifySecret(gr *fleet.GitRepo, provider string) string {
	k := secretCheck{namespace: gr.Namespace, name: gr.Spec.WebhookSecret, provider: provider}
	if why, ok := m.verified[k]; ok {
		return why
	}
	why := ""
	var s corev1.Secret
	err := m.d.o.APIReader.Get(m.ctx, types.NamespacedName{Namespace: k.namespace, Name: k.name}, &s)
	switch {
	case err != nil && !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err):
		m.transient = fmt.Errorf("reading spec.webhookSecret %s/%s: %w", k.namespace, k.name, err)
		return "spec.webhookSecret not readable right now"
	case err != nil:
		m.d.o.Logger.Error(err, "reading spec.webhookSecret", "gitrepo", gr.Namespace+"/"+gr.Name, "secret", k.name)
		why = fmt.Sprintf("spec.webhookSecret %s not readable (%s)", k.name, apierrors.ReasonForError(err))
		if apierrors.ReasonForError(err) == metav1.StatusReasonUnknown {
			why = fmt.Sprintf("spec.webhookSecret %s not readable", k.name)
		}
	case len(s.Data[provider]) == 0:
		why = fmt.Sprintf("spec.webhookSecret %s has no %q key", k.name, provider)
	case m.req.Verify == nil || !m.req.Verify(s.Data[provider]):
		why = fmt.Sprintf("request does not verify with spec.webhookSecret %s", k.name)
	}
	if m.verified == nil {
		m.verified = map[secretCheck]string{}
	}
	m.verified[k] = why
	return why
}

func (m *matcher) unmatched() string {
	var b strings.Builder
	b.WriteString("no GitRepo matched")
	if len(m.looked) > 0 {
		fmt.Fprintf(&b, " repo %s", strings.Join(m.looked, ", "))
	}
	var refs []string
	for _, ev := range m.req.Events {
		switch {
		case ev.Branch != "":
			refs = append(refs, "branch "+ev.Branch)
		case ev.Tag != "":
			refs = append(refs, "tag "+ev.Tag)
		case ev.Ref != "":
			refs = append(refs, ev.Ref)
		}
	}
	if len(refs) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(refs, ", "))
	}
	if len(m.reasons) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(m.reasons, "; "))
	} else if len(m.looked) > 0 {
		fmt.Fprintf(&b, ": no GitRepo in %s has this spec.repo", m.scopeText())
	}
	return b.String()
}

func (m *matcher) scopeText() string {
	if m.scope.CrossNamespace() && m.d.o.AllNamespaces {
		return "the targeted namespaces"
	}
	return "namespace " + m.scope.Namespace
}
