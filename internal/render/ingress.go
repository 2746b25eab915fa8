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

package render

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Annotations the operator writes on Ingresses.
const (
	AnnotationNginxUseRegex       = "nginx.ingress.kubernetes.io/use-regex"
	AnnotationNginxRewriteTarget  = "nginx.ingress.kubernetes.io/rewrite-target"
	AnnotationTraefikMiddlewares  = "traefik.ingress.kubernetes.io/router.middlewares"
	AnnotationTraefikPriority     = "traefik.ingress.kubernetes.io/router.priority"
	AnnotationTraefikTLS          = "traefik.ingress.kubernetes.io/router.tls"
	AnnotationCertManagerIssuer   = "cert-manager.io/issuer"
	AnnotationCertManagerCIssuer  = "cert-manager.io/cluster-issuer"
	nginxRewriteTargetStrippedArg = "/$2"
)

// IngressPath is the Ingress path and pathType for a flavor. nginx strips
// the prefix with a regex capture and rewrite-target; Traefik matches the
// prefix literally and strips it with the Middleware (a regex path would be
// taken literally by Traefik, so it must not be carried over).
func IngressPath(wr *v1alpha1.WebhookReceiver, flavor v1alpha1.Flavor) (string, networkingv1.PathType) {
	path := Path(wr)
	if path != "/" && flavor == v1alpha1.FlavorNginx {
		return path + "(/|$)(.*)", networkingv1.PathTypeImplementationSpecific
	}
	return path, networkingv1.PathTypePrefix
}

// IngressAnnotations are spec.ingress.annotations with the operator's own
// annotations for the flavor, TLS and cert-manager on top (the operator's win).
func IngressAnnotations(wr *v1alpha1.WebhookReceiver, flavor v1alpha1.Flavor) map[string]string {
	a := map[string]string{}
	if wr.Spec.Ingress != nil {
		maps.Copy(a, wr.Spec.Ingress.Annotations)
	}
	stripped := Path(wr) != "/"
	switch flavor {
	case v1alpha1.FlavorNginx:
		if stripped {
			a[AnnotationNginxUseRegex] = "true"
			a[AnnotationNginxRewriteTarget] = nginxRewriteTargetStrippedArg
		}
	case v1alpha1.FlavorTraefik:
		a[AnnotationTraefikPriority] = strconv.Itoa(int(TraefikPriority(wr)))
		if stripped {
			// Keep middlewares the user chains in (an IP allowlist, say):
			// theirs first, then the prefix strip.
			ours := wr.Namespace + "-" + MiddlewareName(wr) + "@kubernetescrd"
			switch theirs := a[AnnotationTraefikMiddlewares]; {
			case theirs == "":
			case slices.Contains(strings.Split(theirs, ","), ours):
				ours = theirs // they placed it themselves
			default:
				ours = theirs + "," + ours
			}
			a[AnnotationTraefikMiddlewares] = ours
		}
		if wr.Spec.TLS != nil {
			a[AnnotationTraefikTLS] = "true"
		}
	}
	if wr.Spec.TLS != nil && wr.Spec.TLS.IssuerRef != nil {
		if wr.Spec.TLS.IssuerRef.Kind == "Issuer" {
			a[AnnotationCertManagerIssuer] = wr.Spec.TLS.IssuerRef.Name
		} else {
			a[AnnotationCertManagerCIssuer] = wr.Spec.TLS.IssuerRef.Name
		}
	}
	if len(a) == 0 {
		return nil
	}
	return a
}

// TraefikPriority is the router priority: spec.ingress.priority as given,
// else 100 plus the length of the path. Traefik orders routers by priority
// alone, so receivers on one host at "/" and "/gitjob" must not tie (the
// longer, more specific path wins), and the base of 100 keeps beating an
// application's catch-all on the same host, whose default priority is the
// length of its Host rule.
func TraefikPriority(wr *v1alpha1.WebhookReceiver) int32 {
	if wr.Spec.Ingress != nil && wr.Spec.Ingress.Priority != nil {
		return *wr.Spec.Ingress.Priority
	}
	return TraefikPriorityBase + int32(len(Path(wr)))
}

// Ingress exposes the Service at host + path for the resolved flavor.
func Ingress(wr *v1alpha1.WebhookReceiver, p Params) *networkingv1.Ingress {
	path, pathType := IngressPath(wr, p.Flavor)
	meta := objectMeta(wr, IngressName(wr))
	meta.Annotations = IngressAnnotations(wr, p.Flavor)
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{
				Host: wr.Spec.Host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     path,
						PathType: ptr.To(pathType),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: ReceiverName(wr),
							Port: networkingv1.ServiceBackendPort{Number: ServicePort},
						}},
					}},
				}},
			}},
		},
	}
	if wr.Spec.Ingress != nil {
		ing.Spec.IngressClassName = ptr.To(wr.Spec.Ingress.ClassName)
	}
	if wr.Spec.TLS != nil {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{wr.Spec.Host}, SecretName: TLSSecretName(wr)}}
	}
	return ing
}
