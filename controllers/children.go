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
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/apply"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// children is what one reconcile converges on.
type children struct {
	// desired are applied, in order (the Secret first, so the Deployment
	// never starts without it).
	desired []client.Object
	// unwanted are what an earlier spec may have left behind; deleted if ours.
	unwanted []client.Object
}

// renderParams are the operator-wide inputs of the render builders.
func (r *WebhookReceiverReconciler) renderParams(flavor v1alpha1.Flavor) render.Params {
	return render.Params{Image: r.ReceiverImage, ReceiverClusterRole: r.ReceiverClusterRole, Flavor: flavor}
}

// desiredChildren decides, from the receiver (with its finalizer state), its
// Secret, the optional CRDs the cluster serves and the webhook Secrets to
// grant, which children must exist and which must not.
func desiredChildren(wr *v1alpha1.WebhookReceiver, secret *corev1.Secret, p render.Params, crds optionalCRDs, g secretGrants) children {
	c := children{desired: []client.Object{
		secret,
		render.ServiceAccount(wr),
		render.Role(wr, g.byNamespace[wr.Namespace]),
		render.RoleBinding(wr),
		render.Deployment(wr, p),
		render.Service(wr),
	}}
	c.addForeignGrants(wr, g)
	if wr.Spec.Targets.CrossNamespace() {
		c.desired = append(c.desired, render.ClusterRoleBinding(wr, p))
		c.unwanted = append(c.unwanted, render.GitRepoRoleBinding(wr, p))
	} else {
		c.desired = append(c.desired, render.GitRepoRoleBinding(wr, p))
		// Only a receiver that was cross-namespace (it has the finalizer) can
		// have a ClusterRoleBinding to remove.
		if controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer) {
			c.unwanted = append(c.unwanted, render.ClusterRoleBinding(wr, p))
		}
	}
	if render.NeedsPDB(wr) {
		c.desired = append(c.desired, render.PodDisruptionBudget(wr))
	} else {
		c.unwanted = append(c.unwanted, render.PodDisruptionBudget(wr))
	}
	if wr.Spec.Ingress != nil {
		c.desired = append(c.desired, render.Ingress(wr, p))
		if crds.httpRoute {
			c.unwanted = append(c.unwanted, render.HTTPRoute(wr))
		}
	} else {
		c.desired = append(c.desired, render.HTTPRoute(wr))
		c.unwanted = append(c.unwanted, render.Ingress(wr, p))
	}
	if render.NeedsMiddleware(wr, p.Flavor) {
		c.desired = append(c.desired, render.Middleware(wr))
	} else if crds.middleware {
		c.unwanted = append(c.unwanted, render.Middleware(wr))
	}
	return c
}

// addForeignGrants adds a Role and RoleBinding in every other namespace
// with webhook Secrets to grant, and marks the ones of namespaces without
// any as unwanted.
func (c *children) addForeignGrants(wr *v1alpha1.WebhookReceiver, g secretGrants) {
	namespaces := slices.Sorted(maps.Keys(g.byNamespace))
	for _, ns := range namespaces {
		if ns != wr.Namespace {
			c.desired = append(c.desired, render.WebhookSecretRole(wr, ns, g.byNamespace[ns]), render.WebhookSecretRoleBinding(wr, ns))
		}
	}
	for _, obj := range g.foreign {
		if _, granted := g.byNamespace[obj.GetNamespace()]; !granted {
			c.unwanted = append(c.unwanted, obj)
		}
	}
}

// ownedBy says whether a live child belongs to wr: one in its namespace by
// its controller owner reference, a cluster-scoped one or one in another
// namespace by its owner labels.
func ownedBy(wr *v1alpha1.WebhookReceiver) func(live client.Object) bool {
	return func(live client.Object) bool {
		if live.GetNamespace() != wr.Namespace {
			l := live.GetLabels()
			return l[render.LabelOwnerNamespace] == wr.Namespace && l[render.LabelOwnerName] == wr.Name
		}
		return metav1.IsControlledBy(live, wr)
	}
}

// applyChildren applies the desired children, then deletes the unwanted ones,
// recording every write in changes. A child the API server refuses as invalid
// (e.g. a name too long for a Service) is a stall: retrying cannot help.
func (r *WebhookReceiverReconciler) applyChildren(ctx context.Context, wr *v1alpha1.WebhookReceiver, c children, changes *childChanges) error {
	a := apply.Applier{Client: r.Client}
	for _, obj := range c.desired {
		action, err := a.Ensure(ctx, obj)
		if apierrors.IsInvalid(err) {
			return &stall{reason: v1alpha1.ReasonInvalidChild, message: err.Error()}
		}
		if err != nil {
			return err
		}
		changes.record(ctx, action, obj)
	}
	owned := ownedBy(wr)
	for _, obj := range c.unwanted {
		action, err := a.Remove(ctx, obj, owned)
		if err != nil {
			return err
		}
		changes.record(ctx, action, obj)
	}
	return nil
}

// childChanges collects what one reconcile wrote, for its Events.
type childChanges struct {
	created, updated, deleted []string
}

func (c *childChanges) any() bool {
	return len(c.created)+len(c.updated)+len(c.deleted) > 0
}

// record notes and logs a write; the render builders set every child's kind.
func (c *childChanges) record(ctx context.Context, action apply.Action, obj client.Object) {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	what := kind + " " + obj.GetName()
	switch action {
	case apply.Created:
		c.created = append(c.created, what)
	case apply.Updated:
		c.updated = append(c.updated, what)
	case apply.Deleted:
		c.deleted = append(c.deleted, what)
	default:
		return
	}
	log.FromContext(ctx).Info(strings.ToLower(string(action))+" child", "kind", kind, "name", obj.GetName())
}

// emitChanges emits one Event per kind of change and reconcile, listing the
// children: the events.k8s.io API folds same-reason Events of one object into
// a series and would drop the later children's names.
func (r *WebhookReceiverReconciler) emitChanges(wr *v1alpha1.WebhookReceiver, c *childChanges) {
	for _, e := range []struct {
		reason, action string
		what           []string
	}{
		{"Created", "Create", c.created},
		{"Updated", "Update", c.updated},
		{"Deleted", "Delete", c.deleted},
	} {
		if len(e.what) == 0 {
			continue
		}
		note := strings.ToLower(e.reason) + " " + strings.Join(e.what, ", ")
		if len(note) > 1000 { // the Events API limit is 1 kB
			note = note[:997] + "..."
		}
		r.Recorder.Eventf(wr, nil, corev1.EventTypeNormal, e.reason, e.action, "%s", note)
	}
}
