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

// Package webhooksecret keeps the Secrets that GitRepos name in
// spec.webhookSecret in the receiver's memory. Each Secret has its own
// watch, selected by name (field selector metadata.name), because the
// receiver may read exactly those Secrets and no others (a Role with
// resourceNames), and because a webhook, verified or not, must never make
// the receiver ask the API server for a Secret.
package webhooksecret

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultWait bounds how long a lookup waits for a Secret's watch to start
// and list it: a GitRepo created a moment ago, or the receiver just started.
const DefaultWait = 3 * time.Second

// ErrNotWatched means the Secret's watch has not listed it (yet); it is not
// an answer about the Secret, so a delivery that needs it is retried.
var ErrNotWatched = errors.New("secret is not in the receiver's cache yet")

// Store holds one name-selected watch per Secret it is told to keep.
type Store struct {
	newLW func(key types.NamespacedName) toolscache.ListerWatcher
	log   logr.Logger
	// Wait bounds a lookup's wait for a watch to list its Secret.
	Wait time.Duration

	mu      sync.Mutex
	watches map[types.NamespacedName]*watch
	ready   bool // watches holds what to keep (see Ready)
}

// watch is one Secret's informer.
type watch struct {
	informer toolscache.SharedIndexInformer
	stop     context.CancelFunc

	mu  sync.Mutex
	err error // the last list or watch error, nil once it listed
}

// NewStore returns a Store whose watches use cs.
func NewStore(cs kubernetes.Interface, log logr.Logger) *Store {
	return newStore(func(key types.NamespacedName) toolscache.ListerWatcher {
		return toolscache.NewFilteredListWatchFromClient(cs.CoreV1().RESTClient(), "secrets", key.Namespace,
			func(o *metav1.ListOptions) {
				o.FieldSelector = fields.OneTermEqualSelector("metadata.name", key.Name).String()
			})
	}, log)
}

func newStore(newLW func(types.NamespacedName) toolscache.ListerWatcher, log logr.Logger) *Store {
	return &Store{newLW: newLW, log: log, Wait: DefaultWait, watches: map[types.NamespacedName]*watch{}}
}

// Set makes the Store watch exactly the Secrets in want: it starts the
// missing watches (children of ctx) and stops the others.
func (s *Store) Set(ctx context.Context, want map[types.NamespacedName]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, w := range s.watches {
		if !want[key] {
			w.stop()
			delete(s.watches, key)
			s.log.V(1).Info("stopped watching a webhookSecret", "secret", key.String())
		}
	}
	for key := range want {
		if !validName(key.Name) {
			continue // no such Secret can exist: Get answers NotFound
		}
		if _, ok := s.watches[key]; !ok {
			s.watches[key] = s.start(ctx, key)
			s.log.V(1).Info("watching a webhookSecret", "secret", key.String())
		}
	}
}

// Ready says the Store has been told every Secret to keep: the GitRepos
// naming them have all been seen. Until then Any is never complete.
func (s *Store) Ready() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready = true
}

// Loaded reports whether Ready has been called: the receiver's readiness.
func (s *Store) Loaded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready
}

// Watched lists the Secrets the Store keeps.
func (s *Store) Watched() []types.NamespacedName {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]types.NamespacedName, 0, len(s.watches))
	for k := range s.watches {
		out = append(out, k)
	}
	return out
}

func (s *Store) start(ctx context.Context, key types.NamespacedName) *watch {
	inf := toolscache.NewSharedIndexInformer(s.newLW(key), &corev1.Secret{}, 0, toolscache.Indexers{})
	w := &watch{informer: inf}
	// Keep only what verification reads: no annotations (kubectl's
	// last-applied copy of the data) or managed fields.
	_ = inf.SetTransform(func(obj any) (any, error) {
		sec, ok := obj.(*corev1.Secret)
		if !ok {
			return obj, nil
		}
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: sec.Name, Namespace: sec.Namespace,
			ResourceVersion: sec.ResourceVersion}, Data: sec.Data}, nil
	})
	_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *toolscache.Reflector, err error) {
		w.mu.Lock()
		changed := w.err == nil || w.err.Error() != err.Error()
		w.err = err
		w.mu.Unlock()
		if changed {
			s.log.Info("cannot watch a GitRepo's webhookSecret; GitRepos naming it are not triggered",
				"secret", key.String(), "error", err.Error())
		}
	})
	wctx, cancel := context.WithCancel(ctx)
	w.stop = cancel
	go inf.RunWithContext(wctx)
	return w
}

func (w *watch) lastErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (s *Store) watchOf(key types.NamespacedName) *watch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watches[key]
}

// Get reads a kept Secret into obj (a *corev1.Secret): NotFound when its
// watch listed no such Secret, the watch's Forbidden error when the
// receiver may not read it, ErrNotWatched when the watch has not listed it
// within Wait. It never asks the API server.
func (s *Store) Get(ctx context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	out, ok := obj.(*corev1.Secret)
	if !ok {
		return fmt.Errorf("webhooksecret: Get of %T, want *corev1.Secret", obj)
	}
	if !validName(key.Name) {
		return apierrors.NewNotFound(corev1.Resource("secrets"), clipName(key.Name))
	}
	var res error
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, s.Wait, true, func(context.Context) (bool, error) {
		w := s.watchOf(key)
		if w == nil {
			return false, nil
		}
		if w.informer.HasSynced() {
			res = readSecret(w, key, out)
			return true, nil
		}
		if err := w.lastErr(); apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			res = err
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("webhookSecret %s: %w", key, ErrNotWatched)
	}
	return res
}

func readSecret(w *watch, key types.NamespacedName, out *corev1.Secret) error {
	item, exists, err := w.informer.GetStore().GetByKey(key.String())
	switch {
	case err != nil:
		return fmt.Errorf("reading Secret %s from the cache: %w", key, err)
	case !exists:
		return apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
	}
	item.(*corev1.Secret).DeepCopyInto(out)
	return nil
}

// Any reports whether f holds for the data of a Secret the Store has listed.
// complete is false until the Store is Ready and while a watch has not
// listed its Secret yet (one the receiver may not read
// counts as listed: waiting would not change it).
func (s *Store) Any(f func(data map[string][]byte) bool) (found, complete bool) {
	s.mu.Lock()
	complete = s.ready
	ws := make([]*watch, 0, len(s.watches))
	for _, w := range s.watches {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	for _, w := range ws {
		if !w.informer.HasSynced() {
			if err := w.lastErr(); !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err) {
				complete = false
			}
			continue
		}
		for _, item := range w.informer.GetStore().List() {
			if sec, ok := item.(*corev1.Secret); ok && f(sec.Data) {
				return true, complete
			}
		}
	}
	return false, complete
}

// validName says whether a Secret could be called name. A GitRepo may name
// anything in spec.webhookSecret (Fleet's CRD does not bound it); a name
// no Secret can have is not watched, as its watch could never list it.
func validName(name string) bool {
	return len(validation.IsDNS1123Subdomain(name)) == 0
}

// clipName keeps errors about an invalid name short.
func clipName(name string) string {
	if len(name) > 64 {
		return name[:64] + "..."
	}
	return name
}
