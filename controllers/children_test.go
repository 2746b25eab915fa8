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
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/apply"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// kinds names objects "Kind name", as the Events list them.
func kinds(objs []client.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetObjectKind().GroupVersionKind().Kind+" "+o.GetName())
	}
	return out
}

func TestDesiredChildren(t *testing.T) {
	// Every receiver has these, in this order: the Secret first, so the
	// Deployment never starts without it.
	common := []string{"Secret fleet-webhook", "ServiceAccount fleet-receiver", "Role fleet-receiver",
		"RoleBinding fleet-receiver", "Deployment fleet-receiver", "Service fleet-receiver"}
	cases := map[string]struct {
		wr           *v1alpha1.WebhookReceiver
		flavor       v1alpha1.Flavor
		crds         optionalCRDs
		grants       secretGrants
		wantDesired  []string // after common
		wantUnwanted []string
	}{
		"nginx in its own namespace": {wr: ingressWR("fleet-local", "fleet", "nginx", "/gitjob"), flavor: v1alpha1.FlavorNginx,
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "Ingress fleet"},
			wantUnwanted: []string{"PodDisruptionBudget fleet-receiver"}},
		"optional CRDs installed": {wr: ingressWR("fleet-local", "fleet", "nginx", "/"), flavor: v1alpha1.FlavorNginx,
			crds:         optionalCRDs{middleware: true, httpRoute: true},
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "Ingress fleet"},
			wantUnwanted: []string{"PodDisruptionBudget fleet-receiver", "HTTPRoute fleet", "Middleware fleet-strip-prefix"}},
		"cross-namespace": {wr: crossNamespaceWR(false), flavor: v1alpha1.FlavorNginx,
			wantDesired:  []string{"ClusterRoleBinding webhook-receiver.fleet-local.fleet", "Ingress fleet"},
			wantUnwanted: []string{"RoleBinding fleet-receiver-gitrepos", "PodDisruptionBudget fleet-receiver"}},
		"no longer cross-namespace (finalizer set)": {wr: withFinalizer(ingressWR("fleet-local", "fleet", "nginx", "/")), flavor: v1alpha1.FlavorNginx,
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "Ingress fleet"},
			wantUnwanted: []string{"ClusterRoleBinding webhook-receiver.fleet-local.fleet", "PodDisruptionBudget fleet-receiver"}},
		"two replicas": {wr: replicas(ingressWR("fleet-local", "fleet", "nginx", "/"), 2), flavor: v1alpha1.FlavorNginx,
			wantDesired: []string{"RoleBinding fleet-receiver-gitrepos", "PodDisruptionBudget fleet-receiver", "Ingress fleet"}},
		"traefik with a path": {wr: ingressWR("fleet-local", "fleet", "traefik", "/gitjob"), flavor: v1alpha1.FlavorTraefik,
			crds:         optionalCRDs{middleware: true},
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "Ingress fleet", "Middleware fleet-strip-prefix"},
			wantUnwanted: []string{"PodDisruptionBudget fleet-receiver"}},
		"traefik at the root": {wr: ingressWR("fleet-local", "fleet", "traefik", "/"), flavor: v1alpha1.FlavorTraefik,
			crds:         optionalCRDs{middleware: true},
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "Ingress fleet"},
			wantUnwanted: []string{"PodDisruptionBudget fleet-receiver", "Middleware fleet-strip-prefix"}},
		"gateway": {wr: gatewayWR("fleet-local", "fleet", "/hooks"), crds: optionalCRDs{httpRoute: true},
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "HTTPRoute fleet"},
			wantUnwanted: []string{"PodDisruptionBudget fleet-receiver", "Ingress fleet"}},
		"webhook Secrets in its own namespace go into its Role": {wr: ingressWR("fleet-local", "fleet", "nginx", "/"), flavor: v1alpha1.FlavorNginx,
			grants:       secretGrants{byNamespace: render.WebhookSecretGrants{"fleet-local": {"repo-hook"}}},
			wantDesired:  []string{"RoleBinding fleet-receiver-gitrepos", "Ingress fleet"},
			wantUnwanted: []string{"PodDisruptionBudget fleet-receiver"}},
		"webhook Secrets in other namespaces, one no longer granted": {wr: crossNamespaceWR(true), flavor: v1alpha1.FlavorNginx,
			grants: secretGrants{
				byNamespace: render.WebhookSecretGrants{"tenant-b": {"b-hook"}, "tenant-a": {"a-hook"}},
				foreign: []client.Object{
					render.WebhookSecretRole(crossNamespaceWR(true), "tenant-b", []string{"old"}),
					render.WebhookSecretRole(crossNamespaceWR(true), "tenant-c", []string{"c-hook"}),
					render.WebhookSecretRoleBinding(crossNamespaceWR(true), "tenant-c"),
				},
			},
			wantDesired: []string{"Role webhook-receiver.fleet-local.fleet", "RoleBinding webhook-receiver.fleet-local.fleet",
				"Role webhook-receiver.fleet-local.fleet", "RoleBinding webhook-receiver.fleet-local.fleet",
				"ClusterRoleBinding webhook-receiver.fleet-local.fleet", "Ingress fleet"},
			wantUnwanted: []string{"Role webhook-receiver.fleet-local.fleet", "RoleBinding webhook-receiver.fleet-local.fleet",
				"RoleBinding fleet-receiver-gitrepos", "PodDisruptionBudget fleet-receiver"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			secret := render.Secret(tc.wr, map[string][]byte{"github": []byte("x")}, []string{"github"})
			p := render.Params{Image: "img:1", ReceiverClusterRole: DefaultReceiverClusterRole, Flavor: tc.flavor}
			c := desiredChildren(tc.wr, secret, p, tc.crds, tc.grants)
			if want := append(slices.Clone(common), tc.wantDesired...); !slices.Equal(kinds(c.desired), want) {
				t.Errorf("desired = %q\nwant      %q", kinds(c.desired), want)
			}
			if got := kinds(c.unwanted); !slices.Equal(got, tc.wantUnwanted) {
				t.Errorf("unwanted = %q\nwant       %q", got, tc.wantUnwanted)
			}
			if c.desired[0] != secret {
				t.Error("the Secret given must be applied first, as given")
			}
			role := c.desired[2].(*rbacv1.Role)
			if want := append([]string{"fleet-webhook"}, tc.grants.byNamespace[tc.wr.Namespace]...); !slices.Equal(role.Rules[0].ResourceNames, want) {
				t.Errorf("own Role's Secrets = %q, want %q", role.Rules[0].ResourceNames, want)
			}
			for _, obj := range c.desired {
				if obj.GetNamespace() != tc.wr.Namespace && obj.GetNamespace() != "" {
					if _, ok := tc.grants.byNamespace[obj.GetNamespace()]; !ok {
						t.Errorf("%s in %s, where nothing is granted", obj.GetName(), obj.GetNamespace())
					}
				}
			}
			for _, obj := range c.unwanted {
				if _, ok := tc.grants.byNamespace[obj.GetNamespace()]; ok && obj.GetNamespace() != tc.wr.Namespace {
					t.Errorf("%s in %s is still granted, must not be removed", obj.GetName(), obj.GetNamespace())
				}
			}
		})
	}
}

func crossNamespaceWR(finalizer bool) *v1alpha1.WebhookReceiver {
	wr := ingressWR("fleet-local", "fleet", "nginx", "/")
	wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
	if finalizer {
		return withFinalizer(wr)
	}
	return wr
}

func withFinalizer(wr *v1alpha1.WebhookReceiver) *v1alpha1.WebhookReceiver {
	wr.Finalizers = []string{v1alpha1.ClusterRBACFinalizer}
	return wr
}

func replicas(wr *v1alpha1.WebhookReceiver, n int32) *v1alpha1.WebhookReceiver {
	wr.Spec.Receiver.Replicas = ptr.To(n)
	return wr
}

func TestOwnedBy(t *testing.T) {
	wr := crossNamespaceWR(true)
	wr.UID = "uid-1"
	other := wr.DeepCopy()
	other.Name, other.UID = "other", "uid-2"
	crb := func(ns, name string) client.Object {
		return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "webhook-receiver.fleet-local.fleet",
			Labels: map[string]string{render.LabelOwnerNamespace: ns, render.LabelOwnerName: name}}}
	}
	svc := func(owner *v1alpha1.WebhookReceiver) client.Object {
		s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet-local", Name: "fleet-receiver"}}
		if owner != nil {
			s.OwnerReferences = []metav1.OwnerReference{render.OwnerReference(owner)}
		}
		return s
	}
	cases := map[string]struct {
		live client.Object
		want bool
	}{
		"namespaced, controlled by the receiver": {svc(wr), true},
		"namespaced, controlled by another":      {svc(other), false},
		"namespaced, someone else's":             {svc(nil), false},
		"cluster-scoped, owner labels match":     {crb("fleet-local", "fleet"), true},
		"cluster-scoped, other namespace":        {crb("tenant", "fleet"), false},
		"cluster-scoped, other name":             {crb("fleet-local", "other"), false},
		"other namespace, owner labels match":    {render.WebhookSecretRole(wr, "tenant-b", []string{"b-hook"}), true},
		"other namespace, another receiver's":    {render.WebhookSecretRole(other, "tenant-b", []string{"b-hook"}), false},
		"other namespace, no owner labels":       {&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "webhook-receiver.fleet-local.fleet"}}, false},
	}
	owned := ownedBy(wr)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := owned(tc.live); got != tc.want {
				t.Errorf("owned = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestChildChanges(t *testing.T) {
	wr := ingressWR("fleet-local", "fleet", "nginx", "/")
	c := &childChanges{}
	c.record(context.Background(), apply.Unchanged, render.Service(wr))
	if c.any() {
		t.Fatal("an unchanged child is not a change")
	}
	c.record(context.Background(), apply.Created, render.Service(wr))
	c.record(context.Background(), apply.Updated, render.Deployment(wr, render.Params{}))
	c.record(context.Background(), apply.Deleted, render.PodDisruptionBudget(wr))
	if !c.any() || !slices.Equal(c.created, []string{"Service fleet-receiver"}) ||
		!slices.Equal(c.updated, []string{"Deployment fleet-receiver"}) || !slices.Equal(c.deleted, []string{"PodDisruptionBudget fleet-receiver"}) {
		t.Errorf("changes = %+v", c)
	}
}
