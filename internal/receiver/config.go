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
	"slices"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

// Settings is where the handler reads, per request, which providers are
// enabled and their secrets. Reading per request (from an informer cache)
// makes a rotated Secret or an edited WebhookReceiver apply at once.
type Settings interface {
	// SecretFor returns the provider's secret; false when the key is absent
	// or empty.
	SecretFor(providerKey string) ([]byte, bool)
	// Enabled reports whether the provider is in spec.providers.
	Enabled(providerKey string) bool
	// Unauthenticated reports whether the provider accepts unsigned
	// deliveries (its allowUnauthenticated), and for GitRepos on which hosts
	// (normalised, see gitrepo.NormalizeHost). An enabled provider that does
	// not is configured with a secret: it never accepts an unsigned
	// delivery, even while its key is missing.
	Unauthenticated(providerKey string) (hosts []string, ok bool)
}

// StaticSettings is a fixed Settings, for tests and the dev mode.
type StaticSettings struct {
	// Secrets by provider key.
	Secrets map[string][]byte
	// Providers enabled; nil enables every provider.
	Providers []string
	// Unsigned maps the providers that accept unsigned deliveries to the
	// hosts whose GitRepos those may trigger.
	Unsigned map[string][]string
}

// SecretFor implements Settings.
func (s StaticSettings) SecretFor(key string) ([]byte, bool) {
	v, ok := s.Secrets[key]
	return v, ok && len(v) > 0
}

// Enabled implements Settings.
func (s StaticSettings) Enabled(key string) bool {
	if s.Providers == nil {
		return true
	}
	for _, p := range s.Providers {
		if p == key {
			return true
		}
	}
	return false
}

// Unauthenticated implements Settings.
func (s StaticSettings) Unauthenticated(key string) ([]string, bool) {
	hosts, ok := s.Unsigned[key]
	return normalizeHosts(hosts), ok
}

// normalizeHosts keys hosts the way GitRepo URLs are keyed.
func normalizeHosts(hosts []string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if h = gitrepo.NormalizeHost(h); h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// cacheSettings reads the receiver's own WebhookReceiver and Secret through
// a controller-runtime reader (the manager's cache, see CacheOptions).
type cacheSettings struct {
	reader client.Reader
	wr     types.NamespacedName
	secret types.NamespacedName
	log    logr.Logger
	// snap serves reads once Ready has synced it, when reader is a cache
	// (its Informers); until then, and for other readers, each read is a Get.
	snap *snapshotter
}

// NewCacheSettings returns Settings backed by reader (normally the manager's
// cache configured with CacheOptions) for the WebhookReceiver name in
// namespace and its Secret secretName. A missing WebhookReceiver enables no
// provider; a missing Secret holds no secret.
func NewCacheSettings(reader client.Reader, name, namespace, secretName string) Settings {
	s := &cacheSettings{
		reader: reader,
		wr:     types.NamespacedName{Namespace: namespace, Name: name},
		secret: types.NamespacedName{Namespace: namespace, Name: secretName},
		log:    logf.Log.WithName("receiver").WithName("settings"),
	}
	if _, ok := reader.(cache.Informers); ok {
		s.snap = &snapshotter{wr: s.wr, secret: s.secret}
	}
	return s
}

// cacheReadTimeout bounds a cache read; it only waits when the informer has not
// synced yet.
const cacheReadTimeout = 2 * time.Second

func (s *cacheSettings) get(key types.NamespacedName, obj client.Object) bool {
	ctx, cancel := context.WithTimeout(context.Background(), cacheReadTimeout)
	defer cancel()
	if err := s.reader.Get(ctx, key, obj); err != nil {
		if !apierrors.IsNotFound(err) {
			s.log.Error(err, "reading receiver settings", "kind", obj.GetObjectKind().GroupVersionKind().Kind, "name", key.String())
		}
		return false
	}
	return true
}

// SecretFor implements Settings.
func (s *cacheSettings) SecretFor(key string) ([]byte, bool) {
	if snap, ok := s.snapshot(); ok {
		v, ok := snap.secret[key]
		return v, ok && len(v) > 0
	}
	var sec corev1.Secret
	if !s.get(s.secret, &sec) {
		return nil, false
	}
	v, ok := sec.Data[key]
	return v, ok && len(v) > 0
}

func (s *cacheSettings) receiver() (*v1alpha1.WebhookReceiver, bool) {
	if snap, ok := s.snapshot(); ok {
		return snap.wr, snap.wr != nil
	}
	var wr v1alpha1.WebhookReceiver
	if !s.get(s.wr, &wr) {
		return nil, false
	}
	return &wr, true
}

// Enabled implements Settings.
func (s *cacheSettings) Enabled(key string) bool {
	wr, ok := s.receiver()
	if !ok {
		return false
	}
	for _, np := range wr.Spec.Providers.EnabledProviders() {
		if np.Key == key {
			return true
		}
	}
	return false
}

// Unauthenticated implements Settings: only a provider with
// allowUnauthenticated (which the API allows only without a secret) accepts
// unsigned deliveries, bound to its hosts.
func (s *cacheSettings) Unauthenticated(key string) ([]string, bool) {
	wr, ok := s.receiver()
	if !ok {
		return nil, false
	}
	for _, np := range wr.Spec.Providers.EnabledProviders() {
		if np.Key == key && np.Source.AllowUnauthenticated {
			return normalizeHosts(np.Source.Hosts), true
		}
	}
	return nil, false
}

// Ready reports whether both objects can be read from the cache: it creates
// their informers on first call and waits (bounded by ctx) for them to sync.
// A WebhookReceiver or Secret that does not exist yet is not an error.
func (s *cacheSettings) Ready(ctx context.Context) error {
	if s.snap != nil {
		if err := s.snap.watch(ctx, s.reader.(cache.Informers)); err != nil {
			return err
		}
	}
	for _, o := range []struct {
		key types.NamespacedName
		obj client.Object
	}{{s.wr, &v1alpha1.WebhookReceiver{}}, {s.secret, &corev1.Secret{}}} {
		if err := s.reader.Get(ctx, o.key, o.obj); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("reading %T %s: %w", o.obj, o.key, err)
		}
	}
	if s.snap != nil && !s.snap.wait(ctx) {
		return fmt.Errorf("the receiver's settings have not reached the receiver yet: %w", ctx.Err())
	}
	return nil
}

// snapshot is the synced snapshot, if there is one.
func (s *cacheSettings) snapshot() (*snapshot, bool) {
	if s.snap == nil {
		return nil, false
	}
	return s.snap.load()
}
