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

package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// FieldOwner is the server-side apply field manager of objects devenv applies.
const FieldOwner = "webhook-operator-dev"

// ApplyYAML server-side applies every object in a multi-document YAML stream.
// Namespaced objects without a namespace go to namespace. mutate, if not nil,
// may change each object before it is applied.
func ApplyYAML(ctx context.Context, c client.Client, data []byte, namespace string, mutate func(*unstructured.Unstructured)) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var applied []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return applied, nil
			}
			return applied, fmt.Errorf("decoding YAML: %w", err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if mutate != nil {
			mutate(u)
		}
		if u.GetNamespace() == "" {
			namespaced, err := c.IsObjectNamespaced(u)
			if err != nil {
				return applied, fmt.Errorf("finding the scope of %s: %w", u.GroupVersionKind(), err)
			}
			if namespaced {
				u.SetNamespace(namespace)
			}
		}
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return applied, fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		applied = append(applied, u)
	}
}

// Applier applies YAML for dev mode. In a cluster dev mode did not start
// (TrackCreated), it remembers the objects that did not exist before, so
// DeleteCreated removes exactly those and leaves the cluster as it was.
type Applier struct {
	Client client.Client
	// TrackCreated records objects that did not exist before Apply.
	TrackCreated bool

	created []*unstructured.Unstructured
}

// Apply server-side applies a YAML stream like ApplyYAML, into namespace
// "default" where an object names none.
func (a *Applier) Apply(ctx context.Context, data []byte, mutate func(*unstructured.Unstructured)) error {
	var fresh []*unstructured.Unstructured
	wrapped := func(u *unstructured.Unstructured) {
		if mutate != nil {
			mutate(u)
		}
		if a.TrackCreated && u.GetKind() != "Namespace" {
			probe := &unstructured.Unstructured{}
			probe.SetGroupVersionKind(u.GroupVersionKind())
			err := a.Client.Get(ctx, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}, probe)
			if apierrors.IsNotFound(err) {
				fresh = append(fresh, u)
			}
		}
	}
	_, err := ApplyYAML(ctx, a.Client, data, "default", wrapped)
	a.created = append(a.created, fresh...)
	return err
}

// DeleteCreated deletes what Apply created, newest first.
func (a *Applier) DeleteCreated(ctx context.Context) error {
	var errs []error
	for i := len(a.created) - 1; i >= 0; i-- {
		u := a.created[i]
		if err := a.Client.Delete(ctx, u); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

// Samples are what dev mode needs from the sample YAML it applied.
type Samples struct {
	// Receiver is the first WebhookReceiver among the samples.
	Receiver *whv1alpha1.WebhookReceiver
	// GitRepos are every GitRepo among them, in file order.
	GitRepos []*fleetv1alpha1.GitRepo
}

// ApplySamples applies every *.yaml file of dir but kustomization.yaml, in
// name order, calling progress with each file first, then reads back the
// WebhookReceiver (there must be one) and the GitRepos.
func ApplySamples(ctx context.Context, a *Applier, dir string, progress func(file string)) (Samples, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return Samples{}, fmt.Errorf("no sample YAML in %s", dir)
	}
	sort.Strings(files)
	var wrKey *types.NamespacedName
	var repoKeys []types.NamespacedName
	note := func(u *unstructured.Unstructured) {
		key := types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()}
		if key.Namespace == "" {
			key.Namespace = "default"
		}
		switch u.GroupVersionKind().GroupKind() {
		case whv1alpha1.GroupVersion.WithKind("WebhookReceiver").GroupKind():
			if wrKey == nil {
				wrKey = &key
			}
		case fleetv1alpha1.SchemeGroupVersion.WithKind("GitRepo").GroupKind():
			repoKeys = append(repoKeys, key)
		}
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return Samples{}, fmt.Errorf("reading %s: %w", f, err)
		}
		progress(f)
		if err := a.Apply(ctx, data, note); err != nil {
			return Samples{}, err
		}
	}
	if wrKey == nil {
		return Samples{}, fmt.Errorf("no WebhookReceiver among the samples in %s", dir)
	}
	return readSamples(ctx, a.Client, *wrKey, repoKeys)
}

func readSamples(ctx context.Context, c client.Client, wrKey types.NamespacedName, repoKeys []types.NamespacedName) (Samples, error) {
	s := Samples{Receiver: &whv1alpha1.WebhookReceiver{}}
	if err := c.Get(ctx, wrKey, s.Receiver); err != nil {
		return Samples{}, fmt.Errorf("reading WebhookReceiver %s: %w", wrKey, err)
	}
	for _, k := range repoKeys {
		gr := &fleetv1alpha1.GitRepo{}
		if err := c.Get(ctx, k, gr); err != nil {
			return Samples{}, fmt.Errorf("reading GitRepo %s: %w", k, err)
		}
		s.GitRepos = append(s.GitRepos, gr)
	}
	return s, nil
}
