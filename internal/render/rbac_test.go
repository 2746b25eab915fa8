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
	"testing"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestRBAC(t *testing.T) {
	p := Params{ReceiverClusterRole: "webhook-operator-receiver-role"}
	cases := map[string]struct {
		secretName string
		crossNS    bool
		wantSecret string
	}{
		"own namespace":           {"", false, "fleet-webhook"},
		"fleet secret, cross-ns":  {"gitjob-webhook", true, "gitjob-webhook"},
		"default secret cross-ns": {"", true, "fleet-webhook"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR("/", noTLS)
			wr.Spec.SecretName = tc.secretName
			if tc.crossNS {
				wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
			}
			if wr.Spec.Targets.CrossNamespace() != tc.crossNS {
				t.Errorf("CrossNamespace = %v", wr.Spec.Targets.CrossNamespace())
			}
			role := Role(wr, nil)
			if role.Name != "fleet-receiver" || len(role.Rules) != 2 {
				t.Fatalf("role = %+v", role)
			}
			for _, r := range role.Rules {
				if !slices.Equal(r.Verbs, []string{"get", "list", "watch"}) || len(r.ResourceNames) != 1 {
					t.Errorf("rule %+v: want get/list/watch on one resourceName", r)
				}
			}
			if role.Rules[0].Resources[0] != "secrets" || role.Rules[0].ResourceNames[0] != tc.wantSecret {
				t.Errorf("secret rule = %+v", role.Rules[0])
			}
			if role.Rules[1].Resources[0] != "webhookreceivers" || role.Rules[1].ResourceNames[0] != "fleet" ||
				role.Rules[1].APIGroups[0] != "gitops.webhook-operator.dev" {
				t.Errorf("webhookreceiver rule = %+v", role.Rules[1])
			}
			sa := rbacv1.Subject{Kind: "ServiceAccount", Name: "fleet-receiver", Namespace: "cattle-fleet-system"}
			rb := RoleBinding(wr)
			if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != "fleet-receiver" || rb.Subjects[0] != sa {
				t.Errorf("rolebinding = %+v", rb)
			}
			grb := GitRepoRoleBinding(wr, p)
			if grb.Name != "fleet-receiver-gitrepos" || grb.RoleRef.Kind != "ClusterRole" || grb.RoleRef.Name != p.ReceiverClusterRole || grb.Subjects[0] != sa {
				t.Errorf("gitrepo rolebinding = %+v", grb)
			}
			crb := ClusterRoleBinding(wr, p)
			if crb.Name != "webhook-receiver.cattle-fleet-system.fleet" || crb.Namespace != "" || len(crb.OwnerReferences) != 0 ||
				crb.RoleRef.Name != p.ReceiverClusterRole || crb.Subjects[0] != sa ||
				crb.Labels[LabelOwnerNamespace] != "cattle-fleet-system" || crb.Labels[LabelOwnerName] != "fleet" {
				t.Errorf("clusterrolebinding = %+v", crb)
			}
			if ServiceAccount(wr).Name != "fleet-receiver" {
				t.Error("serviceaccount name")
			}
		})
	}
}

func TestGrantWebhookSecrets(t *testing.T) {
	gr := func(ns, name, secret string, deleting bool) fleet.GitRepo {
		g := fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: fleet.GitRepoSpec{WebhookSecret: secret}}
		if deleting {
			g.DeletionTimestamp = ptr.To(metav1.Now())
		}
		return g
	}
	got := GrantWebhookSecrets([]fleet.GitRepo{
		gr("tenant-a", "web", "web-hook", false),
		gr("tenant-a", "api", "api-hook", false),
		gr("tenant-a", "api-2", "api-hook", false),
		gr("tenant-a", "plain", "", false),
		gr("tenant-b", "gone", "gone-hook", true),
		gr("tenant-c", "ops", "ops-hook", false),
	})
	want := WebhookSecretGrants{"tenant-a": {"api-hook", "web-hook"}, "tenant-c": {"ops-hook"}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("grants = %v, want %v", got, want)
	}
}

func TestWebhookSecretRBAC(t *testing.T) {
	wr := testWR("/", noTLS)
	own := Role(wr, []string{"repo-hook", "fleet-webhook", "a-hook"})
	if got := own.Rules[0].ResourceNames; !slices.Equal(got, []string{"fleet-webhook", "repo-hook", "a-hook"}) {
		t.Errorf("own Role's Secrets = %q: want its own Secret first, each name once", got)
	}
	role := WebhookSecretRole(wr, "tenant-b", []string{"b-hook"})
	rb := WebhookSecretRoleBinding(wr, "tenant-b")
	for _, meta := range []metav1.ObjectMeta{role.ObjectMeta, rb.ObjectMeta} {
		if meta.Namespace != "tenant-b" || meta.Name != "webhook-receiver.cattle-fleet-system.fleet" || len(meta.OwnerReferences) != 0 ||
			meta.Labels[LabelOwnerNamespace] != "cattle-fleet-system" || meta.Labels[LabelOwnerName] != "fleet" || meta.Labels[LabelManagedBy] != LabelManagedByValue {
			t.Errorf("metadata = %+v: want owner labels, no owner reference across namespaces", meta)
		}
	}
	if len(role.Rules) != 1 || !slices.Equal(role.Rules[0].ResourceNames, []string{"b-hook"}) ||
		!slices.Equal(role.Rules[0].Resources, []string{"secrets"}) || !slices.Equal(role.Rules[0].Verbs, []string{"get", "list", "watch"}) {
		t.Errorf("rules = %+v", role.Rules)
	}
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: "fleet-receiver", Namespace: "cattle-fleet-system"}
	if rb.RoleRef != (rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name}) || len(rb.Subjects) != 1 || rb.Subjects[0] != sa {
		t.Errorf("rolebinding = %+v", rb)
	}
}
