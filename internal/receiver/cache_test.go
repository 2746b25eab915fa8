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
	"maps"
	"slices"
	"testing"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

func TestCacheOptions(t *testing.T) {
	tests := map[string]struct {
		scope             CacheScope
		gitRepoNamespaces []string // nil: every namespace
		cachesNamespaces  bool
	}{
		"own namespace": {
			scope:             CacheScope{Name: "wr", Namespace: "apps", SecretName: "wr-webhook"},
			gitRepoNamespaces: []string{"apps"},
		},
		"cross-namespace without namespace labels": {
			scope: CacheScope{Name: "wr", Namespace: "apps", SecretName: "wr-webhook", AllNamespaces: true},
		},
		"cross-namespace with namespace labels": {
			scope:            CacheScope{Name: "wr", Namespace: "apps", SecretName: "wr-webhook", AllNamespaces: true, NamespaceLabels: true},
			cachesNamespaces: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := CacheOptions(tc.scope)
			byType := map[string]cache.ByObject{}
			for obj, by := range opts.ByObject {
				switch obj.(type) {
				case *v1alpha1.WebhookReceiver:
					byType["WebhookReceiver"] = by
				case *corev1.Secret:
					byType["Secret"] = by
				case *fleet.GitRepo:
					byType["GitRepo"] = by
				case *corev1.Namespace:
					byType["Namespace"] = by
				default:
					t.Fatalf("unexpected cached type %T", obj)
				}
			}
			for kind, want := range map[string]string{"WebhookReceiver": "metadata.name=wr", "Secret": "metadata.name=wr-webhook"} {
				by := byType[kind]
				if by.Field == nil || by.Field.String() != want || !slices.Equal(slices.Collect(maps.Keys(by.Namespaces)), []string{"apps"}) {
					t.Errorf("%s cached with field %v in %v, want %s in apps only", kind, by.Field, by.Namespaces, want)
				}
			}
			gr, ok := byType["GitRepo"]
			if !ok || gr.Transform == nil {
				t.Fatal("GitRepos not cached through the transform")
			}
			if got := slices.Collect(maps.Keys(gr.Namespaces)); !slices.Equal(got, tc.gitRepoNamespaces) {
				t.Errorf("GitRepos cached in %v, want %v", got, tc.gitRepoNamespaces)
			}
			if _, ok := byType["Namespace"]; ok != tc.cachesNamespaces {
				t.Errorf("Namespaces cached = %v, want %v", ok, tc.cachesNamespaces)
			}
			if opts.DefaultTransform == nil {
				t.Error("no default transform: managed fields are cached")
			}
		})
	}
}
