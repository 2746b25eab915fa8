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

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

var readVerbs = []string{"get", "list", "watch"}

// Role lets the receiver read only its own Secret, the Secrets GitRepos in
// its own namespace name in spec.webhookSecret (webhookSecrets), and its own
// WebhookReceiver (resourceNames), nothing else in the namespace.
func Role(wr *v1alpha1.WebhookReceiver, webhookSecrets []string) *rbacv1.Role {
	secrets := []string{wr.SecretNameOrDefault()}
	for _, n := range webhookSecrets {
		if !slices.Contains(secrets, n) {
			secrets = append(secrets, n)
		}
	}
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "Role"},
		ObjectMeta: objectMeta(wr, ReceiverName(wr)),
		Rules: []rbacv1.PolicyRule{
			secretsRule(secrets),
			{
				APIGroups:     []string{v1alpha1.GroupVersion.Group},
				Resources:     []string{"webhookreceivers"},
				ResourceNames: []string{wr.Name},
				Verbs:         readVerbs,
			},
		},
	}
}

// secretsRule reads the named Secrets. list and watch with resourceNames
// are allowed only for requests that select one name (metadata.name=), which
// is how the receiver's informers read them; names must not be empty, as a
// rule without resourceNames would grant every Secret.
func secretsRule(names []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{
		APIGroups:     []string{""},
		Resources:     []string{"secrets"},
		ResourceNames: names,
		Verbs:         readVerbs,
	}
}
