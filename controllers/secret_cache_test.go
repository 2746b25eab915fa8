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
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// The operator must not hold every Secret of the cluster in memory: its
// cache keeps the Secrets it labelled, nothing else.
var _ = Describe("The operator's Secret cache", Ordered, func() {
	const ns = "cache-test"

	It("does not hold a Secret the operator neither owns nor reads", func() {
		createNS(ns)
		Expect(k8sClient.Create(ctx, secret(ns, "unrelated", map[string]string{"password": "hunter2"}))).To(Succeed())
		Expect(k8sClient.Create(ctx, secret(ns, "gh-cache", map[string]string{"token": "t1"}))).To(Succeed())
		wr := ingressWR(ns, "cached", "none", "/")
		wr.Spec.Ingress.Flavor = v1alpha1.FlavorNginx
		wr.Spec.Providers = v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "gh-cache", Key: "token"}}}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		eventuallyReady(ns, "cached")

		mgrCache := reconciler.cache
		Expect(mgrCache.Get(ctx, key(ns, "cached-webhook"), &corev1.Secret{})).To(Succeed(), "the receiver's own Secret is cached")
		Expect(mgrCache.Get(ctx, key(ns, "unrelated"), &corev1.Secret{})).To(Satisfy(apierrors.IsNotFound))
		var all corev1.SecretList
		Expect(mgrCache.List(ctx, &all)).To(Succeed())
		for _, s := range all.Items {
			Expect(s.Labels).To(HaveKeyWithValue(render.LabelManagedBy, render.LabelManagedByValue), "cached Secret %s/%s", s.Namespace, s.Name)
		}
	})

	It("watches a referenced Secret by name, and a rotation still reaches the receiver Secret", func() {
		got, synced := reconciler.secrets.get(key(ns, "gh-cache"))
		Expect(synced).To(BeTrue())
		Expect(got).NotTo(BeNil())
		_, synced = reconciler.secrets.get(key(ns, "unrelated"))
		Expect(synced).To(BeFalse(), "no watch on a Secret nobody reads")

		gh := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "gh-cache"), gh)).To(Succeed())
		gh.Data["token"] = []byte("t2")
		Expect(k8sClient.Update(ctx, gh)).To(Succeed())
		Eventually(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(k8sClient.Get(ctx, key(ns, "cached-webhook"), s)).To(Succeed())
			g.Expect(string(s.Data["github"])).To(Equal("t2"))
		}, timeout, interval).Should(Succeed())

		// A receiver that stops referencing it stops the watch.
		updateWR(ns, "cached", func(w *v1alpha1.WebhookReceiver) {
			w.Spec.Providers = v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{Generate: true}}
		})
		Eventually(func() bool {
			_, synced := reconciler.secrets.get(key(ns, "gh-cache"))
			return synced
		}, timeout, interval).Should(BeFalse())
	})

	// Figures for the record: WEBHOOK_OPERATOR_MEASURE_CACHE=1 go test ./controllers -ginkgo.focus "heap"
	It("keeps the heap flat with 5,000 unrelated Secrets", func() {
		if os.Getenv("WEBHOOK_OPERATOR_MEASURE_CACHE") == "" {
			Skip("set WEBHOOK_OPERATOR_MEASURE_CACHE=1 to measure")
		}
		const n, size = 5000, 2048
		createNS("cache-measure")
		createSecrets("cache-measure", n, size)
		everything := cache.Options{ByObject: map[client.Object]cache.ByObject{
			&rbacv1.ClusterRoleBinding{}: {Label: labels.SelectorFromSet(labels.Set{render.LabelManagedBy: render.LabelManagedByValue})},
		}}
		before := secretCacheHeap(everything)
		after := secretCacheHeap(CacheOptions())
		fmt.Fprintf(GinkgoWriter, "Secret cache heap with %d unrelated Secrets of %d bytes: every Secret %.1f MiB, labelled only %.2f MiB\n",
			n, size, float64(before)/(1<<20), float64(after)/(1<<20))
		AddReportEntry("secret cache heap", fmt.Sprintf("before %d B, after %d B", before, after))
		Expect(after).To(BeNumerically("<", before/20))
	})
})

// createSecrets creates n unlabelled Secrets of size random bytes each.
func createSecrets(ns string, n, size int) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			for i := range work {
				data := make([]byte, size)
				_, _ = rand.Read(data)
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("unrelated-%05d", i)}, Data: map[string][]byte{"blob": data}}
				Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, s))).To(Succeed())
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// secretCacheHeap is the Go heap a synced Secret informer of a cache built
// with opts holds.
func secretCacheHeap(opts cache.Options) uint64 {
	opts.Scheme = testScheme()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, err := cache.New(cfg, opts)
	Expect(err).NotTo(HaveOccurred())
	cctx, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	_, err = c.GetInformer(cctx, &corev1.Secret{})
	Expect(err).NotTo(HaveOccurred())
	go func() { _ = c.Start(cctx) }()
	Expect(c.WaitForCacheSync(cctx)).To(BeTrue())
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}
