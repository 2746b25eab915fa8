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

package dispatch

import (
	"context"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

var _ = Describe("push to GitRepo through the receiver", func() {
	var (
		ns string
		wr *v1alpha1.WebhookReceiver
	)

	// own starts a receiver targeting only its namespace.
	own := func(mutate func(*v1alpha1.WebhookReceiver)) (*Dispatcher, func(ghPush, string) (int, []string, string)) {
		ns = newNamespace(nil)
		wr = newReceiver(ns, mutate)
		d, stop := startDispatcher(wr, Options{})
		DeferCleanup(stop)
		s := serve(wr, d, time.Minute)
		return d, func(p ghPush, secret string) (int, []string, string) {
			code, out := send(s, p, secret)
			return code, triggered(out), out.Reason
		}
	}

	It("triggers a GitRepo on its branch, sets a missing pollingInterval once, and costs at most one API write per push", func() {
		_, push := own(nil)
		newGitRepo(ns, "app", "git@github.com:example-org/fleet-examples.git", nil)
		newGitRepo(ns, "other-branch", repoURL, func(g *fleet.GitRepo) { g.Spec.Branch = "dev" })
		newGitRepo(ns, "suffix", repoURL+"-suffix", nil)
		newGitRepo(ns, "other-org", "https://github.com/example-org2/fleet-examples", nil)

		code, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(names).To(ConsistOf(ns + "/app@" + sha(1)))

		gr := getGitRepo(ns, "app")
		Expect(gr.Status.WebhookCommit).To(Equal(sha(1)))
		Expect(gr.Status.LastWebhookTime.IsZero()).To(BeFalse())
		Expect(gr.Spec.PollingInterval).NotTo(BeNil())
		Expect(gr.Spec.PollingInterval.Duration).To(Equal(time.Hour))
		for _, name := range []string{"other-branch", "suffix", "other-org"} {
			Expect(getGitRepo(ns, name).Status.WebhookCommit).To(BeEmpty(), name)
		}

		// A second commit: one more status write, no second spec write.
		code, names, _ = push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(2)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(names).To(ConsistOf(ns + "/app@" + sha(2)))
		// A redelivery of the same commit: answered, nothing written.
		code, names, _ = push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(2)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(names).To(ConsistOf(ns + "/app@" + sha(2)))
		Expect(api.statusWrites(ns, "app")).To(Equal(2))
		Expect(api.specWrites(ns, "app")).To(Equal(1))
		// Three pushes, three writes (the first trigger's two, then one):
		// no Event adds a write that coalescing did not save.
		Consistently(func() int { return api.eventWrites(ns) }, "200ms").Should(BeZero())
	})

	It("keeps a GitRepo's own pollingInterval", func() {
		_, push := own(nil)
		newGitRepo(ns, "app", repoURL, func(g *fleet.GitRepo) {
			g.Spec.PollingInterval = &metav1.Duration{Duration: 5 * time.Minute}
		})
		code, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(names).To(HaveLen(1))
		Expect(getGitRepo(ns, "app").Spec.PollingInterval.Duration).To(Equal(5 * time.Minute))
		Expect(api.specWrites(ns, "app")).To(BeZero())
	})

	It("says why nothing matched a branch push of another branch", func() {
		_, push := own(nil)
		newGitRepo(ns, "app", repoURL, nil)
		code, names, reason := push(ghPush{repo: repoURL, ref: branch("feature"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(names).To(BeEmpty())
		Expect(reason).To(ContainSubstring("github.com/example-org/fleet-examples"))
		Expect(reason).To(ContainSubstring("branch feature"))
		Expect(webhookCommit(ns, "app")()).To(BeEmpty())
	})

	It("matches an empty spec.branch to master only, as Fleet deploys master, whatever the default branch", func() {
		_, push := own(nil)
		newGitRepo(ns, "app", repoURL, func(g *fleet.GitRepo) { g.Spec.Branch = "" })
		_, names, _ := push(ghPush{repo: repoURL, ref: branch("feature"), commit: sha(1), defaultBranch: "trunk"}, receiverSecret)
		Expect(names).To(BeEmpty())
		_, names, reason := push(ghPush{repo: repoURL, ref: branch("trunk"), commit: sha(2), defaultBranch: "trunk"}, receiverSecret)
		Expect(names).To(BeEmpty(), "the default branch is not what Fleet deploys")
		Expect(reason).To(ContainSubstring("Fleet deploys master"))
		_, names, _ = push(ghPush{repo: repoURL, ref: branch("master"), commit: sha(3), defaultBranch: "trunk"}, receiverSecret)
		Expect(names).To(ConsistOf(ns + "/app@" + sha(3)))
	})

	It("matches spec.revision only to a tag push of that tag", func() {
		_, push := own(nil)
		newGitRepo(ns, "pinned", repoURL, func(g *fleet.GitRepo) { g.Spec.Revision = "v1.0.0" })
		_, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(names).To(BeEmpty())
		_, names, _ = push(ghPush{repo: repoURL, ref: "refs/tags/v1.0.1", commit: sha(2)}, receiverSecret)
		Expect(names).To(BeEmpty())
		_, names, _ = push(ghPush{repo: repoURL, ref: "refs/tags/v1.0.0", commit: sha(3)}, receiverSecret)
		Expect(names).To(ConsistOf(ns + "/pinned@" + sha(3)))
	})

	It("never triggers on a deleted ref", func() {
		_, push := own(nil)
		newGitRepo(ns, "app", repoURL, nil)
		code, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(0), deleted: true}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(names).To(BeEmpty())
		Expect(webhookCommit(ns, "app")()).To(BeEmpty())
	})

	It("only targets its own namespace without a namespaceSelector, and honours the GitRepo selector", func() {
		_, push := own(func(w *v1alpha1.WebhookReceiver) {
			w.Spec.Targets.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"webhooks": "on"}}
		})
		other := newNamespace(nil)
		newGitRepo(ns, "selected", repoURL, func(g *fleet.GitRepo) { g.Labels = map[string]string{"webhooks": "on"} })
		newGitRepo(ns, "unselected", repoURL, nil)
		newGitRepo(other, "selected", repoURL, func(g *fleet.GitRepo) { g.Labels = map[string]string{"webhooks": "on"} })
		_, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(names).To(ConsistOf(ns + "/selected@" + sha(1)))
		Expect(webhookCommit(ns, "unselected")()).To(BeEmpty())
		Expect(webhookCommit(other, "selected")()).To(BeEmpty())
	})

	It("targets the namespaces its namespaceSelector selects", func() {
		tenant := fmt.Sprintf("tenant-%d", time.Now().UnixNano())
		_, push := own(func(w *v1alpha1.WebhookReceiver) {
			w.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tenant": tenant}}
		})
		blue := newNamespace(map[string]string{"tenant": tenant})
		green := newNamespace(map[string]string{"tenant": "green"})
		newGitRepo(blue, "app", repoURL, nil)
		newGitRepo(green, "app", repoURL, nil)
		newGitRepo(ns, "app", repoURL, nil) // the receiver's own namespace is not labelled
		_, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(names).To(ConsistOf(blue + "/app@" + sha(1)))
		Expect(webhookCommit(green, "app")()).To(BeEmpty())
		Expect(webhookCommit(ns, "app")()).To(BeEmpty())
	})

	It("honours a GitRepo's spec.webhookSecret and fails closed", func() {
		_, push := own(nil)
		Expect(k8s.Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "same", Namespace: ns},
			Data:       map[string][]byte{"github": []byte(receiverSecret)},
		})).To(Succeed())
		Expect(k8s.Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "different", Namespace: ns},
			Data:       map[string][]byte{"github": []byte("another-secret")},
		})).To(Succeed())
		newGitRepo(ns, "same", repoURL, func(g *fleet.GitRepo) { g.Spec.WebhookSecret = "same" })
		newGitRepo(ns, "different", repoURL, func(g *fleet.GitRepo) { g.Spec.WebhookSecret = "different" })
		newGitRepo(ns, "missing", repoURL, func(g *fleet.GitRepo) { g.Spec.WebhookSecret = "missing" })
		_, names, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(names).To(ConsistOf(ns + "/same@" + sha(1)))
		Expect(webhookCommit(ns, "different")()).To(BeEmpty())
		Expect(webhookCommit(ns, "missing")()).To(BeEmpty())
	})

	It("lets an unauthenticated receiver trigger a GitRepo whose own webhookSecret verifies, without setting pollingInterval", func() {
		_, push := own(func(w *v1alpha1.WebhookReceiver) {
			w.Spec.Providers.GitHub = &v1alpha1.ProviderSecret{AllowUnauthenticated: true, Hosts: []string{"github.com"}}
		})
		// The receiver Secret has no github key: requests are unauthenticated.
		sec := &corev1.Secret{}
		Expect(k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: wr.SecretNameOrDefault()}, sec)).To(Succeed())
		sec.Data = nil
		Expect(k8s.Update(context.Background(), sec)).To(Succeed())
		Expect(k8s.Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "repo-hook", Namespace: ns},
			Data:       map[string][]byte{"github": []byte("repo-secret")},
		})).To(Succeed())
		newGitRepo(ns, "guarded", repoURL, func(g *fleet.GitRepo) { g.Spec.WebhookSecret = "repo-hook" })
		newGitRepo(ns, "open", repoURL, nil)
		Eventually(func() int {
			code, _, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, "wrong-secret")
			return code
		}).Should(Equal(http.StatusOK))
		Expect(webhookCommit(ns, "guarded")()).To(BeEmpty())
		Expect(webhookCommit(ns, "open")()).To(Equal(sha(1)))

		code, _, _ := push(ghPush{repo: repoURL, ref: branch("main"), commit: sha(2)}, "repo-secret")
		Expect(code).To(Equal(http.StatusOK))
		Expect(webhookCommit(ns, "guarded")()).To(Equal(sha(2)))
		Expect(getGitRepo(ns, "guarded").Spec.PollingInterval).To(BeNil())
		Expect(getGitRepo(ns, "open").Spec.PollingInterval).To(BeNil())
	})

	It("answers 503 when the backlog is over its limit", func() {
		ns = newNamespace(nil)
		wr = newReceiver(ns, nil)
		d, stop := startDispatcher(wr, Options{Window: time.Hour, MaxPending: 1})
		DeferCleanup(stop)
		s := serve(wr, d, time.Minute)
		newGitRepo(ns, "a", repoURL, nil)
		newGitRepo(ns, "b", repoURL, nil)
		delivery := gitsim.Delivery{Provider: "github", Event: "push", Secret: []byte(receiverSecret),
			Payload: ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}.payload()}
		resp, err := s.Client().Do(delivery.Request(s.URL + "/"))
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
		Expect(resp.Header.Get("Retry-After")).NotTo(BeEmpty())
	})
})

var _ = Describe("batched writes", func() {
	It("writes 100 pushes to one GitRepo within one window at most twice, with the last commit", func() {
		ns := newNamespace(nil)
		wr := newReceiver(ns, nil)
		newGitRepo(ns, "app", repoURL, func(g *fleet.GitRepo) {
			g.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute}
		})
		// A window longer than the test: only the shutdown flush writes.
		d, stop := startDispatcher(wr, Options{Window: time.Hour})
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		for i := 1; i <= 100; i++ {
			res, err := d.Dispatch(ended, githubRequest(fmt.Sprintf("c%03d", i)))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Pending).To(HaveLen(1))
		}
		// The first push is written at once (leading edge); the rest wait
		// for the end of the window.
		Expect(api.statusWrites(ns, "app")).To(BeNumerically("<=", 1))
		stop() // graceful shutdown flushes pending writes at once
		Expect(api.statusWrites(ns, "app")).To(BeNumerically("<=", 2))
		Expect(webhookCommit(ns, "app")()).To(Equal("c100"))
		Eventually(triggerEvents(ns, "app")).Should(HaveLen(1))
		Expect(triggerEvents(ns, "app")()[0].Note).To(ContainSubstring("c100"))
		_, err := d.Dispatch(context.Background(), githubRequest("c101"))
		Expect(err).To(MatchError(push.ErrQueueFull))
	})

	It("writes pushes received while the API server is unreachable once it is back", func() {
		ns := newNamespace(nil)
		wr := newReceiver(ns, nil)
		names := []string{"a", "b", "c"}
		for _, n := range names {
			newGitRepo(ns, n, repoURL, func(g *fleet.GitRepo) {
				g.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute}
			})
		}
		d, stop := startDispatcher(wr, Options{})
		DeferCleanup(stop)
		failedBefore := counterValue("unavailable")
		refusedBefore := api.refused.Load()
		api.outage.Store(true)
		DeferCleanup(func() { api.outage.Store(false) })
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		for i := 1; i <= 5; i++ {
			res, err := d.Dispatch(ended, githubRequest(fmt.Sprintf("c%d", i)))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Pending).To(HaveLen(3))
		}
		Eventually(api.refused.Load).Should(BeNumerically(">=", refusedBefore+6)) // each GitRepo retried
		Expect(counterValue("unavailable")).To(BeNumerically(">", failedBefore))
		for _, n := range names {
			Expect(webhookCommit(ns, n)()).To(BeEmpty())
		}
		api.outage.Store(false)
		for _, n := range names {
			Eventually(webhookCommit(ns, n)).Should(Equal("c5"), n)
		}
		// A request waiting now sees them written.
		res, err := d.Dispatch(context.Background(), githubRequest("c5"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Written).To(HaveLen(3))
	})
})

func githubRequest(commit string) push.Request {
	return push.Request{
		Authenticated: true,
		Events: []push.Event{{
			Provider: "github", RepoURLs: []string{repoURL}, Ref: "refs/heads/main",
			Branch: "main", DefaultBranch: "main", Commit: commit,
		}},
	}
}

func counterValue(reason string) float64 {
	var m dto.Metric
	Expect(triggersFailed.WithLabelValues(reason).Write(&m)).To(Succeed())
	return m.GetCounter().GetValue()
}
