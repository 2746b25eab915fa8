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
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// withWindow starts a receiver in a new namespace with the given coalescing
// window, behind the real HTTP handler.
func withWindow(window time.Duration, mutate func(*v1alpha1.WebhookReceiver)) (string, *httptest.Server, func()) {
	ns := newNamespace(nil)
	wr := newReceiver(ns, mutate)
	d, stop := startDispatcher(wr, Options{Window: window})
	DeferCleanup(stop)
	return ns, serve(wr, d, time.Minute), stop
}

func polled(g *fleet.GitRepo) { g.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute} }

// cachedCommit is status.webhookCommit as the receiver's cache shows it.
func cachedCommit(ns, name string) func() string {
	return func() string {
		var gr fleet.GitRepo
		Expect(mgr.GetClient().Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &gr)).To(Succeed())
		return gr.Status.WebhookCommit
	}
}

var _ = Describe("leading-edge writes, counted at the transport", func() {
	It("writes an isolated push at once, even with a 60s window", func() {
		ns, s, _ := withWindow(time.Minute, nil)
		newGitRepo(ns, "app", repoURL, polled)
		code, out := send(s, ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		Expect(out.Status).To(Equal("triggered"))
		Expect(triggered(out)).To(ConsistOf(ns + "/app@" + sha(1)))
		Expect(webhookCommit(ns, "app")()).To(Equal(sha(1)))
	})

	It("costs at most one API write per push on distinct GitRepos, Events included (two on a first trigger)", func() {
		ns, s, stop := withWindow(time.Second, nil)
		const n = 5
		for i := range n {
			newGitRepo(ns, fmt.Sprint("polled-", i), fmt.Sprintf("%s-%d", repoURL, i), polled)
			newGitRepo(ns, fmt.Sprint("first-", i), fmt.Sprintf("%s-first-%d", repoURL, i), nil)
		}
		for i := range n {
			for _, repo := range []string{fmt.Sprintf("%s-%d", repoURL, i), fmt.Sprintf("%s-first-%d", repoURL, i)} {
				code, out := send(s, ghPush{repo: repo, ref: branch("main"), commit: sha(i + 1)}, receiverSecret)
				Expect(code).To(Equal(http.StatusOK), "%+v", out)
				Expect(out.Triggered).To(HaveLen(1))
			}
		}
		stop() // flushes pending writes and Events
		limit := n*1 + n*2
		Consistently(func() int { return api.gitRepoWrites(ns) + api.eventWrites(ns) }, "300ms").Should(BeNumerically("<=", limit))
		Expect(api.gitRepoWrites(ns)).To(Equal(limit))
	})

	It("writes a burst of 41 pushes to one GitRepo within a window at most twice, the last commit winning", func() {
		ns, s, stop := withWindow(time.Minute, nil)
		newGitRepo(ns, "app", repoURL, polled)
		code, _ := send(s, ghPush{repo: repoURL, ref: branch("main"), commit: sha(100)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK))
		for i := 1; i <= 40; i++ {
			code, out := send(s, ghPush{repo: repoURL, ref: branch("main"), commit: sha(100 + i)}, receiverSecret)
			Expect(code).To(Equal(http.StatusAccepted), "push %d: %+v", i, out)
			Expect(out.Pending).To(HaveLen(1))
			Expect(out.Pending[0].Coalesced).To(BeTrue())
			Expect(out.Pending[0].Commit).To(Equal(sha(100 + i)))
		}
		Expect(api.statusWrites(ns, "app")).To(Equal(1))
		stop() // ends the window
		Expect(api.statusWrites(ns, "app")).To(Equal(2))
		Expect(webhookCommit(ns, "app")()).To(Equal(sha(140)))
		Eventually(triggerEvents(ns, "app")).Should(HaveLen(1))
		note := triggerEvents(ns, "app")()[0].Note
		Expect(note).To(ContainSubstring(sha(140)))
		Expect(note).To(ContainSubstring("41 pushes"))
		Expect(note).To(ContainSubstring(ns + "/hooks"))
		Expect(api.gitRepoWrites(ns) + api.eventWrites(ns)).To(BeNumerically("<=", 41))
	})
})

var _ = Describe("GitRepo writes against the live object", func() {
	It("writes a push whose commit another replica replaced, even when this replica wrote it before", func() {
		ns := newNamespace(nil)
		wr := newReceiver(ns, nil)
		gr := newGitRepo(ns, "app", repoURL, polled)
		gr.Status.WebhookCommit = "c0"
		Expect(k8s.Status().Update(context.Background(), gr)).To(Succeed())
		Eventually(cachedCommit(ns, "app")).Should(Equal("c0"))
		a, stopA := startDispatcher(wr, Options{})
		DeferCleanup(stopA)
		b, stopB := startDispatcher(wr, Options{})
		DeferCleanup(stopB)

		res, err := a.Dispatch(context.Background(), githubRequest("c1"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Written).To(HaveLen(1))
		Eventually(cachedCommit(ns, "app")).Should(Equal("c1"))
		res, err = b.Dispatch(context.Background(), githubRequest("c0"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Written).To(HaveLen(1))
		Eventually(cachedCommit(ns, "app")).Should(Equal("c0"))

		res, err = a.Dispatch(context.Background(), githubRequest("c1"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Written).To(HaveLen(1))
		Expect(webhookCommit(ns, "app")()).To(Equal("c1"))
	})

	It("keeps a pollingInterval a user sets between the receiver's read and its patch", func() {
		ns, s, _ := withWindow(0, nil)
		newGitRepo(ns, "app", repoURL, nil)
		api.onNextSpecPatch(func() {
			defer GinkgoRecover()
			gr := getGitRepo(ns, "app")
			gr.Spec.PollingInterval = &metav1.Duration{Duration: 5 * time.Minute}
			Expect(k8s.Update(context.Background(), gr)).To(Succeed())
		})
		code, out := send(s, ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK), "%+v", out)
		gr := getGitRepo(ns, "app")
		Expect(gr.Status.WebhookCommit).To(Equal(sha(1)))
		Expect(gr.Spec.PollingInterval).NotTo(BeNil())
		Expect(gr.Spec.PollingInterval.Duration).To(Equal(5 * time.Minute))
	})

	It("triggers a GitRepo with spec.disablePolling without giving it a pollingInterval", func() {
		ns, s, _ := withWindow(0, nil)
		newGitRepo(ns, "app", repoURL, func(g *fleet.GitRepo) { g.Spec.DisablePolling = true })
		code, out := send(s, ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK), "%+v", out)
		gr := getGitRepo(ns, "app")
		Expect(gr.Status.WebhookCommit).To(Equal(sha(1)))
		Expect(gr.Spec.PollingInterval).To(BeNil())
		Expect(api.specWrites(ns, "app")).To(BeZero())
	})

	It("never writes a GitRepo spec for a receiver with pollingInterval 0s", func() {
		ns, s, _ := withWindow(0, func(w *v1alpha1.WebhookReceiver) {
			w.Spec.PollingInterval = &metav1.Duration{}
		})
		newGitRepo(ns, "app", repoURL, nil)
		code, out := send(s, ghPush{repo: repoURL, ref: branch("main"), commit: sha(1)}, receiverSecret)
		Expect(code).To(Equal(http.StatusOK), "%+v", out)
		gr := getGitRepo(ns, "app")
		Expect(gr.Status.WebhookCommit).To(Equal(sha(1)))
		Expect(gr.Spec.PollingInterval).To(BeNil())
		Expect(api.specWrites(ns, "app")).To(BeZero())
	})
})
