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
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// parentReport is what a Gateway controller reports for one parentRef.
type parentReport func(generation int64) []metav1.Condition

var routeAccepted parentReport = func(gen int64) []metav1.Condition {
	return []metav1.Condition{
		{Type: string(gatewayv1.RouteConditionAccepted), Status: metav1.ConditionTrue, Reason: "Accepted", Message: "accepted", ObservedGeneration: gen, LastTransitionTime: metav1.Now()},
		{Type: string(gatewayv1.RouteConditionResolvedRefs), Status: metav1.ConditionTrue, Reason: "ResolvedRefs", Message: "resolved", ObservedGeneration: gen, LastTransitionTime: metav1.Now()},
	}
}

func routeRefused(reason, message string) parentReport {
	return func(gen int64) []metav1.Condition {
		return []metav1.Condition{
			{Type: string(gatewayv1.RouteConditionAccepted), Status: metav1.ConditionFalse, Reason: reason, Message: message, ObservedGeneration: gen, LastTransitionTime: metav1.Now()},
		}
	}
}

// reportRoute writes the HTTPRoute's status as a Gateway controller would:
// one status.parents entry per spec.parentRefs entry, in order.
func reportRoute(ns, name string, reports ...parentReport) error {
	r := &gatewayv1.HTTPRoute{}
	if err := k8sClient.Get(ctx, key(ns, name), r); err != nil {
		return err
	}
	r.Status.Parents = nil
	for i, ref := range r.Spec.ParentRefs {
		r.Status.Parents = append(r.Status.Parents, gatewayv1.RouteParentStatus{
			ParentRef:      ref,
			ControllerName: "example.com/gateway-controller",
			Conditions:     reports[i](r.Generation),
		})
	}
	return k8sClient.Status().Update(ctx, r)
}

func TestRouteStatus(t *testing.T) {
	public := gatewayv1.ParentReference{Name: "public", Namespace: ptr.To(gatewayv1.Namespace("gateway-system")), SectionName: ptr.To(gatewayv1.SectionName("https"))}
	internal := gatewayv1.ParentReference{Name: "internal"}
	// status names the parent the way controllers often do: defaults spelled out.
	internalSpelledOut := gatewayv1.ParentReference{Name: "internal", Namespace: ptr.To(gatewayv1.Namespace("fleet-local")),
		Group: ptr.To(gatewayv1.Group(gatewayv1.GroupName)), Kind: ptr.To(gatewayv1.Kind("Gateway"))}
	otherListener := public
	otherListener.SectionName = ptr.To(gatewayv1.SectionName("http"))
	entry := func(ref gatewayv1.ParentReference, r parentReport, gen int64) gatewayv1.RouteParentStatus {
		return gatewayv1.RouteParentStatus{ParentRef: ref, ControllerName: "example.com/gw", Conditions: r(gen)}
	}
	unresolved := func(gen int64) []metav1.Condition {
		c := routeAccepted(gen)
		c[1].Status, c[1].Reason, c[1].Message = metav1.ConditionFalse, "BackendNotFound", "Service fleet-receiver not found"
		return c
	}
	acceptedUnknown := func(gen int64) []metav1.Condition {
		c := routeAccepted(gen)
		c[0].Status, c[0].Reason, c[0].Message = metav1.ConditionUnknown, "Pending", "reconciling"
		return c
	}
	cases := map[string]struct {
		parents     []gatewayv1.RouteParentStatus
		noRoute     bool
		wantRefused []string // parts of the RouteNotAccepted message; nil: no stall
		wantWaiting []string // parts of the waiting message; nil: not waiting
	}{
		"both accepted": {parents: []gatewayv1.RouteParentStatus{entry(public, routeAccepted, 2), entry(internalSpelledOut, routeAccepted, 2)}},
		"route not in the cache yet": {noRoute: true,
			wantWaiting: []string{"waiting for the Gateway to accept the route", "Gateway gateway-system/public (sectionName https): no Gateway controller has reported", "Gateway fleet-local/internal"}},
		"no status at all": {
			wantWaiting: []string{"waiting for the Gateway to accept the route", "check that the Gateway exists and that a controller serves its GatewayClass"}},
		"one parent not reported": {parents: []gatewayv1.RouteParentStatus{entry(public, routeAccepted, 2)},
			wantWaiting: []string{"Gateway fleet-local/internal: no Gateway controller"}},
		"another listener of the same Gateway is not ours": {parents: []gatewayv1.RouteParentStatus{entry(otherListener, routeAccepted, 2), entry(internal, routeAccepted, 2)},
			wantWaiting: []string{"Gateway gateway-system/public (sectionName https): no Gateway controller"}},
		"status of an older generation": {parents: []gatewayv1.RouteParentStatus{entry(public, routeAccepted, 1), entry(internal, routeAccepted, 2)},
			wantWaiting: []string{"Gateway gateway-system/public (sectionName https): Accepted not reported for generation 2 yet"}},
		"accepted unknown": {parents: []gatewayv1.RouteParentStatus{entry(public, acceptedUnknown, 2), entry(internal, routeAccepted, 2)},
			wantWaiting: []string{"Accepted is Unknown (Pending: reconciling)"}},
		"refused by one parent": {parents: []gatewayv1.RouteParentStatus{entry(public, routeAccepted, 2), entry(internal, routeRefused("NoMatchingParent", "no such listener"), 2)},
			wantRefused: []string{"Gateway fleet-local/internal did not accept the HTTPRoute: NoMatchingParent: no such listener"}},
		"refusal wins over pending": {parents: []gatewayv1.RouteParentStatus{entry(internal, routeRefused("NotAllowedByListeners", "namespace not allowed"), 2)},
			wantRefused: []string{"NotAllowedByListeners: namespace not allowed"},
			wantWaiting: []string{"Gateway gateway-system/public"}},
		"backend not resolved": {parents: []gatewayv1.RouteParentStatus{entry(public, unresolved, 2), entry(internal, routeAccepted, 2)},
			wantRefused: []string{"Gateway gateway-system/public (sectionName https) cannot resolve the HTTPRoute's backend: BackendNotFound: Service fleet-receiver not found"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := gatewayWR("fleet-local", "fleet", "/")
			wr.Spec.Gateway.ParentRefs = []gatewayv1.ParentReference{public, internal}
			var route *gatewayv1.HTTPRoute
			if !tc.noRoute {
				route = &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Generation: 2}}
				route.Status.Parents = tc.parents
			}
			st := routeStatus(wr, route)
			stalled := st.stall()
			switch {
			case tc.wantRefused == nil && stalled != nil:
				t.Errorf("stalled: %s", stalled.message)
			case tc.wantRefused != nil && stalled == nil:
				t.Errorf("no stall, want RouteNotAccepted")
			case stalled != nil:
				if stalled.reason != v1alpha1.ReasonRouteNotAccepted {
					t.Errorf("reason = %s", stalled.reason)
				}
				for _, part := range tc.wantRefused {
					if !strings.Contains(stalled.message, part) {
						t.Errorf("message %q lacks %q", stalled.message, part)
					}
				}
			}
			waiting := st.waiting()
			if (tc.wantWaiting == nil) != (waiting == "") {
				t.Errorf("waiting = %q, want parts %q", waiting, tc.wantWaiting)
			}
			for _, part := range tc.wantWaiting {
				if !strings.Contains(waiting, part) {
					t.Errorf("waiting %q lacks %q", waiting, part)
				}
			}
		})
	}
}

// Ready follows the route: pending keeps the receiver Reconciling, an
// accepted route (or an Ingress receiver) lets the Deployment decide.
func TestComputeStatusFollowsRoute(t *testing.T) {
	wr := gatewayWR("fleet-local", "fleet", "/")
	pending := &routeState{pending: []string{"Gateway gateway-system/public: no Gateway controller has reported on it yet"}}
	cases := map[string]struct {
		route      *routeState
		wantReady  metav1.ConditionStatus
		wantReason string
	}{
		"no route (ingress)": {nil, metav1.ConditionTrue, v1alpha1.ReasonReady},
		"accepted":           {&routeState{}, metav1.ConditionTrue, v1alpha1.ReasonReady},
		"pending":            {pending, metav1.ConditionFalse, v1alpha1.ReasonRoutePending},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := computeStatus(wr, observation{deployment: deployment(1, true, false), route: tc.route}, metav1.Now())
			ready := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionReady)
			if ready.Status != tc.wantReady || ready.Reason != tc.wantReason {
				t.Errorf("Ready = %s %s %q, want %s %s", ready.Status, ready.Reason, ready.Message, tc.wantReady, tc.wantReason)
			}
			if tc.route != nil && tc.wantReady == metav1.ConditionFalse &&
				!meta.IsStatusConditionTrue(s.Conditions, v1alpha1.ConditionReconciling) {
				t.Errorf("a pending route must keep the receiver Reconciling")
			}
		})
	}
}
