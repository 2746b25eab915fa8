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

package v1alpha1

// ClusterRBACFinalizer is set on a cross-namespace WebhookReceiver: it holds
// the deletion until the operator has removed the receiver's
// ClusterRoleBinding, which owner references cannot garbage-collect.
const ClusterRBACFinalizer = "gitops.webhook-operator.dev/cluster-rbac"

// AnnotationAdopt, set to "true" on an existing Secret, lets a
// WebhookReceiver whose spec.secretName names it manage it (Fleet's own
// gitjob-webhook, say). Without it the operator writes only Secrets it
// created, so naming a Secret never hands it to the operator.
const AnnotationAdopt = "gitops.webhook-operator.dev/adopt"

// Reasons of the Ready, Reconciling and Stalled conditions. Users match on
// them (kubectl wait, alerts), so they are part of the API.
const (
	// ReasonReady: the receiver Deployment is available.
	ReasonReady = "Ready"
	// ReasonProgressing: the reconcile just created, updated or deleted children.
	ReasonProgressing = "Progressing"
	// ReasonDeploymentNotAvailable: the children are applied; the receiver
	// Deployment is not available yet.
	ReasonDeploymentNotAvailable = "DeploymentNotAvailable"
	// ReasonRoutePending: spec.gateway is set and not every parent Gateway
	// has accepted the HTTPRoute yet (or no Gateway controller has reported
	// on it at all).
	ReasonRoutePending = "RoutePending"
	// ReasonNotStalled is the reason of Stalled=False.
	ReasonNotStalled = "NotStalled"

	// Stalled reasons: the spec cannot work until something outside the
	// operator changes.

	// ReasonSecretNotFound: a Secret (or key) referenced by spec.providers is missing.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonSecretNotOwned: spec.secretName names an existing Secret the
	// operator did not create and that does not carry AnnotationAdopt (or
	// that another controller owns); it is left untouched.
	ReasonSecretNotOwned = "SecretNotOwned"
	// ReasonMiddlewareCRDMissing: the traefik flavor needs a stripPrefix
	// Middleware, but the Traefik CRD is not installed.
	ReasonMiddlewareCRDMissing = "TraefikMiddlewareCRDMissing"
	// ReasonGatewayAPICRDMissing: spec.gateway is set, but the Gateway API
	// HTTPRoute CRD is not installed.
	ReasonGatewayAPICRDMissing = "GatewayAPICRDMissing"
	// ReasonPathNotSupported: the ingress flavor cannot serve spec.path, or
	// neither spec.ingress nor spec.gateway is set.
	ReasonPathNotSupported = "PathNotSupported"
	// ReasonIngressClassNotFound: spec.ingress.className names no IngressClass.
	ReasonIngressClassNotFound = "IngressClassNotFound"
	// ReasonCrossNamespaceNotAllowed: spec.targets.namespaceSelector is set in
	// a namespace the operator does not allow to reach others.
	ReasonCrossNamespaceNotAllowed = "CrossNamespaceNotAllowed"
	// ReasonRouteNotAccepted: a parent Gateway reported the HTTPRoute as not
	// Accepted or its references as not resolved; the message names the
	// parent and repeats its reason and message.
	ReasonRouteNotAccepted = "RouteNotAccepted"
	// ReasonInvalidTargets: spec.targets holds a label selector that cannot
	// be compiled (an unknown operator, say).
	ReasonInvalidTargets = "InvalidTargets"
	// ReasonInvalidChild: the API server refused a child object as invalid.
	ReasonInvalidChild = "InvalidChild"
)
