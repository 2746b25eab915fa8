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
	"fmt"
	"strings"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// MatchRef reports whether a push event triggers a GitRepo by ref, and if
// not, why (for the response body and logs):
//   - a deleted ref never matches;
//   - spec.revision set: only a tag push of exactly that tag (Fleet pins the
//     GitRepo to the revision, so branch pushes are irrelevant to it);
//   - spec.branch set: a push of exactly that branch;
//   - neither: a push of master, whatever the repository's default branch.
//     Fleet clones master for such a GitRepo (its gitjob and git fetch both
//     default to it), so only a master push changes what it deploys; Fleet's
//     own handler triggers it on every push, which makes it re-check master.
func MatchRef(spec *fleet.GitRepoSpec, ev *push.Event) (bool, string) {
	switch {
	case ev.Deleted:
		return false, fmt.Sprintf("ref %s was deleted", ev.Ref)
	case spec.Revision != "":
		rev := strings.TrimPrefix(spec.Revision, "refs/tags/")
		if ev.Tag != "" && ev.Tag == rev {
			return true, ""
		}
		return false, fmt.Sprintf("revision %s is pinned, push is %s", spec.Revision, pushedRef(ev))
	case spec.Branch != "":
		if ev.Branch != "" && ev.Branch == spec.Branch {
			return true, ""
		}
		return false, fmt.Sprintf("branch %s, push is %s", spec.Branch, pushedRef(ev))
	case ev.Branch != FleetDefaultBranch:
		return false, fmt.Sprintf("no branch set (Fleet deploys %s), push is %s", FleetDefaultBranch, pushedRef(ev))
	}
	return true, ""
}

// FleetDefaultBranch is the branch Fleet deploys from a GitRepo that sets
// neither spec.branch nor spec.revision.
const FleetDefaultBranch = "master"

func pushedRef(ev *push.Event) string {
	switch {
	case ev.Branch != "":
		return "branch " + ev.Branch
	case ev.Tag != "":
		return "tag " + ev.Tag
	}
	return "ref " + ev.Ref
}

// Scope is a WebhookReceiver's spec.targets, compiled.
type Scope struct {
	// Namespace is the WebhookReceiver's own namespace.
	Namespace string
	// NamespaceSelector is nil when only Namespace may be targeted.
	NamespaceSelector labels.Selector
	// Selector selects GitRepos by label; never nil.
	Selector labels.Selector
	// PathAware skips GitRepos whose paths the push did not touch (see
	// PathsChanged).
	PathAware bool
}

// NewScope compiles a WebhookReceiver's targets.
func NewScope(wr *v1alpha1.WebhookReceiver) (Scope, error) {
	s := Scope{Namespace: wr.Namespace, Selector: labels.Everything(), PathAware: wr.Spec.Targets.PathAware}
	if wr.Spec.Targets.CrossNamespace() {
		sel, err := metav1.LabelSelectorAsSelector(wr.Spec.Targets.NamespaceSelector)
		if err != nil {
			return Scope{}, fmt.Errorf("targets.namespaceSelector: %w", err)
		}
		s.NamespaceSelector = sel
	}
	if t := wr.Spec.Targets.Selector; t != nil {
		sel, err := metav1.LabelSelectorAsSelector(t)
		if err != nil {
			return Scope{}, fmt.Errorf("targets.selector: %w", err)
		}
		s.Selector = sel
	}
	return s, nil
}

// CrossNamespace reports whether namespaces other than the receiver's own
// may be targeted: Targets.CrossNamespace of the compiled targets.
func (s Scope) CrossNamespace() bool { return s.NamespaceSelector != nil }

// AllowsNamespace reports whether GitRepos in namespace ns (with the given
// labels; nil when unknown) are in scope. Unknown labels are replaced by the
// immutable kubernetes.io/metadata.name label the API server sets on every
// namespace, so a selector on other labels fails closed.
func (s Scope) AllowsNamespace(ns string, nsLabels map[string]string) bool {
	if s.NamespaceSelector == nil {
		return ns == s.Namespace
	}
	if nsLabels == nil {
		nsLabels = map[string]string{corev1.LabelMetadataName: ns}
	}
	return s.NamespaceSelector.Matches(labels.Set(nsLabels))
}

// Selects reports whether a GitRepo's labels are selected.
func (s Scope) Selects(gr *fleet.GitRepo) bool {
	return s.Selector.Matches(labels.Set(gr.Labels))
}
