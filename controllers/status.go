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
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// settleRequeueAfter: after a reconcile that wrote children, look again once
// the cache has caught up; that pass normally changes nothing and settles
// the status.
const settleRequeueAfter = 2 * time.Second

// observation is what one reconcile found; the status is computed from it
// alone.
type observation struct {
	// stall is set when a step found that the spec cannot work yet.
	stall *stall
	// changed: the reconcile created, updated or deleted a child.
	changed bool
	// deployment is the receiver Deployment after the children were
	// applied; nil when it does not exist or the reconcile stalled first.
	deployment *appsv1.Deployment
	// route is what the parent Gateways report on the HTTPRoute; nil for
	// an Ingress receiver or when the reconcile stalled first.
	route *routeState
}

// summarize ends every reconcile that got past the deletion check. A
// transient error goes back to the workqueue for backoff, status untouched;
// a stall or a completed pass is written to status, once, if it changed.
func (r *WebhookReceiverReconciler) summarize(ctx context.Context, wr *v1alpha1.WebhookReceiver, obs observation, err error) (ctrl.Result, error) {
	if err != nil {
		st, ok := asStall(err)
		if !ok {
			return ctrl.Result{}, err
		}
		obs.stall = st
		log.FromContext(ctx).V(1).Info("stalled", "reason", st.reason, "message", st.message)
	}
	if err := r.patchStatus(ctx, wr, obs); err != nil {
		return ctrl.Result{}, err
	}
	return resultFor(obs, r.MissingCRDRequeueAfter), nil
}

// resultFor says when to look again: a stall whose cause is not watched
// after crdRequeueAfter, a pass that wrote children once it has settled.
func resultFor(obs observation, crdRequeueAfter time.Duration) ctrl.Result {
	switch {
	case obs.stall != nil && obs.stall.requeue:
		return ctrl.Result{RequeueAfter: crdRequeueAfter}
	case obs.stall != nil:
		return ctrl.Result{}
	case obs.changed:
		return ctrl.Result{RequeueAfter: settleRequeueAfter}
	}
	return ctrl.Result{}
}

// patchStatus writes the status computed from obs when it differs from the
// one read. A Warning Event marks a new stall (or a changed reason).
func (r *WebhookReceiverReconciler) patchStatus(ctx context.Context, wr *v1alpha1.WebhookReceiver, obs observation) error {
	base := wr.DeepCopy()
	wr.Status = computeStatus(wr, obs, metav1.Now())
	if equality.Semantic.DeepEqual(base.Status, wr.Status) {
		return nil
	}
	if obs.stall != nil && stallIsNew(base.Status.Conditions, obs.stall) {
		r.Recorder.Eventf(wr, nil, corev1.EventTypeWarning, obs.stall.reason, "Reconcile", "%s", obs.stall.message)
	}
	if err := r.Status().Patch(ctx, wr, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	return nil
}

// computeStatus is the receiver's status after a reconcile that found obs;
// now is the transition time of a condition whose status changes.
func computeStatus(wr *v1alpha1.WebhookReceiver, obs observation, now metav1.Time) v1alpha1.WebhookReceiverStatus {
	s := *wr.Status.DeepCopy()
	s.ObservedGeneration = wr.Generation
	s.URL = render.URL(wr)
	s.SecretName = wr.SecretNameOrDefault()
	s.ReadyReplicas = 0
	if obs.deployment != nil {
		s.ReadyReplicas = obs.deployment.Status.ReadyReplicas
	}
	for _, c := range conditionsFor(wr, obs, s.URL) {
		c.ObservedGeneration = wr.Generation
		c.LastTransitionTime = now
		meta.SetStatusCondition(&s.Conditions, c)
	}
	sort.SliceStable(s.Conditions, func(i, j int) bool { return s.Conditions[i].Type < s.Conditions[j].Type })
	return s
}

// conditionsFor are the Stalled, Reconciling and Ready conditions (kstatus):
// a stall, then a pass that wrote children, then the Deployment's
// availability, then the parent Gateways' acceptance of the HTTPRoute
// decide them, in that order.
func conditionsFor(wr *v1alpha1.WebhookReceiver, obs observation, url string) []metav1.Condition {
	cond := func(t string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: t, Status: status, Reason: reason, Message: msg}
	}
	notStalled := cond(v1alpha1.ConditionStalled, metav1.ConditionFalse, v1alpha1.ReasonNotStalled, msgNotStalled)
	switch {
	case obs.stall != nil:
		st := obs.stall
		msg := stallMessage(st)
		return []metav1.Condition{
			cond(v1alpha1.ConditionStalled, metav1.ConditionTrue, st.reason, msg),
			cond(v1alpha1.ConditionReconciling, metav1.ConditionFalse, st.reason, "stalled: "+msg),
			cond(v1alpha1.ConditionReady, metav1.ConditionFalse, st.reason, msg),
		}
	case obs.changed:
		const msg = "applying the receiver's objects"
		return []metav1.Condition{
			notStalled,
			cond(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonProgressing, msg),
			cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonProgressing, msg),
		}
	case !deploymentAvailable(obs.deployment):
		msg := fmt.Sprintf("waiting for Deployment %s to become available", render.ReceiverName(wr))
		return []metav1.Condition{
			notStalled,
			cond(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonDeploymentNotAvailable, msg),
			cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotAvailable, msg),
		}
	case obs.route.waiting() != "":
		msg := obs.route.waiting()
		return []metav1.Condition{
			notStalled,
			cond(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonRoutePending, msg),
			cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonRoutePending, msg),
		}
	}
	return []metav1.Condition{
		notStalled,
		cond(v1alpha1.ConditionReconciling, metav1.ConditionFalse, v1alpha1.ReasonReady, msgUpToDate),
		cond(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonReady, "the receiver is available at "+url),
	}
}

// Messages of the conditions that report nothing wrong: kubectl describe
// and alerts show them, so they say so in words rather than stay empty.
const (
	msgNotStalled = "not stalled: the spec and the cluster have everything the receiver needs"
	msgUpToDate   = "up to date: every child is applied as desired"
)

// stallMessage is the stall's message, or, should a cause ever come without
// text, one that still names the reason and where to look.
func stallMessage(st *stall) string {
	if strings.TrimSpace(st.message) != "" {
		return st.message
	}
	return fmt.Sprintf("stalled with reason %s and no further detail from the cause: see the operator's log for this WebhookReceiver", st.reason)
}

// stallIsNew reports whether st differs from the Stalled condition in prev,
// so its Warning Event is emitted once, not on every reconcile.
func stallIsNew(prev []metav1.Condition, st *stall) bool {
	c := meta.FindStatusCondition(prev, v1alpha1.ConditionStalled)
	return c == nil || c.Status != metav1.ConditionTrue || c.Reason != st.reason || c.Message != st.message
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	if d == nil || d.Status.ObservedGeneration < d.Generation {
		return false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// observeDeployment reads the receiver Deployment, nil when it does not exist.
func (r *WebhookReceiverReconciler) observeDeployment(ctx context.Context, wr *v1alpha1.WebhookReceiver) (*appsv1.Deployment, error) {
	d := &appsv1.Deployment{}
	if err := r.Get(ctx, types.NamespacedName{Namespace: wr.Namespace, Name: render.ReceiverName(wr)}, d); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading Deployment: %w", err)
	}
	return d, nil
}
