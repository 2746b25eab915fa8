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

package gitrepo

import (
	"maps"
	"slices"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
)

// cached is how the receiver's cache holds a GitRepo: only the fields
// matching and writing read. A fleet.GitRepo is over 1 KB even when
// almost every field is empty (its spec and status are large structs), so
// with thousands of GitRepos the struct alone would be most of the
// receiver's heap; this one is about a third of that.
//
// Readers never see it: controller-runtime's cache deep-copies every
// object it returns from Get and List, and DeepCopyObject expands the entry
// into the *fleet.GitRepo asked for. Informer event handlers, which get the
// stored object itself, read it with FromCache.
//
// Labels and annotations are held as key/value pairs, not maps: a Go map
// costs over 300 bytes even with one entry. GetLabels and GetAnnotations
// (what informers and label selectors read) build the maps on demand.
type cached struct {
	metav1.ObjectMeta      // Labels and Annotations unset: see labels, annotations
	labels, annotations    pairs
	repo, branch, revision string
	paths                  []string
	pollingInterval        *metav1.Duration
	disablePolling         bool
	webhookSecret          string
	webhookCommit          string
}

// GetObjectKind implements runtime.Object. The entry carries no type
// metadata: the cache sets it on every copy it returns.
func (c *cached) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject implements runtime.Object: it returns a *fleet.GitRepo
// holding the kept fields, so reads through the cache get the type they
// asked for.
func (c *cached) DeepCopyObject() runtime.Object { return c.gitRepo() }

// GetLabels implements metav1.Object.
func (c *cached) GetLabels() map[string]string { return c.labels.toMap() }

// SetLabels implements metav1.Object.
func (c *cached) SetLabels(l map[string]string) { c.labels = pairsOf(l) }

// GetAnnotations implements metav1.Object.
func (c *cached) GetAnnotations() map[string]string { return c.annotations.toMap() }

// SetAnnotations implements metav1.Object.
func (c *cached) SetAnnotations(a map[string]string) { c.annotations = pairsOf(a) }

func (c *cached) gitRepo() *fleet.GitRepo {
	own := &c.ObjectMeta // the entry's metadata, not the entry
	meta := *own.DeepCopy()
	meta.Labels, meta.Annotations = c.labels.toMap(), c.annotations.toMap()
	gr := &fleet.GitRepo{
		ObjectMeta: meta,
		Spec: fleet.GitRepoSpec{
			Repo: c.repo, Branch: c.branch, Revision: c.revision,
			DisablePolling: c.disablePolling, WebhookSecret: c.webhookSecret,
		},
		Status: fleet.GitRepoStatus{WebhookCommit: c.webhookCommit},
	}
	if c.paths != nil {
		gr.Spec.Paths = append([]string(nil), c.paths...)
	}
	if c.pollingInterval != nil {
		gr.Spec.PollingInterval = &metav1.Duration{Duration: c.pollingInterval.Duration}
	}
	return gr
}

// FromCache returns the GitRepo a cache entry, or an informer event's
// object (a tombstone included), stands for; ok is false for anything
// else. The GitRepo is the caller's to keep.
func FromCache(obj any) (gr *fleet.GitRepo, ok bool) {
	if t, isTomb := obj.(toolscache.DeletedFinalStateUnknown); isTomb {
		obj = t.Obj
	}
	switch o := obj.(type) {
	case *cached:
		return o.gitRepo(), true
	case *fleet.GitRepo:
		return o, true
	}
	return nil, false
}

// pairs are a map's keys and values, key1, value1, key2, ..., sorted by key.
type pairs []string

func pairsOf(m map[string]string) pairs {
	if m == nil {
		return nil
	}
	p := make(pairs, 0, 2*len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p = append(p, k, m[k])
	}
	return p
}

// toMap is a new map of p; nil for nil p, so an object without labels still
// has none.
func (p pairs) toMap() map[string]string {
	if p == nil {
		return nil
	}
	m := make(map[string]string, len(p)/2)
	for i := 0; i+1 < len(p); i += 2 {
		m[p[i]] = p[i+1]
	}
	return m
}
