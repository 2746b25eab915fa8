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
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Event reasons on GitRepos.
const (
	ReasonTriggered          = "WebhookTriggered"
	ReasonPollingIntervalSet = "PollingIntervalSet"
)

// writer brings GitRepos to their due commit with merge patches, emitting
// one Event per write, and remembers what it wrote.
type writer struct {
	client   client.Client
	recorder events.EventRecorder // nil: no Events
	receiver types.NamespacedName
	log      logr.Logger

	mu sync.Mutex
	// written remembers the last commit this process wrote per GitRepo, so
	// a stale cache right after a write does not cause a second one, and
	// whether it set spec.pollingInterval (once in a GitRepo's life).
	written map[string]writtenRecord
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

func newWriter(c client.Client, recorder events.EventRecorder, receiver types.NamespacedName, log logr.Logger) *writer {
	return &writer{client: c, recorder: recorder, receiver: receiver, log: log, written: map[string]writtenRecord{}}
}

// write brings the GitRepo key to d. The workqueue never hands one key to
// two workers at once, so the record read here is not raced.
func (w *writer) write(ctx context.Context, key string, d *dueWrite) error {
	w.mu.Lock()
	rec := w.written[key]
	w.mu.Unlock()

	rec, err := w.apply(ctx, key, d, rec)

	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err == nil:
		w.written[key] = rec
	case apierrors.IsNotFound(err):
		delete(w.written, key)
	case rec.uid != "":
		// Keep what did get written (pollingInterval) for the retry.
		w.written[key] = rec
	}
	return err
}

// apply writes spec.pollingInterval once if needed, then
// status.webhookCommit and lastWebhookTime in one merge patch on the status
// subresource. Merge patches carry no resourceVersion, so Fleet's own
// status updates never make them conflict.
func (w *writer) apply(ctx context.Context, key string, d *dueWrite, rec writtenRecord) (writtenRecord, error) {
	ns, name, err := toolscache.SplitMetaNamespaceKey(key)
	if err != nil {
		return rec, fmt.Errorf("bad GitRepo key %q: %w", key, err)
	}
	var gr fleet.GitRepo
	if err := w.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &gr); err != nil {
		return rec, fmt.Errorf("reading GitRepo %s: %w", key, err)
	}
	if rec.uid != gr.UID {
		rec = writtenRecord{uid: gr.UID}
	}
	needPolling := d.polling > 0 && gr.Spec.PollingInterval == nil && !rec.polled
	cacheBehindOwnWrite := rec.commit == d.commit && gr.Status.WebhookCommit == rec.before
	needStatus := gr.Status.WebhookCommit != d.commit && !cacheBehindOwnWrite
	if !needPolling && !needStatus {
		triggersSkipped.Inc()
		return rec, nil
	}
	start := time.Now()
	defer func() { writeDuration.Observe(time.Since(start).Seconds()) }()
	if needPolling {
		if err := w.patchPolling(ctx, &gr, d.polling); err != nil {
			return rec, err
		}
		rec.polled = true
	}
	if needStatus {
		if err := w.patchStatus(ctx, &gr, d); err != nil {
			return rec, err
		}
		rec.commit, rec.before = d.commit, gr.Status.WebhookCommit
	}
	return rec, nil
}

func (w *writer) patchPolling(ctx context.Context, gr *fleet.GitRepo, polling time.Duration) error {
	p := metav1.Duration{Duration: polling}
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"pollingInterval": p}})
	if err != nil {
		return fmt.Errorf("encoding pollingInterval patch: %w", err)
	}
	if err := w.client.Patch(ctx, target(gr), client.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("setting spec.pollingInterval of GitRepo %s/%s: %w", gr.Namespace, gr.Name, err)
	}
	w.log.Info("set spec.pollingInterval", "gitrepo", gr.Namespace+"/"+gr.Name, "pollingInterval", p.Duration.String())
	w.event(gr, ReasonPollingIntervalSet, "SetPollingInterval",
		"spec.pollingInterval set to %s by WebhookReceiver %s: webhooks now trigger this GitRepo", p.Duration, w.receiver)
	return nil
}

func (w *writer) patchStatus(ctx context.Context, gr *fleet.GitRepo, d *dueWrite) error {
	body, err := json.Marshal(map[string]any{"status": map[string]any{
		"webhookCommit":   d.commit,
		"lastWebhookTime": metav1.Now(),
	}})
	if err != nil {
		return fmt.Errorf("encoding status patch: %w", err)
	}
	if err := w.client.Status().Patch(ctx, target(gr), client.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("writing status.webhookCommit of GitRepo %s/%s: %w", gr.Namespace, gr.Name, err)
	}
	triggersWritten.Inc()
	w.log.Info("triggered GitRepo", "gitrepo", gr.Namespace+"/"+gr.Name, "commit", d.commit, "provider", d.provider)
	w.event(gr, ReasonTriggered, "Trigger",
		"webhook commit %s from %s push via WebhookReceiver %s", d.commit, d.provider, w.receiver)
	return nil
}

// target is the object a patch is sent to: name and namespace only, so the
// patch body alone says what changes.
func target(gr *fleet.GitRepo) *fleet.GitRepo {
	return &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: gr.Namespace, Name: gr.Name}}
}

func (w *writer) event(gr *fleet.GitRepo, reason, action, note string, args ...any) {
	if w.recorder == nil {
		return
	}
	related := &v1alpha1.WebhookReceiver{ObjectMeta: metav1.ObjectMeta{
		Namespace: w.receiver.Namespace, Name: w.receiver.Name,
	}}
	related.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("WebhookReceiver"))
	w.recorder.Eventf(gr, related, corev1.EventTypeNormal, reason, action, note, args...)
}

// failureReason is the metric label of a failed write.
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
