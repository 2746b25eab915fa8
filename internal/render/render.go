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

// Package render holds the pure builder functions of the WebhookReceiver
// controller: a WebhookReceiver (plus a few resolved inputs) in, the desired
// child objects out. Nothing here talks to an API server, so every child is
// table-tested without a cluster.
package render

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Label keys put on every child.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelManagedBy = "app.kubernetes.io/managed-by"

	LabelNameValue      = "webhook-receiver"
	LabelManagedByValue = "webhook-operator"

	// LabelOwnerNamespace and LabelOwnerName point from a cluster-scoped child
	// (which cannot carry an owner reference to a namespaced object) back to
	// its WebhookReceiver.
	LabelOwnerNamespace = "gitops.webhook-operator.dev/owner-namespace"
	LabelOwnerName      = "gitops.webhook-operator.dev/owner-name"
)

// AnnotationGeneratedKeys lists the Secret keys the operator generated, so
// they are kept (and never confused with values copied from a secretRef).
const AnnotationGeneratedKeys = "gitops.webhook-operator.dev/generated-keys"

// Ports of the receiver container (team contract with the receiver CLI).
const (
	PortHTTP    = 8080
	PortHealth  = 8081
	PortMetrics = 8082
	ServicePort = 80
)

// TraefikPriorityBase is the default Traefik router priority before the
// path length is added (see TraefikPriority).
const TraefikPriorityBase int32 = 100

// Params are the inputs of the builders that are not in the WebhookReceiver.
type Params struct {
	// Image of the receiver container.
	Image string
	// ReceiverClusterRole is the fixed ClusterRole receivers are bound to.
	ReceiverClusterRole string
	// Flavor is the resolved ingress flavor (spec.ingress.flavor or from the
	// IngressClass). Unused for spec.gateway.
	Flavor v1alpha1.Flavor
}

// Names of the children of one WebhookReceiver.

// ReceiverName names the Deployment, Service, ServiceAccount, PDB, the
// per-receiver Role and its RoleBinding.
func ReceiverName(wr *v1alpha1.WebhookReceiver) string { return wr.Name + "-receiver" }

// GitRepoBindingName names the RoleBinding to the fixed receiver ClusterRole.
func GitRepoBindingName(wr *v1alpha1.WebhookReceiver) string { return wr.Name + "-receiver-gitrepos" }

// ClusterRoleBindingName names the ClusterRoleBinding of a cross-namespace
// receiver. Namespaces cannot contain dots, so <ns>.<name> is unique.
func ClusterRoleBindingName(wr *v1alpha1.WebhookReceiver) string {
	return "webhook-receiver." + wr.Namespace + "." + wr.Name
}

// IngressName names the Ingress and the HTTPRoute.
func IngressName(wr *v1alpha1.WebhookReceiver) string { return wr.Name }

// MiddlewareName names the Traefik stripPrefix Middleware.
func MiddlewareName(wr *v1alpha1.WebhookReceiver) string { return wr.Name + "-strip-prefix" }

// TLSSecretName is spec.tls.secretName or its default <name>-tls.
func TLSSecretName(wr *v1alpha1.WebhookReceiver) string {
	if wr.Spec.TLS != nil && wr.Spec.TLS.SecretName != "" {
		return wr.Spec.TLS.SecretName
	}
	return wr.Name + "-tls"
}

// Path is spec.path with its default "/".
func Path(wr *v1alpha1.WebhookReceiver) string {
	if wr.Spec.Path == "" {
		return "/"
	}
	return wr.Spec.Path
}

// URL is the webhook URL to paste into the Git host: https when spec.tls is
// set, host plus path.
func URL(wr *v1alpha1.WebhookReceiver) string {
	scheme := "http"
	if wr.Spec.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + wr.Spec.Host + Path(wr)
}

// Labels are the labels of every child.
func Labels(wr *v1alpha1.WebhookReceiver) map[string]string {
	return map[string]string{
		LabelName:      LabelNameValue,
		LabelInstance:  wr.Name,
		LabelManagedBy: LabelManagedByValue,
	}
}

// SelectorLabels select the receiver's pods.
func SelectorLabels(wr *v1alpha1.WebhookReceiver) map[string]string {
	return map[string]string{LabelName: LabelNameValue, LabelInstance: wr.Name}
}

// OwnerReference is the controller owner reference every namespaced child
// carries, so deleting the WebhookReceiver garbage-collects it.
func OwnerReference(wr *v1alpha1.WebhookReceiver) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         v1alpha1.GroupVersion.String(),
		Kind:               "WebhookReceiver",
		Name:               wr.Name,
		UID:                wr.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}

// objectMeta is the metadata of a namespaced child.
func objectMeta(wr *v1alpha1.WebhookReceiver, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:            name,
		Namespace:       wr.Namespace,
		Labels:          Labels(wr),
		OwnerReferences: []metav1.OwnerReference{OwnerReference(wr)},
	}
}

// ResolveFlavor maps an IngressClass's spec.controller to a flavor.
func ResolveFlavor(controller string) v1alpha1.Flavor {
	switch strings.TrimSpace(controller) {
	case "traefik.io/ingress-controller":
		return v1alpha1.FlavorTraefik
	case "k8s.io/ingress-nginx":
		return v1alpha1.FlavorNginx
	default:
		return v1alpha1.FlavorGeneric
	}
}

// ValidateExposure says why a spec cannot be exposed with the given flavor,
// or returns nil. Only the generic flavor cannot strip a path prefix.
func ValidateExposure(wr *v1alpha1.WebhookReceiver, flavor v1alpha1.Flavor) error {
	if wr.Spec.Ingress != nil && flavor == v1alpha1.FlavorGeneric && Path(wr) != "/" {
		return fmt.Errorf("ingress flavor generic cannot strip the path prefix %q: use path \"/\", a traefik or nginx IngressClass (or spec.ingress.flavor), or spec.gateway", Path(wr))
	}
	return nil
}

// NeedsMiddleware reports whether the Traefik stripPrefix Middleware is part
// of the desired state.
func NeedsMiddleware(wr *v1alpha1.WebhookReceiver, flavor v1alpha1.Flavor) bool {
	return wr.Spec.Ingress != nil && flavor == v1alpha1.FlavorTraefik && Path(wr) != "/"
}

// NeedsPDB reports whether a PodDisruptionBudget is desired (replicas > 1).
func NeedsPDB(wr *v1alpha1.WebhookReceiver) bool { return wr.Spec.Receiver.ReplicasOrDefault() > 1 }
