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

// The finalizer guards the one child owner references cannot collect: the
// ClusterRoleBinding of a cross-namespace receiver. It is added before the
// binding exists and removed only after the binding is gone.

// finalize removes the ClusterRoleBinding of a deleted receiver, then the
// finalizer. Namespaced children go by garbage collection.
func (r *WebhookReceiverReconciler) finalize(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if !controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer) {
		return nil
	}
	return r.dropClusterRoleBinding(ctx, wr)
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
// cross-namespace, once applyChildren has removed its ClusterRoleBinding.
func (r *WebhookReceiverReconciler) releaseFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if wr.Spec.Targets.CrossNamespace() || !controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer) {
		return nil
	}
	return r.patchFinalizer(ctx, wr, false)
}

// dropClusterRoleBinding removes a receiver's ClusterRoleBinding and then
// its finalizer. With the finalizer set the binding may exist before the
// cache shows it, so it is deleted outright; without it, only when the
// cache shows one left over, so a receiver that never had one costs no write.
func (r *WebhookReceiverReconciler) dropClusterRoleBinding(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	crb := &rbacv1.ClusterRoleBinding{}
	crb.Name = render.ClusterRoleBindingName(wr)
	hasFinalizer := controllerutil.ContainsFinalizer(wr, v1alpha1.ClusterRBACFinalizer)
	if !hasFinalizer {
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
	if !hasFinalizer {
		return nil
	}
	return r.patchFinalizer(ctx, wr, false)
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
