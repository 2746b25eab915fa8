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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// writer brings GitRepos to their due commit with patches, and remembers
// what it wrote.
type writer struct {
	client    client.Client
	apiReader client.Reader
	activity  *activity
	receiver  types.NamespacedName
	log       logr.Logger

	mu sync.Mutex
	// written remembers the last commit this process wrote per GitRepo and
	// whether it set spec.pollingInterval (once in a GitRepo's life).
	written map[string]writtenRecord
}

type writtenRecord struct {
	uid    types.UID
	commit string
	polled bool
}

// writeResult is what one write did, for the aggregated Events.
type writeResult struct {
	requests         int           // API write requests sent
	commit, provider string        // set when status.webhookCommit was written
	polling          time.Duration // set when spec.pollingInterval was written
}

func newWriter(c client.Client, apiReader client.Reader, act *activity, receiver types.NamespacedName, log logr.Logger) *writer {
	return &writer{client: c, apiReader: apiReader, activity: act, receiver: receiver, log: log, written: map[string]writtenRecord{}}
}

// pollingSettled says a GitRepo needs no pollingInterval from the receiver:
// it has one, or it disables polling. Fleet's own webhook handler writes a
// pollingInterval whatever spec.disablePolling says; this receiver
// deliberately differs, because a pollingInterval written to a GitRepo that
// disables polling is drift from the spec its owner declared.
func pollingSettled(spec *fleet.GitRepoSpec) bool {
	return spec.PollingInterval != nil || spec.DisablePolling
}

// write brings the GitRepo key to d. The queue never hands one key to two
// writes at once, so the record read here is not raced.
func (w *writer) write(ctx context.Context, key string, d *dueWrite) error {
	w.mu.Lock()
	rec := w.written[key]
	w.mu.Unlock()

	gr, rec, res, err := w.apply(ctx, key, d, rec)
	if gr != nil {
		w.activity.wrote(gr, res)
	}

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
func (w *writer) apply(ctx context.Context, key string, d *dueWrite, rec writtenRecord) (*fleet.GitRepo, writtenRecord, writeResult, error) {
	var res writeResult
	ns, name, err := toolscache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, rec, res, fmt.Errorf("bad GitRepo key %q: %w", key, err)
	}
	gr := &fleet.GitRepo{}
	if err := w.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, gr); err != nil {
		return nil, rec, res, fmt.Errorf("reading GitRepo %s: %w", key, err)
	}
	if rec.uid != gr.UID {
		rec = writtenRecord{uid: gr.UID}
	}
	needPolling := d.polling > 0 && !pollingSettled(&gr.Spec) && !rec.polled
	needStatus := true
	if gr.Status.WebhookCommit == d.commit || rec.commit == d.commit {
		// The cache, which may be behind another replica's write, or this
		// process's own last write says the commit is there: only the live
		// object can tell the write is not needed. Unread, it is written.
		live := &fleet.GitRepo{}
		if err := w.apiReader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, live); err == nil {
			needStatus = live.Status.WebhookCommit != d.commit
			needPolling = needPolling && !pollingSettled(&live.Spec)
		}
	}
	if !needPolling && !needStatus {
		triggersSkipped.Inc()
		return gr, rec, res, nil
	}
	start := time.Now()
	defer func() { writeDuration.Observe(time.Since(start).Seconds()) }()
	if needPolling {
		res.requests++
		set, err := w.patchPolling(ctx, gr, d.polling)
		if err != nil {
			return gr, rec, res, err
		}
		rec.polled = true
		if set {
			res.polling = d.polling
		}
	}
	if needStatus {
		res.requests++
		if err := w.patchStatus(ctx, gr, d); err != nil {
			return gr, rec, res, err
		}
		rec.commit = d.commit
		res.commit, res.provider = d.commit, d.provider
	}
	return gr, rec, res, nil
}

// patchPolling sets spec.pollingInterval only while the GitRepo still has
// none: a JSON patch whose test fails if a user set one since the cache
// read, so a merge patch cannot overwrite it. It reports whether it set it;
// a failed patch is no error when the live GitRepo now settles polling.
func (w *writer) patchPolling(ctx context.Context, gr *fleet.GitRepo, polling time.Duration) (bool, error) {
	p := metav1.Duration{Duration: polling}
	body, err := json.Marshal([]map[string]any{
		{"op": "test", "path": "/spec/pollingInterval", "value": nil},
		{"op": "add", "path": "/spec/pollingInterval", "value": p},
	})
	if err != nil {
		return false, fmt.Errorf("encoding pollingInterval patch: %w", err)
	}
	id := gr.Namespace + "/" + gr.Name
	err = w.client.Patch(ctx, target(gr), client.RawPatch(types.JSONPatchType, body))
	if err == nil {
		w.log.Info("set spec.pollingInterval", "gitrepo", id, "pollingInterval", p.Duration.String())
		return true, nil
	}
	live := &fleet.GitRepo{}
	if gerr := w.apiReader.Get(ctx, client.ObjectKeyFromObject(gr), live); gerr == nil && pollingSettled(&live.Spec) {
		w.log.V(1).Info("GitRepo got a pollingInterval or disabled polling since it was read; left as is", "gitrepo", id)
		return false, nil
	}
	return false, fmt.Errorf("setting spec.pollingInterval of GitRepo %s: %w", id, err)
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
	w.log.Info("triggered GitRepo", "gitrepo", gr.Namespace+"/"+gr.Name, "commit", d.commit, "provider", d.provider,
		"receiver", w.receiver.String())
	return nil
}

// target is the object a patch is sent to: name and namespace only, so the
// patch body alone says what changes. It is metadata only, so the API
// server answers with the GitRepo's metadata (protobuf) instead of the whole
// object: decoding a full GitRepo (its status can be large) for every
// write was the receiver's largest cost under load.
func target(gr *fleet.GitRepo) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: fleet.SchemeGroupVersion.String(), Kind: "GitRepo"},
		ObjectMeta: metav1.ObjectMeta{Namespace: gr.Namespace, Name: gr.Name},
	}
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
