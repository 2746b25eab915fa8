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

// Package controllers holds the WebhookReceiver reconciler: it turns a
// WebhookReceiver into the running, exposed receiver (the desired objects
// come from internal/render, internal/apply writes them) and reports status.
package controllers

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// WebhookReceiverReconciler reconciles WebhookReceivers.
type WebhookReceiverReconciler struct {
	client.Client
	// APIReader reads past the cache: a Secret the operator has not
	// labelled (and so does not cache) before its watch has synced, and the
	// receiver Secret when the cache may lag behind a generated value.
	APIReader  client.Reader
	Recorder   recorder.EventRecorder
	RESTMapper meta.RESTMapper
	// ReceiverImage is the receiver container's image.
	ReceiverImage string
	// ReceiverClusterRole is the fixed ClusterRole receivers are bound to.
	ReceiverClusterRole string
	// CrossNamespaceNamespaces are the namespaces whose WebhookReceivers may
	// set spec.targets.namespaceSelector.
	CrossNamespaceNamespaces []string
	// MissingCRDRequeueAfter is how often a receiver Stalled on a missing CRD
	// looks again (CRDs are not watched). Default one minute.
	MissingCRDRequeueAfter time.Duration

	ctrl  controller.Controller
	cache cache.Cache
	// secrets watches, by name, the Secrets receivers read that the
	// operator did not label (the cache holds only labelled ones).
	secrets *secretWatches
	mu      sync.Mutex
	// watched records the optional CRD kinds (Middleware, HTTPRoute) that
	// have a watch; a kind installed after start gets one on first use.
	watched map[schema.GroupVersionKind]bool
}

// +kubebuilder:rbac:groups=gitops.webhook-operator.dev,resources=webhookreceivers,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=gitops.webhook-operator.dev,resources=webhookreceivers/status,verbs=get;patch
// +kubebuilder:rbac:groups=gitops.webhook-operator.dev,resources=webhookreceivers/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts;services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=fleet.cattle.io,resources=gitrepos,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings;clusterrolebindings,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=webhook-operator-receiver-role
// +kubebuilder:rbac:groups=traefik.io,resources=middlewares,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile converges one WebhookReceiver. A deleted one is finalized; any
// other goes through the steps of reconcileSteps, and whatever they found,
// a stall included, is reported once on the way out: Events for the
// children written, then the status, patched only when it changed.
func (r *WebhookReceiverReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	wr := &v1alpha1.WebhookReceiver{}
	if err := r.Get(ctx, req.NamespacedName, wr); err != nil {
		if apierrors.IsNotFound(err) {
			r.secrets.track(req.NamespacedName, nil)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !wr.DeletionTimestamp.IsZero() {
		r.secrets.track(req.NamespacedName, nil)
		return ctrl.Result{}, r.finalize(ctx, wr)
	}
	obs := &observation{}
	changes := &childChanges{}
	defer func() {
		r.emitChanges(wr, changes)
		obs.changed = changes.any()
		result, retErr = r.summarize(ctx, wr, *obs, retErr)
	}()
	return ctrl.Result{}, r.reconcileSteps(ctx, wr, obs, changes)
}

// reconcileSteps runs the steps in order; the first error (a stall is one)
// ends the pass. It records the writes in changes, and the receiver
// Deployment and the HTTPRoute's acceptance in obs.
func (r *WebhookReceiverReconciler) reconcileSteps(ctx context.Context, wr *v1alpha1.WebhookReceiver, obs *observation, changes *childChanges) error {
	// Watch first: a Secret created after the read below still reconciles.
	r.secrets.track(client.ObjectKeyFromObject(wr), secretNames(wr))
	in, err := r.gatherPreflight(ctx, wr)
	if err != nil {
		return err
	}
	flavor, err := preflight(in)
	if isStall(err, v1alpha1.ReasonCrossNamespaceNotAllowed) {
		// The operator does not (or no longer) allow this namespace to reach
		// others: take back the cluster-wide binding and the grants in other
		// namespaces now, not at deletion, or the running receiver keeps
		// cross-namespace access.
		if err := r.dropCrossNamespaceRBAC(ctx, wr); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	secret, err := r.desiredSecret(ctx, wr, in.secrets)
	if err != nil {
		return err
	}
	if err := r.ensureFinalizer(ctx, wr); err != nil {
		return err
	}
	if err := r.watchInstalled(in.crds); err != nil {
		return err
	}
	grants, err := r.gatherSecretGrants(ctx, wr, in.crds)
	if err != nil {
		return err
	}
	c := desiredChildren(wr, secret, r.renderParams(flavor), in.crds, grants)
	if err := r.applyChildren(ctx, wr, c, changes); err != nil {
		return err
	}
	if err := r.releaseFinalizer(ctx, wr); err != nil {
		return err
	}
	if obs.deployment, err = r.observeDeployment(ctx, wr); err != nil {
		return err
	}
	if obs.route, err = r.observeRoute(ctx, wr); err != nil {
		return err
	}
	if st := obs.route.stall(); st != nil {
		return st
	}
	return nil
}
