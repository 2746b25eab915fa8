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
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

func receiverSubjects(wr *v1alpha1.WebhookReceiver) []rbacv1.Subject {
	return []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ReceiverName(wr), Namespace: wr.Namespace}}
}

// RoleBinding binds the receiver's ServiceAccount to its own Role.
func RoleBinding(wr *v1alpha1.WebhookReceiver) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: objectMeta(wr, ReceiverName(wr)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ReceiverName(wr)},
		Subjects:   receiverSubjects(wr),
	}
}

// GitRepoRoleBinding binds the receiver's ServiceAccount to the fixed
// receiver ClusterRole within the WebhookReceiver's namespace only (the
// default, when spec.targets.namespaceSelector is unset).
func GitRepoRoleBinding(wr *v1alpha1.WebhookReceiver, p Params) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: objectMeta(wr, GitRepoBindingName(wr)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: p.ReceiverClusterRole},
		Subjects:   receiverSubjects(wr),
	}
}
