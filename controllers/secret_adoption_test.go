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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Naming a Secret in spec.secretName must never hand it to the operator:
// only a Secret the operator created, or one carrying the adopt opt-in, is
// written.
var _ = Describe("Secret adoption", Ordered, func() {
	const ns = "adopt-test"

	BeforeAll(func() {
		createNS(ns)
		ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx-adopt"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}}
		Expect(k8sClient.Create(ctx, ic)).To(Succeed())
	})

	It("leaves a Secret it did not create byte-for-byte untouched and stalls with SecretNotOwned", func() {
		db := secret(ns, "app-db", map[string]string{"password": "hunter2"})
		Expect(k8sClient.Create(ctx, db)).To(Succeed())
		before := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "app-db"), before)).To(Succeed())

		wr := ingressWR(ns, "takeover", "nginx-adopt", "/")
		wr.Spec.SecretName = "app-db"
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		w := eventuallyCondition(ns, "takeover", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonSecretNotOwned)
		msg := meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message
		Expect(msg).To(ContainSubstring(`Secret "app-db"`))
		Expect(msg).To(ContainSubstring(v1alpha1.AnnotationAdopt + `="true"`))
		Expect(meta.IsStatusConditionTrue(w.Status.Conditions, v1alpha1.ConditionReady)).To(BeFalse())

		Consistently(func(g Gomega) {
			after := &corev1.Secret{}
			g.Expect(k8sClient.Get(ctx, key(ns, "app-db"), after)).To(Succeed())
			g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion))
			g.Expect(after.Data).To(Equal(before.Data))
			g.Expect(after.OwnerReferences).To(BeEmpty())
			g.Expect(after.Labels).To(Equal(before.Labels))
			g.Expect(after.Annotations).To(Equal(before.Annotations))
		}, 3*time.Second, interval).Should(Succeed())
		// Nor may the receiver read it: its Role is not written.
		Expect(k8sClient.Get(ctx, key(ns, "takeover-receiver"), &rbacv1.Role{})).To(Satisfy(apierrors.IsNotFound))
	})

	It("adopts it once the Secret carries the opt-in, keeps its values, and never makes it a garbage-collection child", func() {
		db := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "app-db"), db)).To(Succeed())
		db.Data["github"] = []byte("token-the-git-host-already-has")
		db.Annotations = map[string]string{v1alpha1.AnnotationAdopt: "true"}
		Expect(k8sClient.Update(ctx, db)).To(Succeed())

		eventuallyReady(ns, "takeover")
		s := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "app-db"), s)).To(Succeed())
		Expect(string(s.Data["github"])).To(Equal("token-the-git-host-already-has"), "a generate: true provider keeps the adopted value")
		Expect(string(s.Data["password"])).To(Equal("hunter2"), "keys the receiver does not use stay")
		Expect(s.OwnerReferences).To(BeEmpty(), "deleting the WebhookReceiver must leave an adopted Secret in place")
		role := &rbacv1.Role{}
		Expect(k8sClient.Get(ctx, key(ns, "takeover-receiver"), role)).To(Succeed())
		Expect(role.Rules[0].ResourceNames).To(ContainElement("app-db"))
	})

	It("refuses a Secret another WebhookReceiver controls, even with the opt-in", func() {
		first := ingressWR(ns, "first", "nginx-adopt", "/")
		Expect(k8sClient.Create(ctx, first)).To(Succeed())
		eventuallyReady(ns, "first")
		theirs := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "first-webhook"), theirs)).To(Succeed())
		theirs.Annotations[v1alpha1.AnnotationAdopt] = "true"
		Expect(k8sClient.Update(ctx, theirs)).To(Succeed())
		Expect(k8sClient.Get(ctx, key(ns, "first-webhook"), theirs)).To(Succeed())

		second := ingressWR(ns, "second", "nginx-adopt", "/")
		second.Spec.SecretName = "first-webhook"
		Expect(k8sClient.Create(ctx, second)).To(Succeed())
		w := eventuallyCondition(ns, "second", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonSecretNotOwned)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message).To(ContainSubstring(`WebhookReceiver "first"`))
		after := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "first-webhook"), after)).To(Succeed())
		Expect(after.ResourceVersion).To(Equal(theirs.ResourceVersion))
	})
})
