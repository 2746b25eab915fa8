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
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

// CacheScope is what the receiver process may cache.
type CacheScope struct {
	// Name and Namespace are the WebhookReceiver's; an empty Namespace
	// caches receivers of that name in every namespace.
	Name, Namespace string
	// SecretName is the receiver's provider Secret.
	SecretName string
	// AllNamespaces caches GitRepos of every namespace (a cross-namespace
	// receiver allowed to list them); false: the receiver's namespace only.
	AllNamespaces bool
	// NamespaceLabels caches Namespaces (labels only), for
	// targets.namespaceSelector.
	NamespaceLabels bool
}

// CacheOptions is the receiver's manager cache: only what the settings and
// the dispatcher read.
//   - its own WebhookReceiver and Secret, each watched with a field selector
//     on its name, because the receiver's Role grants get/list/watch on
//     those two names only (resourceNames);
//   - GitRepos through gitrepo.Transform, which keeps what matching needs;
//     the caller indexes them (dispatch.SetupIndexes);
//   - with NamespaceLabels, Namespaces through gitrepo.TransformNamespace.
//
// Managed fields are dropped from everything.
func CacheOptions(s CacheScope) cache.Options {
	gr := cache.ByObject{Transform: gitrepo.Transform}
	if !s.AllNamespaces {
		gr.Namespaces = map[string]cache.Config{s.Namespace: {}}
	}
	byObject := map[client.Object]cache.ByObject{
		&v1alpha1.WebhookReceiver{}: {
			Namespaces: map[string]cache.Config{s.Namespace: {}},
			Field:      fields.OneTermEqualSelector("metadata.name", s.Name),
		},
		&corev1.Secret{}: {
			Namespaces: map[string]cache.Config{s.Namespace: {}},
			Field:      fields.OneTermEqualSelector("metadata.name", s.SecretName),
		},
		&fleet.GitRepo{}: gr,
	}
	if s.NamespaceLabels {
		byObject[&corev1.Namespace{}] = cache.ByObject{Transform: gitrepo.TransformNamespace}
	}
	return cache.Options{ByObject: byObject, DefaultTransform: cache.TransformStripManagedFields()}
}
