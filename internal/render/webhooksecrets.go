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
	"slices"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// A GitRepo may name its own webhook Secret (spec.webhookSecret), which the
// receiver verifies its deliveries with. The operator grants the receiver
// read access to exactly those Secrets, per namespace, so no one has to
// write a Role by hand and nothing else becomes readable: in the receiver's
// own namespace through its Role, in the other namespaces a cross-namespace
// receiver targets through a Role and RoleBinding there.

// WebhookSecretGrants are the Secrets a receiver may read, by namespace:
// those GitRepos inside its targets name in spec.webhookSecret. Names are
// sorted and unique; a namespace with none has no entry.
type WebhookSecretGrants map[string][]string

// GrantWebhookSecrets collects the grants from the GitRepos in a receiver's
// targets (the caller selects them). A GitRepo being deleted needs no
// webhook any more.
func GrantWebhookSecrets(inScope []fleet.GitRepo) WebhookSecretGrants {
	g := WebhookSecretGrants{}
	for i := range inScope {
		gr := &inScope[i]
		name := gr.Spec.WebhookSecret
		if name == "" || !gr.DeletionTimestamp.IsZero() || slices.Contains(g[gr.Namespace], name) {
			continue
		}
		g[gr.Namespace] = append(g[gr.Namespace], name)
	}
	for ns := range g {
		slices.Sort(g[ns])
	}
	return g
}

// WebhookSecretRBACName names the Role and RoleBinding of a receiver in
// another namespace. Namespaces cannot contain dots, so <ns>.<name> is
// unique among receivers.
func WebhookSecretRBACName(wr *v1alpha1.WebhookReceiver) string {
	return "webhook-receiver." + wr.Namespace + "." + wr.Name
}

// foreignMeta is the metadata of a child in another namespace than its
// WebhookReceiver's: an owner reference cannot cross namespaces, so the
// owner labels find it and the finalizer deletes it.
func foreignMeta(wr *v1alpha1.WebhookReceiver, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: WebhookSecretRBACName(wr), Namespace: namespace, Labels: OwnerLabels(wr)}
}

// WebhookSecretRole lets the receiver read the named Secrets in namespace
// (one other than its own). names must not be empty.
func WebhookSecretRole(wr *v1alpha1.WebhookReceiver, namespace string, names []string) *rbacv1.Role {
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "Role"},
		ObjectMeta: foreignMeta(wr, namespace),
		Rules:      []rbacv1.PolicyRule{secretsRule(slices.Clone(names))},
	}
}

// WebhookSecretRoleBinding binds the receiver's ServiceAccount to its
// WebhookSecretRole in namespace.
func WebhookSecretRoleBinding(wr *v1alpha1.WebhookReceiver, namespace string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: foreignMeta(wr, namespace),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: WebhookSecretRBACName(wr)},
		Subjects:   receiverSubjects(wr),
	}
}
