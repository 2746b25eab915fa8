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

// ClusterRoleBinding binds a cross-namespace receiver's ServiceAccount to
// the fixed receiver ClusterRole in every namespace. It is cluster-scoped, so
// it cannot carry an owner reference to the namespaced WebhookReceiver: the
// owner labels find it and a finalizer deletes it.
func ClusterRoleBinding(wr *v1alpha1.WebhookReceiver, p Params) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleBindingName(wr), Labels: OwnerLabels(wr)},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: p.ReceiverClusterRole},
		Subjects:   receiverSubjects(wr),
	}
}

// OwnerLabels are the labels of a child that cannot carry an owner
// reference (cluster-scoped, or in another namespace): the usual ones plus
// the owner's namespace and name.
func OwnerLabels(wr *v1alpha1.WebhookReceiver) map[string]string {
	l := Labels(wr)
	l[LabelOwnerNamespace] = wr.Namespace
	l[LabelOwnerName] = wr.Name
	return l
}
