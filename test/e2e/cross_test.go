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

package e2e

import (
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// nsCross is the one namespace the manager allows to target other
// namespaces (--cross-namespace-namespaces).
const nsCross = "e2e-ops"

const crossYAML = `
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-ops
---
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-blue
  labels: {team: blue}
---
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-green
---
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-tenant
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: fleet
  namespace: e2e-ops
spec:
  host: ops.example.com
  ingress: {className: nginx, flavor: nginx}
  providers:
    github: {generate: true}
  targets:
    namespaceSelector:
      matchLabels: {team: blue}
---
# A tenant namespace may not reach into others: this one must stall.
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: greedy
  namespace: e2e-tenant
spec:
  host: tenant.example.com
  ingress: {className: nginx, flavor: nginx}
  providers:
    github: {generate: true}
  targets:
    namespaceSelector: {}
`

var _ = Describe("Cross-namespace targets", Ordered, ContinueOnFailure, func() {
	var wr *whv1alpha1.WebhookReceiver

	BeforeAll(func() {
		kubectlApply(crossYAML +
			gitRepo("e2e-blue", "blue-app", "https://github.com/e2e-org/shared", "main") +
			gitRepo("e2e-green", "green-app", "https://github.com/e2e-org/shared", "main"))
		Eventually(func(g Gomega) {
			wr = getWR(nsCross, "fleet")
			g.Expect(wr.Status.SecretName).NotTo(BeEmpty())
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})

	It("stalls a WebhookReceiver whose namespace may not target others, and binds no ClusterRole for it", func() {
		Eventually(func(g Gomega) {
			greedy := getWR("e2e-tenant", "greedy")
			g.Expect(meta.IsStatusConditionTrue(greedy.Status.Conditions, whv1alpha1.ConditionStalled)).To(BeTrue(), "conditions: %+v", greedy.Status.Conditions)
			g.Expect(meta.IsStatusConditionTrue(greedy.Status.Conditions, whv1alpha1.ConditionReady)).To(BeFalse())
		}).WithTimeout(60 * time.Second).Should(Succeed())
		var crbs rbacv1.ClusterRoleBindingList
		Expect(k8s.List(context.Background(), &crbs)).To(Succeed())
		for _, crb := range crbs.Items {
			for _, s := range crb.Subjects {
				Expect(s.Namespace).NotTo(Equal("e2e-tenant"), "ClusterRoleBinding %s", crb.Name)
			}
		}
	})

	It("binds the receiver cluster-wide from an allowed namespace and triggers only selected namespaces", func(ctx SpecContext) {
		var crb *rbacv1.ClusterRoleBinding
		Eventually(func(g Gomega) {
			crb = crossBinding(g)
			g.Expect(crb).NotTo(BeNil(), "no ClusterRoleBinding for a ServiceAccount in %s", nsCross)
			g.Expect(crb.RoleRef.Name).To(Equal(receiverClusterRole))
		}).WithTimeout(60 * time.Second).Should(Succeed())

		rcv, err := bin.StartReceiver(ctx, "receiver-cross", devenv.ReceiverOptions{
			Name: wr.Name, Namespace: wr.Namespace, SecretName: wr.Status.SecretName,
			Kubeconfig: receiverKubeconfig(wr),
		})
		Expect(err).NotTo(HaveOccurred())
		track(rcv.Process)
		DeferCleanup(func() { Expect(rcv.Stop(15 * time.Second)).To(Succeed()) })

		p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/e2e-org/shared", Branch: "main", Commit: gitsim.RandomSHA()}
		r := send(rcv.Endpoints.WebhookURL(), p, receiverSecretValue(Default, wr, whv1alpha1.SecretKeyGitHub))
		Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), r.Body)
		Expect(r.triggered()).To(ConsistOf("e2e-blue/blue-app"), r.Body)
		Eventually(func(g Gomega) {
			g.Expect(getGitRepo(g, "e2e-blue", "blue-app").Status.WebhookCommit).To(Equal(p.Commit))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(getGitRepo(Default, "e2e-green", "green-app").Status.WebhookCommit).To(BeEmpty())

		By("refusing a provider the WebhookReceiver does not enable with 403")
		gl := gitsim.Push{Provider: whv1alpha1.SecretKeyGitLab, RepoURL: "https://github.com/e2e-org/shared", Branch: "main", Commit: gitsim.RandomSHA()}
		r = send(rcv.Endpoints.WebhookURL(), gl, []byte("any"))
		Expect(r.Code).To(Equal(http.StatusForbidden), r.Body)
	}, NodeTimeout(2*time.Minute))

	It("removes the ClusterRoleBinding (a cluster-scoped child) when the WebhookReceiver is deleted", func() {
		kubectl("delete", "-n", nsCross, "webhookreceiver", "fleet", "--wait=false")
		Eventually(func(g Gomega) {
			g.Expect(crossBinding(g)).To(BeNil())
			err := k8s.Get(context.Background(), key(nsCross, "fleet"), &whv1alpha1.WebhookReceiver{})
			g.Expect(client.IgnoreNotFound(err)).To(Succeed())
			g.Expect(err).To(HaveOccurred(), "WebhookReceiver still there (finalizer not removed)")
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})
})

// crossBinding is the ClusterRoleBinding whose subject is a ServiceAccount
// in nsCross, or nil.
func crossBinding(g Gomega) *rbacv1.ClusterRoleBinding {
	var crbs rbacv1.ClusterRoleBindingList
	g.Expect(k8s.List(context.Background(), &crbs)).To(Succeed())
	for i, crb := range crbs.Items {
		for _, s := range crb.Subjects {
			if s.Kind == "ServiceAccount" && s.Namespace == nsCross {
				return &crbs.Items[i]
			}
		}
	}
	return nil
}
