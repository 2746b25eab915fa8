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
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// IndexRepoURL is the cache field index holding each GitRepo's normalised
// spec.repo, so finding a push's GitRepos is one map lookup.
// The receiver's index holds cluster-wide keys only (one entry per GitRepo,
// see dispatch.SetupIndexes): List by it without client.InNamespace and
// filter namespaces afterwards; a List scoped to a namespace finds nothing.
const IndexRepoURL = "spec.repo.normalized"

// IndexFunc is the client.IndexerFunc for IndexRepoURL, on cache entries
// and on GitRepos. A GitRepo whose spec.repo does not parse is not indexed:
// no push can match it.
func IndexFunc(obj client.Object) []string {
	var repo string
	switch o := obj.(type) {
	case *cached:
		repo = o.repo
	case *fleet.GitRepo:
		repo = o.Spec.Repo
	default:
		return nil
	}
	key, err := NormalizeURL(repo)
	if err != nil {
		return nil
	}
	return []string{key}
}

// Transform is the cache transform for GitRepos: it keeps only what
// matching and writing read (identity, labels, the watch-paths annotation,
// repo, branch, revision, paths, pollingInterval, disablePolling,
// webhookSecret, status.webhookCommit), in a compact entry (see cached),
// and drops the rest (managedFields, other annotations such as
// last-applied-configuration, targets, status resources and conditions),
// so the receiver's memory stays small with many GitRepos. Anything that
// is not a GitRepo (such as a deletion tombstone, or an entry already
// transformed) passes through unchanged.
func Transform(obj any) (any, error) {
	gr, ok := obj.(*fleet.GitRepo)
	if !ok {
		return obj, nil
	}
	var annotations pairs
	if w, ok := gr.Annotations[v1alpha1.AnnotationWatchPaths]; ok {
		annotations = pairs{v1alpha1.AnnotationWatchPaths, w}
	}
	return &cached{
		ObjectMeta: metav1.ObjectMeta{
			Name:              gr.Name,
			Namespace:         gr.Namespace,
			UID:               gr.UID,
			ResourceVersion:   gr.ResourceVersion,
			Generation:        gr.Generation,
			DeletionTimestamp: gr.DeletionTimestamp,
		},
		labels:          pairsOf(gr.Labels),
		annotations:     annotations,
		repo:            gr.Spec.Repo,
		branch:          gr.Spec.Branch,
		revision:        gr.Spec.Revision,
		paths:           gr.Spec.Paths,
		pollingInterval: gr.Spec.PollingInterval,
		disablePolling:  gr.Spec.DisablePolling,
		webhookSecret:   gr.Spec.WebhookSecret,
		webhookCommit:   gr.Status.WebhookCommit,
	}, nil
}

// TransformNamespace is the cache transform for Namespaces, which the
// receiver only reads for targets.namespaceSelector: name and labels.
func TransformNamespace(obj any) (any, error) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return obj, nil
	}
	return &corev1.Namespace{
		TypeMeta: ns.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:            ns.Name,
			UID:             ns.UID,
			ResourceVersion: ns.ResourceVersion,
			Labels:          ns.Labels,
		},
	}, nil
}
