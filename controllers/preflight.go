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
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// Preflight finds specs that cannot work before anything is written. It
// reads everything it looks at first (gatherPreflight), then runs a chain of
// pure checks over that input.

// preflightInput is everything the preflight checks look at.
type preflightInput struct {
	wr *v1alpha1.WebhookReceiver
	// crossNamespaceAllowed lists the namespaces whose receivers may set
	// spec.targets.namespaceSelector.
	crossNamespaceAllowed []string
	// ingressClass is spec.ingress.className's IngressClass: nil when it
	// does not exist or is not needed (spec.gateway, or an explicit flavor).
	ingressClass *networkingv1.IngressClass
	crds         optionalCRDs
	secrets      render.ReferencedSecrets
}

// gatherPreflight reads the inputs of the checks: the optional CRDs the
// cluster serves, the IngressClass (from the cache) and the referenced
// Secrets (a missing one is an input, not an error).
func (r *WebhookReceiverReconciler) gatherPreflight(ctx context.Context, wr *v1alpha1.WebhookReceiver) (preflightInput, error) {
	in := preflightInput{wr: wr, crossNamespaceAllowed: r.CrossNamespaceNamespaces, secrets: render.ReferencedSecrets{}}
	var err error
	if in.crds, err = r.installedCRDs(); err != nil {
		return in, err
	}
	if needsIngressClass(wr) {
		ic := &networkingv1.IngressClass{}
		switch err := r.Get(ctx, types.NamespacedName{Name: wr.Spec.Ingress.ClassName}, ic); {
		case err == nil:
			in.ingressClass = ic
		case !apierrors.IsNotFound(err):
			return in, fmt.Errorf("reading IngressClass: %w", err)
		}
	}
	for _, name := range render.ReferencedSecretNames(wr) {
		s, err := r.readSecret(ctx, types.NamespacedName{Namespace: wr.Namespace, Name: name})
		if err != nil {
			return in, err
		}
		if s != nil {
			in.secrets[name] = s.Data
		}
	}
	return in, nil
}

// readSecret reads a Secret the operator does not cache: from its watch
// once that has synced, else from the API server; nil when it does not
// exist.
func (r *WebhookReceiverReconciler) readSecret(ctx context.Context, key types.NamespacedName) (*corev1.Secret, error) {
	if s, synced := r.secrets.get(key); synced {
		return s, nil
	}
	s := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading Secret %q: %w", key.Name, err)
	}
	return s, nil
}

// needsIngressClass: the flavor of an Ingress comes from its IngressClass
// unless spec.ingress.flavor names it.
func needsIngressClass(wr *v1alpha1.WebhookReceiver) bool {
	return wr.Spec.Gateway == nil && wr.Spec.Ingress != nil && wr.Spec.Ingress.Flavor == ""
}

// flavor is the resolved ingress flavor: spec.ingress.flavor, else the
// IngressClass's; empty for spec.gateway.
func (in preflightInput) flavor() v1alpha1.Flavor {
	switch {
	case in.wr.Spec.Gateway != nil || in.wr.Spec.Ingress == nil:
		return ""
	case in.wr.Spec.Ingress.Flavor != "":
		return in.wr.Spec.Ingress.Flavor
	case in.ingressClass != nil:
		return render.ResolveFlavor(in.ingressClass.Spec.Controller)
	}
	return ""
}

// check is one preflight rule: the stall when the input breaks it, else nil.
type check func(preflightInput) *stall

// preflightChecks run in order and the first stall wins, so the Stalled
// condition names the most basic problem first.
var preflightChecks = []check{
	checkCrossNamespaceAllowed,
	checkGatewayAPIInstalled,
	checkExposureSet,
	checkIngressClassFound,
	checkPathSupported,
	checkMiddlewareInstalled,
	checkSecretsFound,
}

// preflight runs the checks and returns the resolved flavor, or the stall.
func preflight(in preflightInput) (v1alpha1.Flavor, error) {
	for _, c := range preflightChecks {
		if st := c(in); st != nil {
			return "", st
		}
	}
	return in.flavor(), nil
}

func checkCrossNamespaceAllowed(in preflightInput) *stall {
	if !in.wr.Spec.Targets.CrossNamespace() || slices.Contains(in.crossNamespaceAllowed, in.wr.Namespace) {
		return nil
	}
	return &stall{reason: v1alpha1.ReasonCrossNamespaceNotAllowed, message: fmt.Sprintf(
		"spec.targets.namespaceSelector is set, but WebhookReceivers in namespace %q may only target their own namespace (the operator allows cross-namespace targets for: %s); remove the namespaceSelector or ask the operator admin",
		in.wr.Namespace, strings.Join(in.crossNamespaceAllowed, ", "))}
}

func checkGatewayAPIInstalled(in preflightInput) *stall {
	if in.wr.Spec.Gateway == nil || in.crds.httpRoute {
		return nil
	}
	return &stall{reason: v1alpha1.ReasonGatewayAPICRDMissing, requeue: true, message: fmt.Sprintf(
		"spec.gateway is set but the Gateway API CRD httproutes.%s (%s) is not installed", gatewayv1.GroupName, httpRouteGVK.Version)}
}

func checkExposureSet(in preflightInput) *stall {
	if in.wr.Spec.Gateway != nil || in.wr.Spec.Ingress != nil {
		return nil
	}
	return &stall{reason: v1alpha1.ReasonPathNotSupported, message: "neither spec.ingress nor spec.gateway is set"}
}

func checkIngressClassFound(in preflightInput) *stall {
	if !needsIngressClass(in.wr) || in.ingressClass != nil {
		return nil
	}
	return &stall{reason: v1alpha1.ReasonIngressClassNotFound, message: fmt.Sprintf(
		"IngressClass %q not found: create it or set spec.ingress.flavor", in.wr.Spec.Ingress.ClassName)}
}

func checkPathSupported(in preflightInput) *stall {
	if in.wr.Spec.Gateway != nil {
		return nil
	}
	if err := render.ValidateExposure(in.wr, in.flavor()); err != nil {
		return &stall{reason: v1alpha1.ReasonPathNotSupported, message: err.Error()}
	}
	return nil
}

func checkMiddlewareInstalled(in preflightInput) *stall {
	if in.wr.Spec.Gateway != nil || !render.NeedsMiddleware(in.wr, in.flavor()) || in.crds.middleware {
		return nil
	}
	return &stall{reason: v1alpha1.ReasonMiddlewareCRDMissing, requeue: true, message: fmt.Sprintf(
		"the traefik flavor with path %q needs a stripPrefix Middleware, but the Traefik CRD middlewares.traefik.io (v1alpha1) is not installed", render.Path(in.wr))}
}

func checkSecretsFound(in preflightInput) *stall {
	if err := render.CheckSecretRefs(in.wr, in.secrets); err != nil {
		return &stall{reason: v1alpha1.ReasonSecretNotFound, message: err.Error()}
	}
	return nil
}
