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
	"testing"

	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

func TestHTTPRoute(t *testing.T) {
	cases := map[string]struct {
		path        string
		tls         tlsMode
		wantPrefix  string
		wantRewrite bool
		wantURL     string
	}{
		"root":              {"/", noTLS, "/", false, "http://webhooks.example.com/"},
		"root tls":          {"/", withTLS, "/", false, "https://webhooks.example.com/"},
		"root issuer":       {"/", withClusterIssuer, "/", false, "https://webhooks.example.com/"},
		"gitjob":            {"/gitjob", noTLS, "/gitjob", true, "http://webhooks.example.com/gitjob"},
		"gitjob tls":        {"/gitjob", withTLS, "/gitjob", true, "https://webhooks.example.com/gitjob"},
		"gitjob issuer":     {"/gitjob", withIssuer, "/gitjob", true, "https://webhooks.example.com/gitjob"},
		"nested hooks path": {"/a/hooks", noTLS, "/a/hooks", true, "http://webhooks.example.com/a/hooks"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR(tc.path, tc.tls)
			wr.Spec.Ingress = nil
			wr.Spec.Gateway = &v1alpha1.GatewaySpec{ParentRefs: []gatewayv1.ParentReference{{
				Name: "public", Namespace: ptr.To(gatewayv1.Namespace("gateway-system")), SectionName: ptr.To(gatewayv1.SectionName("https")),
			}}}
			r := HTTPRoute(wr)
			if r.APIVersion != "gateway.networking.k8s.io/v1" || r.Kind != "HTTPRoute" || r.Name != "fleet" {
				t.Errorf("type/name = %s %s %s", r.APIVersion, r.Kind, r.Name)
			}
			if len(r.Spec.ParentRefs) != 1 || r.Spec.ParentRefs[0].Name != "public" || *r.Spec.ParentRefs[0].SectionName != "https" {
				t.Errorf("parentRefs = %+v", r.Spec.ParentRefs)
			}
			if len(r.Spec.Hostnames) != 1 || r.Spec.Hostnames[0] != "webhooks.example.com" {
				t.Errorf("hostnames = %v", r.Spec.Hostnames)
			}
			if len(r.Spec.Rules) != 1 {
				t.Fatalf("rules = %+v", r.Spec.Rules)
			}
			rule := r.Spec.Rules[0]
			if len(rule.Matches) != 1 || *rule.Matches[0].Path.Type != gatewayv1.PathMatchPathPrefix || *rule.Matches[0].Path.Value != tc.wantPrefix {
				t.Errorf("matches = %+v", rule.Matches)
			}
			if len(rule.BackendRefs) != 1 || rule.BackendRefs[0].Name != "fleet-receiver" || *rule.BackendRefs[0].Port != 80 {
				t.Errorf("backendRefs = %+v", rule.BackendRefs)
			}
			if !tc.wantRewrite {
				if len(rule.Filters) != 0 {
					t.Errorf("unexpected filters %+v", rule.Filters)
				}
			} else if len(rule.Filters) != 1 || rule.Filters[0].Type != gatewayv1.HTTPRouteFilterURLRewrite ||
				rule.Filters[0].URLRewrite.Path.Type != gatewayv1.PrefixMatchHTTPPathModifier ||
				*rule.Filters[0].URLRewrite.Path.ReplacePrefixMatch != "/" {
				t.Errorf("filters = %+v", rule.Filters)
			}
			if got := URL(wr); got != tc.wantURL {
				t.Errorf("URL = %q, want %q", got, tc.wantURL)
			}
			if NeedsMiddleware(wr, v1alpha1.FlavorTraefik) {
				t.Error("a gateway receiver never needs a Middleware")
			}
		})
	}
}
