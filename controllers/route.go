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
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// A receiver exposed through spec.gateway serves requests only once every
// parent Gateway has accepted its HTTPRoute; the Gateway controller says so
// in the HTTPRoute's status.parents, which Ready follows.

// routeState is what the HTTPRoute's status says about our parentRefs.
type routeState struct {
	// refused names the parents that reported the route not Accepted or
	// its references not resolved, with their reasons.
	refused []string
	// pending names the parents that have not reported on the current
	// generation of the route.
	pending []string
}

// observeRoute reads the receiver's HTTPRoute and sums up its parents'
// status; nil for an Ingress receiver.
func (r *WebhookReceiverReconciler) observeRoute(ctx context.Context, wr *v1alpha1.WebhookReceiver) (*routeState, error) {
	if wr.Spec.Gateway == nil {
		return nil, nil
	}
	route := &gatewayv1.HTTPRoute{}
	err := r.Get(ctx, types.NamespacedName{Namespace: wr.Namespace, Name: render.IngressName(wr)}, route)
	if apierrors.IsNotFound(err) {
		// Just applied, not in the cache yet: the next pass sees it.
		route = nil
	} else if err != nil {
		return nil, fmt.Errorf("reading HTTPRoute: %w", err)
	}
	st := routeStatus(wr, route)
	return &st, nil
}

// routeStatus checks, for every parentRef of spec.gateway, the
// status.parents entries a Gateway controller wrote for it: Accepted and
// ResolvedRefs must be True for the route's current generation.
func routeStatus(wr *v1alpha1.WebhookReceiver, route *gatewayv1.HTTPRoute) routeState {
	var st routeState
	for _, ref := range wr.Spec.Gateway.ParentRefs {
		name := parentName(ref, wr.Namespace)
		var reports []gatewayv1.RouteParentStatus
		if route != nil {
			for _, p := range route.Status.Parents {
				if sameParent(p.ParentRef, ref, wr.Namespace) {
					reports = append(reports, p)
				}
			}
		}
		if len(reports) == 0 {
			st.pending = append(st.pending, name+": no Gateway controller has reported on it yet (check that the Gateway exists and that a controller serves its GatewayClass)")
			continue
		}
		for _, p := range reports {
			refused, pending := parentVerdict(p.Conditions, route.Generation)
			switch {
			case refused != "":
				st.refused = append(st.refused, name+" "+refused)
			case pending != "":
				st.pending = append(st.pending, name+": "+pending)
			}
		}
	}
	return st
}

// parentVerdict reads one parent's conditions: why it refused the route,
// or why it is still pending; both empty when the route is accepted.
func parentVerdict(conds []metav1.Condition, generation int64) (refused, pending string) {
	for _, t := range []struct {
		typ  gatewayv1.RouteConditionType
		verb string
	}{
		{gatewayv1.RouteConditionAccepted, "did not accept the HTTPRoute"},
		{gatewayv1.RouteConditionResolvedRefs, "cannot resolve the HTTPRoute's backend"},
	} {
		c := meta.FindStatusCondition(conds, string(t.typ))
		switch {
		case c == nil || (c.ObservedGeneration != 0 && c.ObservedGeneration < generation):
			return "", fmt.Sprintf("%s not reported for generation %d yet", t.typ, generation)
		case c.Status == metav1.ConditionFalse:
			return fmt.Sprintf("%s: %s: %s", t.verb, c.Reason, c.Message), ""
		case c.Status != metav1.ConditionTrue:
			return "", fmt.Sprintf("%s is %s (%s: %s)", t.typ, c.Status, c.Reason, c.Message)
		}
	}
	return "", ""
}

// stall is the RouteNotAccepted stall when a parent refused the route.
func (s *routeState) stall() *stall {
	if s == nil || len(s.refused) == 0 {
		return nil
	}
	return &stall{reason: v1alpha1.ReasonRouteNotAccepted, message: strings.Join(s.refused, "; ")}
}

// waiting says what the receiver still waits for, "" when every parent
// accepted the route (or there is no route).
func (s *routeState) waiting() string {
	if s == nil || len(s.pending) == 0 {
		return ""
	}
	return "waiting for the Gateway to accept the route: " + strings.Join(s.pending, "; ")
}

// sameParent compares a status.parents reference with a spec one, filling
// the API's defaults (group gateway.networking.k8s.io, kind Gateway, the
// route's namespace).
func sameParent(a, b gatewayv1.ParentReference, routeNS string) bool {
	return parentName(a, routeNS) == parentName(b, routeNS) &&
		ptr.Deref(a.SectionName, "") == ptr.Deref(b.SectionName, "") &&
		ptr.Deref(a.Port, 0) == ptr.Deref(b.Port, 0)
}

// parentName is how messages name a parent: "Gateway ns/name", plus the
// listener when one is given.
func parentName(ref gatewayv1.ParentReference, routeNS string) string {
	kind := string(ptr.Deref(ref.Kind, "Gateway"))
	if g := string(ptr.Deref(ref.Group, gatewayv1.GroupName)); g != gatewayv1.GroupName {
		kind += "." + g
	}
	s := fmt.Sprintf("%s %s/%s", kind, ptr.Deref(ref.Namespace, gatewayv1.Namespace(routeNS)), ref.Name)
	if ref.SectionName != nil {
		s += " (sectionName " + string(*ref.SectionName) + ")"
	}
	if ref.Port != nil {
		s += fmt.Sprintf(" (port %d)", *ref.Port)
	}
	return s
}
