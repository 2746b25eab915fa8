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
	"testing"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

// TestRepoIndexServesList pins SetupIndexes' index to the name and key form
// controller-runtime's cache reads: a List by the repo URL through the
// receiver's cache (compact entries included) finds exactly that GitRepo.
func TestRepoIndexServesList(t *testing.T) {
	c, stop := memCache(t, 3, true)
	defer stop()
	key, err := gitrepo.NormalizeURL(fatGitRepo(1).Spec.Repo)
	if err != nil {
		t.Fatal(err)
	}
	var list fleet.GitRepoList
	if err := c.List(context.Background(), &list, client.MatchingFields{gitrepo.IndexRepoURL: key}); err != nil {
		t.Fatalf("listing by %s: %v", gitrepo.IndexRepoURL, err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != fatGitRepo(1).Name || list.Items[0].Spec.Repo != fatGitRepo(1).Spec.Repo {
		t.Fatalf("List by %s = %d GitRepos %v, want %s", key, len(list.Items), list.Items, fatGitRepo(1).Name)
	}
	if err := c.List(context.Background(), &list, client.MatchingFields{gitrepo.IndexRepoURL: "github.com/org/none"}); err != nil || len(list.Items) != 0 {
		t.Fatalf("List of an unknown repository = %d GitRepos, %v; want none", len(list.Items), err)
	}
}
