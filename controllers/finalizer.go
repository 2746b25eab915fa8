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

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// The finalizer guards the children owner references cannot collect: the
// ClusterRoleBinding of a cross-namespace receiver and its webhook Secret
// grants in other namespaces. It is added before they exist and removed
// only after they are gone.

// finalize removes the cluster-wide and other-namespace RBAC of a deleted
// receiver, then the finalizer. Namespaced children go by garbage
// collection.
func (r *WebhookReceiverReconciler) finalize(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if !controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer) {
		return nil
	}
	return r.dropCrossNamespaceRBAC(ctx, wr)
}

// ensureFinalizer adds the finalizer to a cross-namespace receiver before its
// ClusterRoleBinding exists, so the binding can never leak.
func (r *WebhookReceiverReconciler) ensureFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if !wr.Spec.Targets.CrossNamespace() || controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer) {
		return nil
	}
	return r.patchFinalizer(ctx, wr, true)
}

// releaseFinalizer drops the finalizer of a receiver that is no longer
// cross-namespace, once its cross-namespace RBAC is gone (applyChildren
// removed what the cache shows; this also removes what it may not show yet).
func (r *WebhookReceiverReconciler) releaseFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if wr.Spec.Targets.CrossNamespace() || !controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer) {
		return nil
	}
	return r.dropCrossNamespaceRBAC(ctx, wr)
}

// dropCrossNamespaceRBAC removes a receiver's ClusterRoleBinding and its
// Roles and RoleBindings in other namespaces, and then its finalizer. With
// the finalizer set they may exist before the cache shows them, so the
// binding is deleted outright and the others are listed from the API
// server; without it, only what the cache shows left over is deleted, so a
// receiver that never had any costs no write.
func (r *WebhookReceiverReconciler) dropCrossNamespaceRBAC(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	hasFinalizer := controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer)
	if err := r.dropClusterRoleBinding(ctx, wr, hasFinalizer); err != nil {
		return err
	}
	var reader client.Reader = r.Client
	if hasFinalizer {
		reader = r.APIReader
	}
	foreign, err := foreignGrants(ctx, reader, wr)
	if err != nil {
		return err
	}
	for _, obj := range foreign {
		if err := r.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s %s/%s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetNamespace(), obj.GetName(), err)
		}
	}
	if !hasFinalizer {
		return nil
	}
	return r.patchFinalizer(ctx, wr, false)
}

// dropClusterRoleBinding deletes the receiver's ClusterRoleBinding: outright
// when sure is set, else only when the cache shows one.
func (r *WebhookReceiverReconciler) dropClusterRoleBinding(ctx context.Context, wr *v1alpha1.WebhookReceiver, sure bool) error {
	crb := &rbacv1.ClusterRoleBinding{}
	crb.Name = render.ClusterRoleBindingName(wr)
	if !sure {
		err := r.Get(ctx, client.ObjectKeyFromObject(crb), crb)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading ClusterRoleBinding %s: %w", crb.Name, err)
		}
	}
	if err := r.Delete(ctx, crb); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting ClusterRoleBinding %s: %w", crb.Name, err)
	}
	return nil
}

// patchFinalizer adds or removes the finalizer. The optimistic lock matters: a
// merge patch replaces the whole finalizers list, so without it a finalizer
// added meanwhile by someone else would be lost.
func (r *WebhookReceiverReconciler) patchFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver, add bool) error {
	patch := client.MergeFromWithOptions(wr.DeepCopy(), client.MergeFromWithOptimisticLock{})
	what := "adding"
	if add {
		controllerutil.AddFinalizer(wr, v1alpha1.ClusterRBACFinalizer)
	} else {
		what = "removing"
		controllerutil.RemoveFinalizer(wr, v1alpha1.ClusterRBACFinalizer)
	}
	if err := r.Patch(ctx, wr, patch); err != nil {
		return fmt.Errorf("%s finalizer: %w", what, err)
	}
	return nil
}
