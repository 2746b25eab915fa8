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

package realworld

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

const (
	nsFleet     = "rw-fleet"
	burstPushes = 20
)

// fleetPollingDefault is how often Fleet polls a GitRepo without
// spec.pollingInterval; waiting longer without a Job shows it no longer
// polls that often.
const fleetPollingDefault = 15 * time.Second

var _ = Describe("Fleet's gitjob controller", Ordered, func() {
	var (
		b    *receiverBackend
		repo string
		co   *checkout
	)

	// notify sends the GitHub push webhook for commit on main through Traefik.
	notify := func(commit string) reply {
		GinkgoHelper()
		return sendGitHubPush(plainHTTP, webhookURL, repo, "main", commit, []byte(githubSecret))
	}

	BeforeAll(func(ctx SpecContext) {
		repo = createGiteaRepo("fleet-app")
		co = cloneGiteaRepo("fleet-app")
		Expect(applyYAML(ctx, k8s, receiverYAML(nsFleet, repo, plainIngressYAML))).To(Succeed())
		b = runReceiver(ctx, nsFleet, "hooks")
		waitForReceiverRoute(webhookURL)
		By("waiting for Fleet's first Job, for the repository's initial commit")
		waitForJob(nsFleet, "app", co.git("rev-parse", "HEAD"), time.Now(), time.Minute)
	}, NodeTimeout(3*time.Minute))

	AfterAll(func(ctx SpecContext) {
		removeReceiver(ctx, b, plainHTTP, webhookURL)
	}, NodeTimeout(2*time.Minute))

	It("creates the Job for a pushed commit within seconds of the webhook", func() {
		afterFleetPoll(nsFleet, "app")
		commit := co.commit("first change")
		co.push("main")
		start := time.Now()
		r := notify(commit)
		Expect(r.Code).To(BeElementOf(http.StatusOK, http.StatusAccepted), r.Body)
		Expect(r.triggered()).To(ConsistOf(nsFleet+"/app"), r.Body)
		took := waitForJob(nsFleet, "app", commit, start, 10*time.Second)
		AddReportEntry("webhook to Fleet Job", took.Round(time.Millisecond).String())
		GinkgoWriter.Printf("Fleet created the Job for %s %s after the webhook was sent\n", commit[:8], took.Round(time.Millisecond))
		Expect(gitRepo(Default, nsFleet, "app").Spec.PollingInterval).To(HaveValue(HaveField("Duration", time.Hour)),
			"the receiver sets Fleet's polling to hourly once webhooks arrive")
	})

	It("coalesces a burst of 20 pushes and webhooks within one second into far fewer Jobs, the last one for the last commit", func(ctx SpecContext) {
		var commits []string
		for i := range burstPushes {
			commits = append(commits, co.commit(fmt.Sprintf("burst %d", i)))
		}
		// The commits' objects go to Gitea in one push; the burst then moves
		// main on Gitea's storage one commit at a time, each move followed
		// by its webhook, as 20 quick pushes would.
		co.push("HEAD:refs/heads/burst-objects")
		created := watchJobCreations(ctx, nsFleet, "app")

		var wg sync.WaitGroup
		replies := make([]reply, burstPushes)
		start := time.Now()
		for i, c := range commits {
			gitIn("", "--git-dir", giteaRepoDir("fleet-app"), "update-ref", "refs/heads/main", c)
			wg.Go(func() {
				defer GinkgoRecover()
				replies[i] = notify(c)
			})
		}
		sent := time.Since(start)
		wg.Wait()
		GinkgoWriter.Printf("20 ref updates and webhooks sent in %s\n", sent.Round(time.Millisecond))
		Expect(sent).To(BeNumerically("<", time.Second), "the burst must fit in one second")
		for i, r := range replies {
			Expect(r.Code).To(BeElementOf(http.StatusOK, http.StatusAccepted), "webhook %d: %s", i, r.Body)
		}

		last := commits[len(commits)-1]
		waitForJob(nsFleet, "app", last, start, 30*time.Second)
		// Let Fleet act on anything still pending before counting.
		Consistently(func(g Gomega) { g.Expect(gitRepo(g, nsFleet, "app").Status.Commit).To(Equal(last)) }).
			WithTimeout(3 * time.Second).Should(Succeed())
		jobs := created()
		AddReportEntry("Fleet Jobs for 20 pushes", fmt.Sprintf("%d: %s", len(jobs), strings.Join(jobs, ", ")))
		GinkgoWriter.Printf("Fleet created %d Job(s) for %d pushes and webhooks: %v\n", len(jobs), burstPushes, jobs)
		Expect(jobs).NotTo(BeEmpty())
		Expect(len(jobs)).To(BeNumerically("<=", burstPushes/4), "coalescing should spare Fleet most of the Jobs")
		Expect(jobs[len(jobs)-1]).To(Equal(last))
	})

	It("makes no Job for a pushed commit without a webhook (Fleet now polls hourly), and one once the webhook comes", func() {
		commit := co.commit("pushed without a webhook")
		co.push("main")
		Consistently(func(g Gomega) {
			g.Expect(fleetJobs(g, nsFleet, "app")).NotTo(HaveKey(commit))
		}).WithTimeout(fleetPollingDefault + 5*time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
		start := time.Now()
		Expect(notify(commit).Code).To(BeElementOf(http.StatusOK, http.StatusAccepted))
		waitForJob(nsFleet, "app", commit, start, 10*time.Second)
	})
})

// watchJobCreations watches Jobs Fleet creates for GitRepo ns/name from
// now on (Fleet deletes a Job when it makes the next, so listing later would
// miss some); the returned func lists the commits of those created so far,
// in order.
func watchJobCreations(ctx context.Context, ns, name string) func() []string {
	GinkgoHelper()
	jobs := clientset.BatchV1().Jobs(ns)
	list, err := jobs.List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred())
	w, err := jobs.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	var commits []string
	go func() {
		for ev := range w.ResultChan() {
			j, ok := ev.Object.(*batchv1.Job)
			if !ok || ev.Type != watch.Added {
				continue
			}
			for _, o := range j.OwnerReferences {
				if o.Kind == "GitRepo" && o.Name == name {
					mu.Lock()
					commits = append(commits, j.Annotations["commit"])
					mu.Unlock()
				}
			}
		}
	}()
	DeferCleanup(w.Stop)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), commits...)
	}
}
