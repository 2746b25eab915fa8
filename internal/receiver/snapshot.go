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

package receiver

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// snapshot is the receiver's WebhookReceiver and Secret data as the cache's
// informers last delivered them. Reading it costs nothing per request: a
// cache Get deep-copies the object and maps its kind to a resource every
// time, which under load was a tenth of the receiver's CPU. The objects are
// the informers' own and are only read.
type snapshot struct {
	wr     *v1alpha1.WebhookReceiver
	secret map[string][]byte
}

// settingsKinds are the kinds a snapshot follows.
func settingsKinds() []client.Object {
	return []client.Object{&v1alpha1.WebhookReceiver{}, &corev1.Secret{}}
}

// snapshotter keeps a snapshot up to date from informer events.
type snapshotter struct {
	wr, secret types.NamespacedName

	// watching serialises watch; watched are the kinds whose handler is
	// registered, synced their registrations' HasSynced.
	watching sync.Mutex
	watched  map[string]bool
	synced   []toolscache.InformerSynced

	mu    sync.Mutex // serialises updates of cur
	cur   snapshot
	ready atomic.Bool
	snap  atomic.Pointer[snapshot]
}

// watch registers the event handlers, each once. A kind whose informer
// cannot be had yet (the API server unavailable at start) is tried again on
// the next call, so a passing failure does not keep the receiver unready.
func (s *snapshotter) watch(ctx context.Context, informers cache.Informers) error {
	s.watching.Lock()
	defer s.watching.Unlock()
	if s.watched == nil {
		s.watched = map[string]bool{}
	}
	for _, obj := range settingsKinds() {
		kind := fmt.Sprintf("%T", obj)
		if s.watched[kind] {
			continue
		}
		inf, err := informers.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err != nil {
			return fmt.Errorf("watching %s for the receiver's settings: %w", kind, err)
		}
		reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { s.observe(o, false) },
			UpdateFunc: func(_, o any) { s.observe(o, false) },
			DeleteFunc: func(o any) { s.observe(o, true) },
		})
		if err != nil {
			return fmt.Errorf("watching %s for the receiver's settings: %w", kind, err)
		}
		s.watched[kind] = true
		s.synced = append(s.synced, reg.HasSynced)
	}
	return nil
}

// observe takes in an added, updated or deleted object, if it is one of the
// two.
func (s *snapshotter) observe(obj any, deleted bool) {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch o := obj.(type) {
	case *v1alpha1.WebhookReceiver:
		if client.ObjectKeyFromObject(o) != s.wr {
			return
		}
		s.cur.wr = o
		if deleted {
			s.cur.wr = nil
		}
	case *corev1.Secret:
		if client.ObjectKeyFromObject(o) != s.secret {
			return
		}
		s.cur.secret = o.Data
		if deleted {
			s.cur.secret = nil
		}
	default:
		return
	}
	next := s.cur
	s.snap.Store(&next)
}

// wait reports whether every object the informers listed at start has
// reached the handlers, waiting for it until ctx ends.
func (s *snapshotter) wait(ctx context.Context) bool {
	if s.ready.Load() {
		return true
	}
	s.watching.Lock()
	synced := s.synced
	s.watching.Unlock()
	if len(synced) < len(settingsKinds()) || !toolscache.WaitForCacheSync(ctx.Done(), synced...) {
		return false
	}
	s.mu.Lock()
	next := s.cur
	s.snap.Store(&next)
	s.mu.Unlock()
	s.ready.Store(true)
	return true
}

// load is the snapshot, once it holds everything listed at start.
func (s *snapshotter) load() (*snapshot, bool) {
	if !s.ready.Load() {
		return nil, false
	}
	return s.snap.Load(), true
}
