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

package controllers

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/watch"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// secretWatches sees the Secrets receivers read that the operator has not
// labelled: the ones spec.providers refer to, and the one spec.secretName
// names before the operator owns or adopts it. The manager's cache holds
// only Secrets with the operator's label (CacheOptions), so the API server
// never streams every Secret of the cluster to the operator; each of these
// Secrets gets an informer of its own instead, selected by name (one
// list+watch per Secret), whose events reconcile the receivers reading it.
// A rotated referenced Secret so reaches the receiver without a restart.
type secretWatches struct {
	client corev1client.SecretsGetter
	// events carries every change of a watched Secret to the controller.
	events chan event.GenericEvent

	mu sync.Mutex
	// readers: the Secret names (in its own namespace) each receiver reads.
	readers   map[types.NamespacedName]sets.Set[string]
	informers map[types.NamespacedName]*nameInformer
	stopped   bool
	// done is closed when the manager stops, so no handler blocks on
	// events once the controller no longer reads them.
	done chan struct{}
}

// nameInformer is one Secret's informer and the number of receivers
// reading that Secret.
type nameInformer struct {
	informer toolscache.SharedIndexInformer
	stop     chan struct{}
	users    int
}

func newSecretWatches(c corev1client.SecretsGetter) *secretWatches {
	return &secretWatches{
		client:    c,
		events:    make(chan event.GenericEvent, 256),
		readers:   map[types.NamespacedName]sets.Set[string]{},
		informers: map[types.NamespacedName]*nameInformer{},
		done:      make(chan struct{}),
	}
}

// track records that receiver wr reads the Secrets names (in its
// namespace): it starts the informers of Secrets newly read and stops those
// no receiver reads any more. names nil forgets the receiver.
func (w *secretWatches) track(wr types.NamespacedName, names []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	want := sets.New(names...)
	had := w.readers[wr]
	for name := range want.Difference(had) {
		w.acquire(types.NamespacedName{Namespace: wr.Namespace, Name: name})
	}
	for name := range had.Difference(want) {
		w.release(types.NamespacedName{Namespace: wr.Namespace, Name: name})
	}
	if want.Len() == 0 {
		delete(w.readers, wr)
	} else {
		w.readers[wr] = want
	}
}

func (w *secretWatches) acquire(key types.NamespacedName) {
	if in, ok := w.informers[key]; ok {
		in.users++
		return
	}
	in := &nameInformer{informer: w.newInformer(key), stop: make(chan struct{}), users: 1}
	w.informers[key] = in
	go in.informer.Run(in.stop)
}

func (w *secretWatches) release(key types.NamespacedName) {
	in, ok := w.informers[key]
	if !ok {
		return
	}
	if in.users--; in.users == 0 {
		close(in.stop)
		delete(w.informers, key)
	}
}

// newInformer lists and watches the one Secret key names.
func (w *secretWatches) newInformer(key types.NamespacedName) toolscache.SharedIndexInformer {
	byName := fields.OneTermEqualSelector("metadata.name", key.Name).String()
	secrets := w.client.Secrets(key.Namespace)
	lw := &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = byName
			return secrets.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = byName
			return secrets.Watch(ctx, o)
		},
	}
	inf := toolscache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, toolscache.Indexers{})
	notify := func(obj any) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if o, ok := obj.(client.Object); ok {
			select {
			case w.events <- event.GenericEvent{Object: o}:
			case <-w.done:
			}
		}
	}
	// The handler cannot fail on a new informer.
	_, _ = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, o any) { notify(o) },
		DeleteFunc: notify,
	})
	return inf
}

// get returns a watched Secret from its informer (nil when it does not
// exist); synced is false when there is no synced informer for it, and the
// caller must ask the API server.
func (w *secretWatches) get(key types.NamespacedName) (s *corev1.Secret, synced bool) {
	w.mu.Lock()
	in, ok := w.informers[key]
	w.mu.Unlock()
	if !ok || !in.informer.HasSynced() {
		return nil, false
	}
	obj, exists, err := in.informer.GetStore().GetByKey(key.String())
	if err != nil || !exists {
		return nil, err == nil
	}
	return obj.(*corev1.Secret), true
}

// Start runs until the manager stops, then stops every informer.
func (w *secretWatches) Start(ctx context.Context) error {
	<-ctx.Done()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	close(w.done)
	for key, in := range w.informers {
		close(in.stop)
		delete(w.informers, key)
	}
	return nil
}
