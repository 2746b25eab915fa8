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
	"fmt"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

// repoIndexName and allNamespacesKey are the index name and value prefix
// controller-runtime's cache reads for a List with
// client.MatchingFields{gitrepo.IndexRepoURL: key} and no namespace
// (TestRepoIndexServesList pins them).
const (
	repoIndexName    = "field:" + gitrepo.IndexRepoURL
	allNamespacesKey = "__all_namespaces/"
)

// SetupIndexes registers the GitRepo repo-URL field index the dispatcher
// looks pushes up by. Call it before the cache starts.
//
// The index holds one entry per GitRepo, its all-namespaces key, so it is
// listed without a namespace (the matcher keeps the namespaces it may
// target itself). client.FieldIndexer would add a second, per-namespace
// entry to every GitRepo: with one repository per GitRepo, each entry is a
// set of its own, about 300 bytes, a fifth of what a cached GitRepo costs.
func SetupIndexes(ctx context.Context, informers cache.Informers) error {
	inf, err := informers.GetInformer(ctx, &fleet.GitRepo{})
	if err != nil {
		return fmt.Errorf("indexing GitRepos by %s: %w", gitrepo.IndexRepoURL, err)
	}
	err = inf.AddIndexers(toolscache.Indexers{repoIndexName: func(obj any) ([]string, error) {
		o, ok := obj.(client.Object)
		if !ok {
			return nil, nil
		}
		keys := gitrepo.IndexFunc(o)
		for i := range keys {
			keys[i] = allNamespacesKey + keys[i]
		}
		return keys, nil
	}})
	if err != nil {
		return fmt.Errorf("indexing GitRepos by %s: %w", gitrepo.IndexRepoURL, err)
	}
	return nil
}
