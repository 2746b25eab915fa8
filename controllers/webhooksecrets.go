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

package controllers

import (
	"context"
	"fmt"
	"maps"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// The receiver reads the Secrets GitRepos name in spec.webhookSecret; the
// operator grants it exactly those (render.WebhookSecretGrants) and keeps
// the grants in step with the GitRepos, their labels and, for a
// cross-namespace receiver, the namespaces' labels.

// secretGrants is what a receiver's webhook Secret RBAC is computed from.
type secretGrants struct {
	// byNamespace are the Secrets to grant.
	byNamespace render.WebhookSecretGrants
	// foreign are the Roles and RoleBindings the receiver has in other
	// namespaces now, to remove where nothing is granted any more.
	foreign []client.Object
}

// gatherSecretGrants reads the GitRepos inside wr's targets, the labels of
// the namespaces a cross-namespace receiver may target, and the grants it
// has in other namespaces (all from the cache). Without the GitRepo CRD
// there is nothing to grant.
func (r *WebhookReceiverReconciler) gatherSecretGrants(ctx context.Context, wr *v1alpha1.WebhookReceiver, crds optionalCRDs) (secretGrants, error) {
	g := secretGrants{byNamespace: render.WebhookSecretGrants{}}
	var err error
	if g.foreign, err = foreignGrants(ctx, r.Client, wr); err != nil {
		return g, err
	}
	if !crds.gitRepo {
		return g, nil
	}
	scope, err := gitrepo.NewScope(wr)
	if err != nil {
		return g, &stall{reason: v1alpha1.ReasonInvalidTargets, message: fmt.Sprintf("spec.targets cannot select GitRepos: %v", err)}
	}
	var repos fleet.GitRepoList
	var nsLabels map[string]map[string]string
	if scope.CrossNamespace() {
		if err := r.List(ctx, &repos); err != nil {
			return g, fmt.Errorf("listing GitRepos: %w", err)
		}
		if nsLabels, err = r.namespaceLabels(ctx); err != nil {
			return g, err
		}
	} else if err := r.List(ctx, &repos, client.InNamespace(wr.Namespace)); err != nil {
		return g, fmt.Errorf("listing GitRepos: %w", err)
	}
	g.byNamespace = render.GrantWebhookSecrets(inScope(scope, repos.Items, nsLabels))
	return g, nil
}

// inScope keeps the GitRepos the receiver's targets include.
func inScope(scope gitrepo.Scope, repos []fleet.GitRepo, nsLabels map[string]map[string]string) []fleet.GitRepo {
	var out []fleet.GitRepo
	for i := range repos {
		gr := &repos[i]
		if scope.AllowsNamespace(gr.Namespace, nsLabels[gr.Namespace]) && scope.Selects(gr) {
			out = append(out, *gr)
		}
	}
	return out
}

// namespaceLabels are the labels of every namespace, from the metadata-only
// Namespace cache.
func (r *WebhookReceiverReconciler) namespaceLabels(ctx context.Context) (map[string]map[string]string, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NamespaceList"))
	if err := r.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing Namespaces: %w", err)
	}
	out := make(map[string]map[string]string, len(list.Items))
	for _, ns := range list.Items {
		out[ns.Name] = ns.Labels
	}
	return out, nil
}

// foreignGrants lists the Roles and RoleBindings wr has in namespaces other
// than its own, by their owner labels.
func foreignGrants(ctx context.Context, c client.Reader, wr *v1alpha1.WebhookReceiver) ([]client.Object, error) {
	owner := client.MatchingLabels{render.LabelOwnerNamespace: wr.Namespace, render.LabelOwnerName: wr.Name}
	var roles rbacv1.RoleList
	if err := c.List(ctx, &roles, owner); err != nil {
		return nil, fmt.Errorf("listing the receiver's Roles: %w", err)
	}
	var bindings rbacv1.RoleBindingList
	if err := c.List(ctx, &bindings, owner); err != nil {
		return nil, fmt.Errorf("listing the receiver's RoleBindings: %w", err)
	}
	// Typed lists carry no kind; the Events name children by it.
	var out []client.Object
	for i := range roles.Items {
		if roles.Items[i].Namespace != wr.Namespace {
			roles.Items[i].SetGroupVersionKind(rbacv1.SchemeGroupVersion.WithKind("Role"))
			out = append(out, &roles.Items[i])
		}
	}
	for i := range bindings.Items {
		if bindings.Items[i].Namespace != wr.Namespace {
			bindings.Items[i].SetGroupVersionKind(rbacv1.SchemeGroupVersion.WithKind("RoleBinding"))
			out = append(out, &bindings.Items[i])
		}
	}
	return out, nil
}

// gitRepoToReceivers maps a GitRepo to the receivers whose targets may
// include it: those in its namespace and every cross-namespace one (the
// reconcile applies the selectors).
func (r *WebhookReceiverReconciler) gitRepoToReceivers(ctx context.Context, o client.Object) []reconcile.Request {
	return r.receiversWhere(ctx, func(wr *v1alpha1.WebhookReceiver) bool {
		return wr.Namespace == o.GetNamespace() || wr.Spec.Targets.CrossNamespace()
	})
}

// namespaceToReceivers maps a Namespace whose labels changed to the
// cross-namespace receivers, whose namespaceSelector may now match it or not.
func (r *WebhookReceiverReconciler) namespaceToReceivers(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.receiversWhere(ctx, func(wr *v1alpha1.WebhookReceiver) bool { return wr.Spec.Targets.CrossNamespace() })
}

// webhookSecretChanged passes the GitRepo events that can change a grant:
// one that names a webhook Secret appears or goes, its name changes, or its
// labels or deletion change while it names one. Status writes (every push
// is one) do not reconcile receivers.
func webhookSecretChanged() predicate.Predicate {
	names := func(o client.Object) bool {
		gr, ok := o.(*fleet.GitRepo)
		return ok && gr.Spec.WebhookSecret != ""
	}
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return names(e.Object) },
		DeleteFunc: func(e event.DeleteEvent) bool { return names(e.Object) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, okO := e.ObjectOld.(*fleet.GitRepo)
			n, okN := e.ObjectNew.(*fleet.GitRepo)
			if !okO || !okN {
				return false
			}
			if o.Spec.WebhookSecret != n.Spec.WebhookSecret {
				return true
			}
			return n.Spec.WebhookSecret != "" && (!maps.Equal(o.Labels, n.Labels) ||
				o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero())
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// labelsChanged passes the updates of an object's labels.
func labelsChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return !maps.Equal(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
		},
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// slimGitRepo is the cache transform of GitRepos: the operator needs their
// names, labels and spec.webhookSecret, not their specs and status.
func slimGitRepo(obj any) (any, error) {
	gr, ok := obj.(*fleet.GitRepo)
	if !ok {
		return obj, nil
	}
	return &fleet.GitRepo{
		TypeMeta: gr.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name: gr.Name, Namespace: gr.Namespace, UID: gr.UID, ResourceVersion: gr.ResourceVersion,
			Generation: gr.Generation, Labels: gr.Labels, DeletionTimestamp: gr.DeletionTimestamp,
		},
		Spec: fleet.GitRepoSpec{WebhookSecret: gr.Spec.WebhookSecret},
	}, nil
}
