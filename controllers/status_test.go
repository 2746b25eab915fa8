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
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// deployment is the receiver Deployment as the cache shows it; available
// sets the Available condition, behind leaves its status a generation old.
func deployment(ready int32, available, behind bool) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 2}}
	d.Status.ObservedGeneration = 2
	if behind {
		d.Status.ObservedGeneration = 1
	}
	d.Status.ReadyReplicas = ready
	status := corev1.ConditionFalse
	if available {
		status = corev1.ConditionTrue
	}
	d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: status}}
	return d
}

// cond is a condition as the tests compare it: status, reason, message.
type cond struct {
	status          metav1.ConditionStatus
	reason, message string
}

func TestComputeStatus(t *testing.T) {
	missing := &stall{reason: v1alpha1.ReasonSecretNotFound, message: `Secret "gh" not found`}
	const waiting = "waiting for Deployment fleet-receiver to become available"
	const applying = "applying the receiver's objects"
	notStalled := cond{metav1.ConditionFalse, v1alpha1.ReasonNotStalled, msgNotStalled}
	cases := map[string]struct {
		obs         observation
		wantReady   cond
		wantRecon   cond
		wantStalled cond
		wantReplica int32
	}{
		"stalled": {obs: observation{stall: missing},
			wantStalled: cond{metav1.ConditionTrue, v1alpha1.ReasonSecretNotFound, missing.message},
			wantRecon:   cond{metav1.ConditionFalse, v1alpha1.ReasonSecretNotFound, "stalled: " + missing.message},
			wantReady:   cond{metav1.ConditionFalse, v1alpha1.ReasonSecretNotFound, missing.message}},
		"stall wins over changes": {obs: observation{stall: missing, changed: true},
			wantStalled: cond{metav1.ConditionTrue, v1alpha1.ReasonSecretNotFound, missing.message},
			wantRecon:   cond{metav1.ConditionFalse, v1alpha1.ReasonSecretNotFound, "stalled: " + missing.message},
			wantReady:   cond{metav1.ConditionFalse, v1alpha1.ReasonSecretNotFound, missing.message}},
		"children written": {obs: observation{changed: true, deployment: deployment(1, true, false)}, wantStalled: notStalled,
			wantRecon: cond{metav1.ConditionTrue, v1alpha1.ReasonProgressing, applying},
			wantReady: cond{metav1.ConditionFalse, v1alpha1.ReasonProgressing, applying}, wantReplica: 1},
		"no Deployment yet": {obs: observation{}, wantStalled: notStalled,
			wantRecon: cond{metav1.ConditionTrue, v1alpha1.ReasonDeploymentNotAvailable, waiting},
			wantReady: cond{metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotAvailable, waiting}},
		"Deployment not available": {obs: observation{deployment: deployment(0, false, false)}, wantStalled: notStalled,
			wantRecon: cond{metav1.ConditionTrue, v1alpha1.ReasonDeploymentNotAvailable, waiting},
			wantReady: cond{metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotAvailable, waiting}},
		"Deployment status a generation old": {obs: observation{deployment: deployment(2, true, true)}, wantStalled: notStalled,
			wantRecon: cond{metav1.ConditionTrue, v1alpha1.ReasonDeploymentNotAvailable, waiting},
			wantReady: cond{metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotAvailable, waiting}, wantReplica: 2},
		"ready": {obs: observation{deployment: deployment(2, true, false)}, wantStalled: notStalled,
			wantRecon: cond{metav1.ConditionFalse, v1alpha1.ReasonReady, msgUpToDate},
			wantReady: cond{metav1.ConditionTrue, v1alpha1.ReasonReady, "the receiver is available at https://webhooks.example.com/gitjob"}, wantReplica: 2},
	}
	now := metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := ingressWR("fleet-local", "fleet", "nginx", "/gitjob")
			wr.Spec.TLS = &v1alpha1.TLSSpec{}
			wr.Generation = 3
			wr.Status.ReadyReplicas = 7
			s := computeStatus(wr, tc.obs, now)
			if wr.Status.ReadyReplicas != 7 || wr.Status.Conditions != nil {
				t.Fatal("computeStatus changed the receiver it was given")
			}
			if s.ObservedGeneration != 3 || s.URL != "https://webhooks.example.com/gitjob" || s.SecretName != "fleet-webhook" || s.ReadyReplicas != tc.wantReplica {
				t.Errorf("status = gen %d, url %q, secret %q, ready %d", s.ObservedGeneration, s.URL, s.SecretName, s.ReadyReplicas)
			}
			if len(s.Conditions) != 3 || s.Conditions[0].Type != v1alpha1.ConditionReady ||
				s.Conditions[1].Type != v1alpha1.ConditionReconciling || s.Conditions[2].Type != v1alpha1.ConditionStalled {
				t.Fatalf("conditions = %+v, want Ready, Reconciling, Stalled", s.Conditions)
			}
			for _, want := range []struct {
				typ string
				c   cond
			}{{v1alpha1.ConditionReady, tc.wantReady}, {v1alpha1.ConditionReconciling, tc.wantRecon}, {v1alpha1.ConditionStalled, tc.wantStalled}} {
				got := meta.FindStatusCondition(s.Conditions, want.typ)
				if (cond{got.Status, got.Reason, got.Message}) != want.c {
					t.Errorf("%s = %s %s %q, want %+v", want.typ, got.Status, got.Reason, got.Message, want.c)
				}
				if got.ObservedGeneration != 3 || !got.LastTransitionTime.Equal(&now) {
					t.Errorf("%s: observedGeneration %d, lastTransitionTime %v", want.typ, got.ObservedGeneration, got.LastTransitionTime)
				}
			}
		})
	}
}

// A condition keeps its transition time while its status holds, so a
// reconcile that finds the same state computes the same status and writes
// nothing.
func TestComputeStatusIsStable(t *testing.T) {
	wr := ingressWR("fleet-local", "fleet", "nginx", "/")
	obs := observation{deployment: deployment(1, true, false)}
	first := metav1.NewTime(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	wr.Status = computeStatus(wr, obs, first)
	later := metav1.NewTime(first.Add(time.Hour))
	again := computeStatus(wr, obs, later)
	for _, c := range again.Conditions {
		if !c.LastTransitionTime.Equal(&first) {
			t.Errorf("%s moved to %v though its status held", c.Type, c.LastTransitionTime)
		}
	}
	obs.changed = true
	moved := computeStatus(wr, obs, later)
	if c := meta.FindStatusCondition(moved.Conditions, v1alpha1.ConditionReady); !c.LastTransitionTime.Equal(&later) {
		t.Errorf("Ready turned False at %v, want %v", c.LastTransitionTime, later)
	}
}

func TestStallIsNew(t *testing.T) {
	st := &stall{reason: v1alpha1.ReasonIngressClassNotFound, message: `IngressClass "x" not found`}
	stalled := func(status metav1.ConditionStatus, reason, message string) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.ConditionStalled, Status: status, Reason: reason, Message: message}}
	}
	cases := map[string]struct {
		prev []metav1.Condition
		want bool
	}{
		"first status":          {nil, true},
		"was not stalled":       {stalled(metav1.ConditionFalse, v1alpha1.ReasonNotStalled, ""), true},
		"same stall":            {stalled(metav1.ConditionTrue, st.reason, st.message), false},
		"other reason":          {stalled(metav1.ConditionTrue, v1alpha1.ReasonSecretNotFound, st.message), true},
		"same reason, new text": {stalled(metav1.ConditionTrue, st.reason, "older"), true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := stallIsNew(tc.prev, st); got != tc.want {
				t.Errorf("stallIsNew = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestResultFor(t *testing.T) {
	const crd = time.Minute
	cases := map[string]struct {
		obs  observation
		want ctrl.Result
	}{
		"settled":                   {observation{}, ctrl.Result{}},
		"children written":          {observation{changed: true}, ctrl.Result{RequeueAfter: settleRequeueAfter}},
		"stalled on a watched kind": {observation{stall: &stall{reason: v1alpha1.ReasonSecretNotFound}, changed: true}, ctrl.Result{}},
		"stalled on a missing CRD":  {observation{stall: &stall{reason: v1alpha1.ReasonGatewayAPICRDMissing, requeue: true}}, ctrl.Result{RequeueAfter: crd}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := resultFor(tc.obs, crd); got != tc.want {
				t.Errorf("resultFor = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// Every condition, whatever its status, carries a message a person can act
// on: the stalls preflight finds, a stall whose cause gave no text, and the
// states of a pass that did not stall.
func TestEveryConditionHasAMessage(t *testing.T) {
	noSecret := ingressWR("fleet-local", "fleet", "nginx", "/")
	noSecret.Spec.Providers.GitHub = &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "nope", Key: "token"}}
	crossNS := ingressWR("tenant", "fleet", "nginx", "/")
	crossNS.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
	neither := ingressWR("fleet-local", "fleet", "nginx", "/")
	neither.Spec.Ingress = nil
	stalls := map[string]preflightInput{
		"cross-namespace": input(crossNS),
		"no HTTPRoute CRD": func() preflightInput {
			in := input(gatewayWR("fleet-local", "fleet", "/"))
			in.crds.httpRoute = false
			return in
		}(),
		"no exposure": input(neither),
		"no IngressClass": func() preflightInput {
			in := input(ingressWR("fleet-local", "fleet", "x", "/"))
			in.ingressClass = nil
			return in
		}(),
		"generic with path": func() preflightInput {
			in := input(ingressWR("fleet-local", "fleet", "g", "/p"))
			withClass("example.com/x")(&in)
			return in
		}(),
		"no Middleware CRD": func() preflightInput {
			in := input(ingressWR("fleet-local", "fleet", "traefik", "/p"))
			withClass("traefik.io/ingress-controller")(&in)
			in.crds.middleware = false
			return in
		}(),
		"missing Secret": input(noSecret),
	}
	observations := map[string]observation{
		"stall without text": {stall: &stall{reason: v1alpha1.ReasonInvalidChild}},
		"children written":   {changed: true},
		"no Deployment yet":  {},
		"ready":              {deployment: deployment(1, true, false)},
	}
	for name, in := range stalls {
		_, err := preflight(in)
		st, ok := asStall(err)
		if !ok {
			t.Fatalf("%s: preflight did not stall: %v", name, err)
		}
		observations["stall: "+name] = observation{stall: st}
	}
	for name, obs := range observations {
		t.Run(name, func(t *testing.T) {
			wr := ingressWR("fleet-local", "fleet", "nginx", "/")
			for _, c := range computeStatus(wr, obs, metav1.Now()).Conditions {
				if strings.TrimSpace(c.Message) == "" || strings.TrimSpace(strings.TrimPrefix(c.Message, "stalled:")) == "" {
					t.Errorf("%s=%s (%s) has no message", c.Type, c.Status, c.Reason)
				}
			}
		})
	}
}
