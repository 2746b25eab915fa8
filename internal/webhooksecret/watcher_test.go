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

package webhooksecret

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

var _ = Describe("Watcher", func() {
	It("watches exactly the Secrets that GitRepos inside the targets name, following GitRepo and target changes", func(sctx SpecContext) {
		ns := newNamespace()
		other := newNamespace()
		bg := context.Background()
		wr := &v1alpha1.WebhookReceiver{
			ObjectMeta: metav1.ObjectMeta{Name: "hooks", Namespace: ns},
			Spec: v1alpha1.WebhookReceiverSpec{
				Host: "hooks.example.com", Ingress: &v1alpha1.IngressSpec{ClassName: "traefik"},
				Providers: v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{Generate: true}},
				Targets:   v1alpha1.Targets{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}},
			},
		}
		Expect(k8s.Create(bg, wr)).To(Succeed())
		gitRepo := func(ns, name, secret string, labels map[string]string) *fleet.GitRepo {
			gr := &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
				Spec: fleet.GitRepoSpec{Repo: "https://github.com/org/" + name, WebhookSecret: secret}}
			Expect(k8s.Create(bg, gr)).To(Succeed())
			return gr
		}
		teamA := map[string]string{"team": "a"}
		inTargets := gitRepo(ns, "in-targets", "s1", teamA)
		unlabelled := gitRepo(ns, "unlabelled", "s2", nil)
		gitRepo(ns, "no-secret", "", teamA)
		gitRepo(other, "other-namespace", "s3", teamA)

		// GitRepos cached as the receiver caches them: compact entries.
		c, err := cache.New(cfg, cache.Options{Scheme: testScheme(), ByObject: map[client.Object]cache.ByObject{
			&fleet.GitRepo{}: {Transform: gitrepo.Transform},
		}})
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(bg)
		DeferCleanup(cancel)
		go func() { _ = c.Start(ctx) }()
		store := NewStore(kubernetes.NewForConfigOrDie(cfg), logf.Log.WithName("store"))
		w := &Watcher{Store: store, Cache: c, Reader: c, Receiver: client.ObjectKeyFromObject(wr), Log: logf.Log.WithName("watcher")}
		done := make(chan error, 1)
		go func() { done <- w.Start(ctx) }()

		key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }
		complete := func() bool {
			_, complete := store.Any(func(map[string][]byte) bool { return false })
			return complete
		}
		Eventually(complete).Should(BeTrue(), "complete once every GitRepo was seen and s1's watch listed")
		Expect(store.Watched()).To(ConsistOf(key("s1")), "complete means every Secret to keep is kept")

		By("labelling a GitRepo into the targets")
		unlabelled.Labels = teamA
		Expect(k8s.Update(bg, unlabelled)).To(Succeed())
		Eventually(store.Watched).Should(ConsistOf(key("s1"), key("s2")))

		By("renaming a GitRepo's webhookSecret")
		inTargets.Spec.WebhookSecret = "s1b"
		Expect(k8s.Update(bg, inTargets)).To(Succeed())
		Eventually(store.Watched).Should(ConsistOf(key("s1b"), key("s2")))

		By("narrowing the targets")
		Expect(k8s.Get(bg, client.ObjectKeyFromObject(wr), wr)).To(Succeed())
		wr.Spec.Targets.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}}
		Expect(k8s.Update(bg, wr)).To(Succeed())
		Eventually(store.Watched).Should(BeEmpty())

		By("widening them again, then deleting a GitRepo")
		wr.Spec.Targets.Selector = nil
		Expect(k8s.Update(bg, wr)).To(Succeed())
		Eventually(store.Watched).Should(ConsistOf(key("s1b"), key("s2")))
		Expect(k8s.Delete(bg, inTargets)).To(Succeed())
		Eventually(store.Watched).Should(ConsistOf(key("s2")))

		cancel()
		Eventually(done).Should(Receive(BeNil()))
		Expect(store.Watched()).To(BeEmpty())
	})
})
