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
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

type tlsMode int

const (
	noTLS tlsMode = iota
	withTLS
	withClusterIssuer
	withIssuer
)

func testWR(path string, tls tlsMode) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Name: "fleet", Namespace: "cattle-fleet-system", UID: "uid-1"},
		Spec: v1alpha1.WebhookReceiverSpec{
			Host:    "webhooks.example.com",
			Path:    path,
			Ingress: &v1alpha1.IngressSpec{ClassName: "ic", Annotations: map[string]string{"user/anno": "kept"}},
		},
	}
	switch tls {
	case withTLS:
		wr.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "webhooks-tls"}
	case withClusterIssuer:
		wr.Spec.TLS = &v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerRef{Kind: "ClusterIssuer", Name: "letsencrypt"}}
	case withIssuer:
		wr.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "webhooks-tls", IssuerRef: &v1alpha1.IssuerRef{Kind: "Issuer", Name: "local"}}
	}
	return wr
}

func TestIngress(t *testing.T) {
	const mw = "cattle-fleet-system-fleet-strip-prefix@kubernetescrd"
	cases := map[string]struct {
		flavor       v1alpha1.Flavor
		path         string
		tls          tlsMode
		wantPath     string
		wantPathType networkingv1.PathType
		wantAnnos    map[string]string
		wantTLS      string // TLS secret name, "" for none
		wantMW       bool
	}{
		"nginx root": {v1alpha1.FlavorNginx, "/", noTLS, "/", networkingv1.PathTypePrefix,
			map[string]string{}, "", false},
		"nginx root tls": {v1alpha1.FlavorNginx, "/", withTLS, "/", networkingv1.PathTypePrefix,
			map[string]string{}, "webhooks-tls", false},
		"nginx root cluster-issuer": {v1alpha1.FlavorNginx, "/", withClusterIssuer, "/", networkingv1.PathTypePrefix,
			map[string]string{AnnotationCertManagerCIssuer: "letsencrypt"}, "fleet-tls", false},
		"nginx gitjob": {v1alpha1.FlavorNginx, "/gitjob", noTLS, "/gitjob(/|$)(.*)", networkingv1.PathTypeImplementationSpecific,
			map[string]string{AnnotationNginxUseRegex: "true", AnnotationNginxRewriteTarget: "/$2"}, "", false},
		"nginx gitjob tls": {v1alpha1.FlavorNginx, "/gitjob", withTLS, "/gitjob(/|$)(.*)", networkingv1.PathTypeImplementationSpecific,
			map[string]string{AnnotationNginxUseRegex: "true", AnnotationNginxRewriteTarget: "/$2"}, "webhooks-tls", false},
		"nginx gitjob issuer": {v1alpha1.FlavorNginx, "/gitjob", withIssuer, "/gitjob(/|$)(.*)", networkingv1.PathTypeImplementationSpecific,
			map[string]string{AnnotationNginxUseRegex: "true", AnnotationNginxRewriteTarget: "/$2", AnnotationCertManagerIssuer: "local"}, "webhooks-tls", false},
		"traefik root": {v1alpha1.FlavorTraefik, "/", noTLS, "/", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "101"}, "", false},
		"traefik root tls": {v1alpha1.FlavorTraefik, "/", withTLS, "/", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "101", AnnotationTraefikTLS: "true"}, "webhooks-tls", false},
		"traefik root cluster-issuer": {v1alpha1.FlavorTraefik, "/", withClusterIssuer, "/", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "101", AnnotationTraefikTLS: "true", AnnotationCertManagerCIssuer: "letsencrypt"}, "fleet-tls", false},
		"traefik gitjob": {v1alpha1.FlavorTraefik, "/gitjob", noTLS, "/gitjob", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "107", AnnotationTraefikMiddlewares: mw}, "", true},
		"traefik gitjob tls": {v1alpha1.FlavorTraefik, "/gitjob", withTLS, "/gitjob", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "107", AnnotationTraefikMiddlewares: mw, AnnotationTraefikTLS: "true"}, "webhooks-tls", true},
		"traefik gitjob cluster-issuer": {v1alpha1.FlavorTraefik, "/gitjob", withClusterIssuer, "/gitjob", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "107", AnnotationTraefikMiddlewares: mw, AnnotationTraefikTLS: "true", AnnotationCertManagerCIssuer: "letsencrypt"}, "fleet-tls", true},
		"traefik gitjob issuer": {v1alpha1.FlavorTraefik, "/gitjob", withIssuer, "/gitjob", networkingv1.PathTypePrefix,
			map[string]string{AnnotationTraefikPriority: "107", AnnotationTraefikMiddlewares: mw, AnnotationTraefikTLS: "true", AnnotationCertManagerIssuer: "local"}, "webhooks-tls", true},
		"generic root": {v1alpha1.FlavorGeneric, "/", noTLS, "/", networkingv1.PathTypePrefix,
			map[string]string{}, "", false},
		"generic root tls": {v1alpha1.FlavorGeneric, "/", withTLS, "/", networkingv1.PathTypePrefix,
			map[string]string{}, "webhooks-tls", false},
		"generic root cluster-issuer": {v1alpha1.FlavorGeneric, "/", withClusterIssuer, "/", networkingv1.PathTypePrefix,
			map[string]string{AnnotationCertManagerCIssuer: "letsencrypt"}, "fleet-tls", false},
		"generic root issuer": {v1alpha1.FlavorGeneric, "/", withIssuer, "/", networkingv1.PathTypePrefix,
			map[string]string{AnnotationCertManagerIssuer: "local"}, "webhooks-tls", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR(tc.path, tc.tls)
			if err := ValidateExposure(wr, tc.flavor); err != nil {
				t.Fatalf("ValidateExposure: %v", err)
			}
			ing := Ingress(wr, Params{Flavor: tc.flavor})
			if ing.Name != "fleet" || ing.Namespace != "cattle-fleet-system" {
				t.Errorf("name = %s/%s", ing.Namespace, ing.Name)
			}
			if got := ptr.Deref(ing.Spec.IngressClassName, ""); got != "ic" {
				t.Errorf("ingressClassName = %q", got)
			}
			if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "webhooks.example.com" || len(ing.Spec.Rules[0].HTTP.Paths) != 1 {
				t.Fatalf("rules = %+v", ing.Spec.Rules)
			}
			p := ing.Spec.Rules[0].HTTP.Paths[0]
			if p.Path != tc.wantPath || *p.PathType != tc.wantPathType {
				t.Errorf("path = %q %s, want %q %s", p.Path, *p.PathType, tc.wantPath, tc.wantPathType)
			}
			if b := p.Backend.Service; b == nil || b.Name != "fleet-receiver" || b.Port.Number != 80 {
				t.Errorf("backend = %+v", p.Backend)
			}
			want := maps.Clone(tc.wantAnnos)
			want["user/anno"] = "kept"
			if !maps.Equal(ing.Annotations, want) {
				t.Errorf("annotations = %v, want %v", ing.Annotations, want)
			}
			switch {
			case tc.wantTLS == "" && len(ing.Spec.TLS) != 0:
				t.Errorf("unexpected TLS %+v", ing.Spec.TLS)
			case tc.wantTLS != "" && (len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != tc.wantTLS ||
				len(ing.Spec.TLS[0].Hosts) != 1 || ing.Spec.TLS[0].Hosts[0] != "webhooks.example.com"):
				t.Errorf("TLS = %+v, want secret %q", ing.Spec.TLS, tc.wantTLS)
			}
			if got := NeedsMiddleware(wr, tc.flavor); got != tc.wantMW {
				t.Errorf("NeedsMiddleware = %v, want %v", got, tc.wantMW)
			}
			if tc.wantMW {
				m := Middleware(wr)
				if m.Name != "fleet-strip-prefix" || m.Spec.StripPrefix == nil ||
					len(m.Spec.StripPrefix.Prefixes) != 1 || m.Spec.StripPrefix.Prefixes[0] != "/gitjob" {
					t.Errorf("middleware = %+v", m)
				}
				if m.APIVersion != "traefik.io/v1alpha1" || m.Kind != "Middleware" {
					t.Errorf("middleware type = %s %s", m.APIVersion, m.Kind)
				}
			}
			if len(ing.OwnerReferences) != 1 || !*ing.OwnerReferences[0].Controller || ing.OwnerReferences[0].UID != "uid-1" {
				t.Errorf("ownerReferences = %+v", ing.OwnerReferences)
			}
		})
	}
}

func TestIngressOperatorAnnotationsWin(t *testing.T) {
	wr := testWR("/gitjob", noTLS)
	wr.Spec.Ingress.Annotations[AnnotationNginxRewriteTarget] = "/wrong"
	wr.Spec.Ingress.Priority = ptr.To[int32](7)
	if got := IngressAnnotations(wr, v1alpha1.FlavorNginx)[AnnotationNginxRewriteTarget]; got != "/$2" {
		t.Errorf("rewrite-target = %q", got)
	}
	if got := IngressAnnotations(wr, v1alpha1.FlavorTraefik)[AnnotationTraefikPriority]; got != "7" {
		t.Errorf("priority = %q", got)
	}
}

func TestTraefikMiddlewaresChainUsers(t *testing.T) {
	ours := "cattle-fleet-system-fleet-strip-prefix@kubernetescrd"
	cases := map[string]struct {
		theirs string
		want   string
	}{
		"none of theirs":         {"", ours},
		"theirs kept, ours last": {"infra-allowlist@kubernetescrd", "infra-allowlist@kubernetescrd," + ours},
		"ours already listed":    {ours + ",infra-allowlist@kubernetescrd", ours + ",infra-allowlist@kubernetescrd"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR("/gitjob", noTLS)
			if tc.theirs != "" {
				wr.Spec.Ingress.Annotations[AnnotationTraefikMiddlewares] = tc.theirs
			}
			if got := IngressAnnotations(wr, v1alpha1.FlavorTraefik)[AnnotationTraefikMiddlewares]; got != tc.want {
				t.Errorf("router.middlewares = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValidateExposure(t *testing.T) {
	cases := map[string]struct {
		flavor  v1alpha1.Flavor
		path    string
		wantErr bool
	}{
		"generic root":   {v1alpha1.FlavorGeneric, "/", false},
		"generic gitjob": {v1alpha1.FlavorGeneric, "/gitjob", true},
		"nginx gitjob":   {v1alpha1.FlavorNginx, "/gitjob", false},
		"traefik gitjob": {v1alpha1.FlavorTraefik, "/gitjob", false},
		"generic empty":  {v1alpha1.FlavorGeneric, "", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := ValidateExposure(testWR(tc.path, noTLS), tc.flavor)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

func TestResolveFlavor(t *testing.T) {
	cases := map[string]struct {
		controller string
		want       v1alpha1.Flavor
	}{
		"traefik": {"traefik.io/ingress-controller", v1alpha1.FlavorTraefik},
		"nginx":   {"k8s.io/ingress-nginx", v1alpha1.FlavorNginx},
		"haproxy": {"haproxy.org/ingress-controller/haproxy", v1alpha1.FlavorGeneric},
		"empty":   {"", v1alpha1.FlavorGeneric},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ResolveFlavor(tc.controller); got != tc.want {
				t.Errorf("ResolveFlavor(%q) = %s, want %s", tc.controller, got, tc.want)
			}
		})
	}
}

func TestURL(t *testing.T) {
	cases := map[string]struct {
		path string
		tls  tlsMode
		want string
	}{
		"root http":    {"/", noTLS, "http://webhooks.example.com/"},
		"gitjob https": {"/gitjob", withTLS, "https://webhooks.example.com/gitjob"},
		"default path": {"", withClusterIssuer, "https://webhooks.example.com/"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := URL(testWR(tc.path, tc.tls)); got != tc.want {
				t.Errorf("URL = %q, want %q", got, tc.want)
			}
		})
	}
}

// Traefik orders routers by priority alone: two receivers on one host must
// not tie, the longer path must win, and both must still beat an
// application's catch-all (Traefik's own default is the rule length, far
// below 100 for a host-only rule).
func TestTraefikDefaultPriority(t *testing.T) {
	cases := map[string]struct {
		path     string
		explicit *int32
		want     string
	}{
		"root":                     {path: "/", want: "101"},
		"unset path is the root":   {path: "", want: "101"},
		"gitjob":                   {path: "/gitjob", want: "107"},
		"nested path":              {path: "/hooks/fleet", want: "112"},
		"explicit priority as set": {path: "/gitjob", explicit: ptr.To[int32](7), want: "7"},
		"explicit 100 is kept":     {path: "/", explicit: ptr.To[int32](100), want: "100"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR(tc.path, noTLS)
			wr.Spec.Ingress.Priority = tc.explicit
			if got := IngressAnnotations(wr, v1alpha1.FlavorTraefik)[AnnotationTraefikPriority]; got != tc.want {
				t.Errorf("router.priority = %q, want %q", got, tc.want)
			}
		})
	}
	root, gitjob := testWR("/", noTLS), testWR("/gitjob", noTLS)
	if TraefikPriority(gitjob) <= TraefikPriority(root) {
		t.Errorf("/gitjob (%d) must outrank / (%d) on the same host", TraefikPriority(gitjob), TraefikPriority(root))
	}
}
