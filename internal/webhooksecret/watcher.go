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

package webhooksecret

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

// Watcher keeps a Store watching the Secrets that GitRepos inside one
// WebhookReceiver's targets name in spec.webhookSecret, following GitRepo,
// WebhookReceiver (targets) and, with NamespaceLabels, Namespace changes in
// the receiver's cache. It is a manager.Runnable.
type Watcher struct {
	Store *Store
	// Cache is the receiver's manager cache (GitRepos, its WebhookReceiver
	// and, with NamespaceLabels, Namespaces); Reader reads from it.
	Cache  cache.Cache
	Reader client.Reader
	// Receiver is the WebhookReceiver whose targets bound the GitRepos.
	Receiver types.NamespacedName
	// AllNamespaces and NamespaceLabels are what the cache holds, as for
	// the dispatcher.
	AllNamespaces, NamespaceLabels bool
	Log                            logr.Logger

	mu    sync.Mutex
	ctx   context.Context
	scope *gitrepo.Scope // nil while the WebhookReceiver cannot be read
	// named holds every cached GitRepo that names a webhookSecret, inside
	// the targets or not, kept from GitRepo events: a target change
	// recomputes refs from it instead of listing (and copying) every
	// GitRepo in the cache, which with thousands of GitRepos would double
	// the receiver's memory for a moment.
	named map[types.NamespacedName]namedSecret
	// refs maps each GitRepo in the targets that names a webhookSecret to it.
	refs map[types.NamespacedName]types.NamespacedName
}

// namedSecret is what targeting a GitRepo's webhookSecret depends on.
type namedSecret struct {
	secret string
	labels map[string]string
}

// NeedLeaderElection is false: every replica verifies deliveries.
func (w *Watcher) NeedLeaderElection() bool { return false }

// Start implements manager.Runnable.
func (w *Watcher) Start(ctx context.Context) error {
	w.mu.Lock()
	w.ctx, w.refs = ctx, map[types.NamespacedName]types.NamespacedName{}
	w.named = map[types.NamespacedName]namedSecret{}
	w.mu.Unlock()
	resync := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.resync() },
		UpdateFunc: func(any, any) { w.resync() },
		DeleteFunc: func(any) { w.resync() },
	}
	watched := []struct {
		obj     client.Object
		handler toolscache.ResourceEventHandler
	}{
		{&v1alpha1.WebhookReceiver{}, resync},
		{&fleet.GitRepo{}, toolscache.ResourceEventHandlerFuncs{
			AddFunc:    w.gitRepoChanged,
			UpdateFunc: func(_, obj any) { w.gitRepoChanged(obj) },
			DeleteFunc: w.gitRepoDeleted,
		}},
	}
	if w.NamespaceLabels {
		watched = append(watched, struct {
			obj     client.Object
			handler toolscache.ResourceEventHandler
		}{&corev1.Namespace{}, resync})
	}
	var seen []toolscache.InformerSynced
	for _, o := range watched {
		inf, err := w.Cache.GetInformer(ctx, o.obj)
		if err != nil && ctx.Err() != nil {
			return nil // stopped before the cache synced: nothing to watch
		}
		if err != nil {
			return fmt.Errorf("watching %T for webhookSecrets: %w", o.obj, err)
		}
		reg, err := inf.AddEventHandler(o.handler)
		if err != nil {
			return fmt.Errorf("watching %T for webhookSecrets: %w", o.obj, err)
		}
		seen = append(seen, reg.HasSynced)
	}
	// The Store is complete only once every GitRepo the cache listed has
	// reached the handlers, not merely the cache.
	if w.Cache.WaitForCacheSync(ctx) && toolscache.WaitForCacheSync(ctx.Done(), seen...) {
		w.resync()
		w.Store.Ready()
	}
	<-ctx.Done()
	w.Store.Set(context.Background(), nil)
	return nil
}

// resync recomputes every reference: the targets may have changed.
func (w *Watcher) resync() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx == nil || w.ctx.Err() != nil {
		return
	}
	w.scope = w.readScope()
	w.refs = map[types.NamespacedName]types.NamespacedName{}
	for key, n := range w.named {
		if ref, ok := w.secretOf(key, n); ok {
			w.refs[key] = ref
		}
	}
	w.apply()
}

func (w *Watcher) readScope() *gitrepo.Scope {
	var wr v1alpha1.WebhookReceiver
	if err := w.Reader.Get(w.ctx, w.Receiver, &wr); err != nil {
		return nil
	}
	s, err := gitrepo.NewScope(&wr)
	if err != nil {
		return nil
	}
	return &s
}

// secretOf is the Secret the GitRepo key names, if it names one and is
// inside the targets (the receiver is granted exactly those Secrets).
func (w *Watcher) secretOf(key types.NamespacedName, n namedSecret) (types.NamespacedName, bool) {
	if w.scope == nil || n.secret == "" || !w.scope.Selector.Matches(labels.Set(n.labels)) {
		return types.NamespacedName{}, false
	}
	if !w.spansNamespaces() && key.Namespace != w.scope.Namespace {
		return types.NamespacedName{}, false
	}
	if !w.scope.AllowsNamespace(key.Namespace, w.namespaceLabels(key.Namespace)) {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: key.Namespace, Name: n.secret}, true
}

// spansNamespaces says whether GitRepos of other namespaces count: only for
// a cross-namespace receiver whose cache holds them, as in the dispatcher.
func (w *Watcher) spansNamespaces() bool {
	return w.AllNamespaces && w.scope.CrossNamespace()
}

func (w *Watcher) namespaceLabels(ns string) map[string]string {
	if !w.NamespaceLabels || !w.scope.CrossNamespace() {
		return nil
	}
	var n corev1.Namespace
	if err := w.Reader.Get(w.ctx, types.NamespacedName{Name: ns}, &n); err != nil {
		return nil
	}
	if n.Labels == nil {
		return map[string]string{}
	}
	return n.Labels
}

func (w *Watcher) gitRepoChanged(obj any) {
	gr, ok := gitrepo.FromCache(obj)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx == nil || w.ctx.Err() != nil {
		return
	}
	key := client.ObjectKeyFromObject(gr)
	n := namedSecret{secret: gr.Spec.WebhookSecret, labels: gr.Labels}
	if n.secret == "" {
		delete(w.named, key)
	} else {
		w.named[key] = n
	}
	ref, want := w.secretOf(key, n)
	old, had := w.refs[key]
	if want == had && old == ref {
		return // most updates: a status write, the same secret
	}
	if want {
		w.refs[key] = ref
	} else {
		delete(w.refs, key)
	}
	w.apply()
}

func (w *Watcher) gitRepoDeleted(obj any) {
	gr, ok := gitrepo.FromCache(obj)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	key := client.ObjectKeyFromObject(gr)
	delete(w.named, key)
	if _, had := w.refs[key]; had && w.ctx != nil && w.ctx.Err() == nil {
		delete(w.refs, key)
		w.apply()
	}
}

// apply hands the referenced Secrets to the Store. Called with w.mu held.
func (w *Watcher) apply() {
	want := make(map[types.NamespacedName]bool, len(w.refs))
	for _, ref := range w.refs {
		want[ref] = true
	}
	w.Store.Set(w.ctx, want)
}
