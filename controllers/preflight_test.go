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

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// input is a preflight input in which every check passes: an nginx
// IngressClass, both optional CRDs, and the referenced Secret "gh".
func input(wr *v1alpha1.WebhookReceiver) preflightInput {
	return preflightInput{
		wr:                    wr,
		crossNamespaceAllowed: []string{"fleet-admin", "cross-ok"},
		ingressClass:          &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		crds:                  optionalCRDs{middleware: true, httpRoute: true},
		secrets:               render.ReferencedSecrets{"gh": {"token": []byte("x")}},
	}
}

func withClass(controller string) func(*preflightInput) {
	return func(in *preflightInput) {
		in.ingressClass = &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: controller}}
	}
}

func TestPreflightChecks(t *testing.T) {
	crossNS := func(ns string) *v1alpha1.WebhookReceiver {
		wr := ingressWR(ns, "fleet", "nginx", "/")
		wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
		return wr
	}
	secretRef := func(name, key string) *v1alpha1.WebhookReceiver {
		wr := ingressWR("fleet-local", "fleet", "nginx", "/")
		wr.Spec.Providers.GitHub = &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: name, Key: key}}
		return wr
	}
	flavored := func(f v1alpha1.Flavor, path string) *v1alpha1.WebhookReceiver {
		wr := ingressWR("fleet-local", "fleet", "unknown", path)
		wr.Spec.Ingress.Flavor = f
		return wr
	}
	noIngress := ingressWR("fleet-local", "fleet", "nginx", "/")
	noIngress.Spec.Ingress = nil
	traefik := withClass("traefik.io/ingress-controller")
	cases := map[string]struct {
		check       check
		wr          *v1alpha1.WebhookReceiver
		mutate      func(*preflightInput)
		wantReason  string // "" for no stall
		wantRequeue bool
		wantMessage string // a part of the message
	}{
		"own namespace only":                 {check: checkCrossNamespaceAllowed, wr: ingressWR("tenant", "fleet", "nginx", "/")},
		"cross-namespace, allowed namespace": {check: checkCrossNamespaceAllowed, wr: crossNS("cross-ok")},
		"cross-namespace, other namespace": {check: checkCrossNamespaceAllowed, wr: crossNS("tenant"),
			wantReason: v1alpha1.ReasonCrossNamespaceNotAllowed, wantMessage: `namespace "tenant" may only target their own namespace (the operator allows cross-namespace targets for: fleet-admin, cross-ok)`},

		"gateway with the HTTPRoute CRD": {check: checkGatewayAPIInstalled, wr: gatewayWR("fleet-local", "fleet", "/")},
		"gateway without the HTTPRoute CRD": {check: checkGatewayAPIInstalled, wr: gatewayWR("fleet-local", "fleet", "/"),
			mutate:     func(in *preflightInput) { in.crds.httpRoute = false },
			wantReason: v1alpha1.ReasonGatewayAPICRDMissing, wantRequeue: true, wantMessage: "httproutes.gateway.networking.k8s.io (v1)"},
		"ingress needs no HTTPRoute CRD": {check: checkGatewayAPIInstalled, wr: ingressWR("fleet-local", "fleet", "nginx", "/"),
			mutate: func(in *preflightInput) { in.crds.httpRoute = false }},

		"ingress set": {check: checkExposureSet, wr: ingressWR("fleet-local", "fleet", "nginx", "/")},
		"gateway set": {check: checkExposureSet, wr: gatewayWR("fleet-local", "fleet", "/")},
		"neither set": {check: checkExposureSet, wr: noIngress,
			wantReason: v1alpha1.ReasonPathNotSupported, wantMessage: "neither spec.ingress nor spec.gateway"},

		"IngressClass found": {check: checkIngressClassFound, wr: ingressWR("fleet-local", "fleet", "nginx", "/")},
		"IngressClass missing": {check: checkIngressClassFound, wr: ingressWR("fleet-local", "fleet", "nope", "/"),
			mutate:     func(in *preflightInput) { in.ingressClass = nil },
			wantReason: v1alpha1.ReasonIngressClassNotFound, wantMessage: `IngressClass "nope" not found`},
		"IngressClass missing, flavor set": {check: checkIngressClassFound, wr: flavored(v1alpha1.FlavorNginx, "/"),
			mutate: func(in *preflightInput) { in.ingressClass = nil }},
		"IngressClass not needed for a gateway": {check: checkIngressClassFound, wr: gatewayWR("fleet-local", "fleet", "/"),
			mutate: func(in *preflightInput) { in.ingressClass = nil }},

		"nginx strips a prefix":   {check: checkPathSupported, wr: ingressWR("fleet-local", "fleet", "nginx", "/gitjob")},
		"generic at the root":     {check: checkPathSupported, wr: ingressWR("fleet-local", "fleet", "generic", "/"), mutate: withClass("example.com/other")},
		"gateway rewrites a path": {check: checkPathSupported, wr: gatewayWR("fleet-local", "fleet", "/hooks")},
		"generic class with a path": {check: checkPathSupported, wr: ingressWR("fleet-local", "fleet", "generic", "/gitjob"),
			mutate:     withClass("example.com/other"),
			wantReason: v1alpha1.ReasonPathNotSupported, wantMessage: `cannot strip the path prefix "/gitjob"`},
		"generic flavor with a path": {check: checkPathSupported, wr: flavored(v1alpha1.FlavorGeneric, "/gitjob"),
			wantReason: v1alpha1.ReasonPathNotSupported, wantMessage: "ingress flavor generic"},

		"traefik path with the Middleware CRD": {check: checkMiddlewareInstalled, wr: ingressWR("fleet-local", "fleet", "traefik", "/gitjob"), mutate: traefik},
		"traefik path without the Middleware CRD": {check: checkMiddlewareInstalled, wr: ingressWR("fleet-local", "fleet", "traefik", "/gitjob"),
			mutate:     func(in *preflightInput) { traefik(in); in.crds.middleware = false },
			wantReason: v1alpha1.ReasonMiddlewareCRDMissing, wantRequeue: true, wantMessage: `path "/gitjob" needs a stripPrefix Middleware`},
		"traefik root needs no Middleware": {check: checkMiddlewareInstalled, wr: ingressWR("fleet-local", "fleet", "traefik", "/"),
			mutate: func(in *preflightInput) { traefik(in); in.crds.middleware = false }},
		"nginx path needs no Middleware": {check: checkMiddlewareInstalled, wr: ingressWR("fleet-local", "fleet", "nginx", "/gitjob"),
			mutate: func(in *preflightInput) { in.crds.middleware = false }},

		"generated secrets only":  {check: checkSecretsFound, wr: ingressWR("fleet-local", "fleet", "nginx", "/")},
		"referenced Secret found": {check: checkSecretsFound, wr: secretRef("gh", "token")},
		"referenced Secret missing": {check: checkSecretsFound, wr: secretRef("nope", "token"),
			wantReason: v1alpha1.ReasonSecretNotFound, wantMessage: `Secret "nope" referenced by spec.providers.github.secretRef not found`},
		"referenced key missing": {check: checkSecretsFound, wr: secretRef("gh", "other"),
			wantReason: v1alpha1.ReasonSecretNotFound, wantMessage: `key "other" not found in Secret "gh"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := input(tc.wr)
			if tc.mutate != nil {
				tc.mutate(&in)
			}
			st := tc.check(in)
			if tc.wantReason == "" {
				if st != nil {
					t.Fatalf("stalled %s: %s", st.reason, st.message)
				}
				return
			}
			if st == nil {
				t.Fatalf("no stall, want %s", tc.wantReason)
			}
			if st.reason != tc.wantReason || st.requeue != tc.wantRequeue || !strings.Contains(st.message, tc.wantMessage) {
				t.Errorf("stall = %s (requeue %v) %q, want %s (requeue %v) containing %q",
					st.reason, st.requeue, st.message, tc.wantReason, tc.wantRequeue, tc.wantMessage)
			}
		})
	}
}

// The chain reports the first problem in check order, and resolves the
// flavor when there is none.
func TestPreflight(t *testing.T) {
	deniedAndMissing := ingressWR("tenant", "fleet", "nginx", "/")
	deniedAndMissing.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
	deniedAndMissing.Spec.Providers.GitHub = &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "nope", Key: "token"}}
	noClassAndMissing := ingressWR("fleet-local", "fleet", "nope", "/")
	noClassAndMissing.Spec.Providers.GitHub = deniedAndMissing.Spec.Providers.GitHub
	explicit := ingressWR("fleet-local", "fleet", "nope", "/gitjob")
	explicit.Spec.Ingress.Flavor = v1alpha1.FlavorTraefik
	cases := map[string]struct {
		wr         *v1alpha1.WebhookReceiver
		mutate     func(*preflightInput)
		wantReason string
		wantFlavor v1alpha1.Flavor
	}{
		"cross-namespace before secrets": {wr: deniedAndMissing, wantReason: v1alpha1.ReasonCrossNamespaceNotAllowed},
		"IngressClass before secrets": {wr: noClassAndMissing, wantReason: v1alpha1.ReasonIngressClassNotFound,
			mutate: func(in *preflightInput) { in.ingressClass = nil }},
		"flavor from the IngressClass": {wr: ingressWR("fleet-local", "fleet", "traefik", "/"),
			mutate: withClass(" traefik.io/ingress-controller "), wantFlavor: v1alpha1.FlavorTraefik},
		"unknown controller is generic": {wr: ingressWR("fleet-local", "fleet", "other", "/"),
			mutate: withClass("example.com/other"), wantFlavor: v1alpha1.FlavorGeneric},
		"explicit flavor wins":  {wr: explicit, mutate: func(in *preflightInput) { in.ingressClass = nil }, wantFlavor: v1alpha1.FlavorTraefik},
		"gateway has no flavor": {wr: gatewayWR("fleet-local", "fleet", "/hooks"), wantFlavor: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := input(tc.wr)
			if tc.mutate != nil {
				tc.mutate(&in)
			}
			flavor, err := preflight(in)
			st, stalled := asStall(err)
			switch {
			case tc.wantReason != "" && (!stalled || st.reason != tc.wantReason):
				t.Fatalf("err = %v, want a %s stall", err, tc.wantReason)
			case tc.wantReason == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case flavor != tc.wantFlavor:
				t.Errorf("flavor = %q, want %q", flavor, tc.wantFlavor)
			}
		})
	}
}
