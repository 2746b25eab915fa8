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
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"
)

const (
	nsGitea     = "rw-gitea"
	giteaSecret = "realworld-gitea-secret"
	contentJSON = "application/json"
	contentForm = "application/x-www-form-urlencoded"
)

// giteaReceiverYAML accepts Gitea's webhooks (secret key "gitea") for a
// GitRepo following main and one pinned to the tag v1.0.0.
func giteaReceiverYAML(repo string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: Secret
metadata:
  name: git-secrets
  namespace: %[1]s
stringData:
  gitea: %[2]s
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: hooks
  namespace: %[1]s
spec:
  host: %[3]s
  path: /gitjob
  ingress:
    className: traefik
    flavor: traefik
  providers:
    gitea: {secretRef: {name: git-secrets, key: gitea}}
`, nsGitea, giteaSecret, hooksHost) +
		fleetGitRepoYAML(nsGitea, "r1", repo, "branch: main") +
		fleetGitRepoYAML(nsGitea, "r1-release", repo, "revision: v1.0.0")
}

// verifiedDelivery matches a delivery Traefik forwarded to the receiver
// with the prefix stripped, which the receiver verified and acted on.
func verifiedDelivery(contentType string, status gtypes.GomegaMatcher) gtypes.GomegaMatcher {
	return And(
		HaveField("Method", http.MethodPost), HaveField("Path", "/"),
		HaveField("ContentType", HavePrefix(contentType)),
		HaveField("Code", BeElementOf(http.StatusOK, http.StatusAccepted)),
		HaveField("Body", status),
	)
}

// triggeredBody matches a receiver answer that wrote (or will write)
// GitRepo name and not other.
func triggeredBody(name, other string) gtypes.GomegaMatcher {
	return And(
		Or(ContainSubstring(`"status":"triggered"`), ContainSubstring(`"status":"accepted"`)),
		ContainSubstring(`"name":"`+name+`"`), Not(ContainSubstring(`"name":"`+other+`"`)),
	)
}

var _ = Describe("Gitea, a real Git host", Ordered, func() {
	var (
		b               *receiverBackend
		co              *checkout
		jsonHook        int64
		triggeredR1     = triggeredBody("r1", "r1-release")
		triggeredPinned = triggeredBody("r1-release", "r1")
	)

	BeforeAll(func(ctx SpecContext) {
		repo := createGiteaRepo("r1")
		co = cloneGiteaRepo("r1")
		Expect(applyYAML(ctx, k8s, giteaReceiverYAML(repo))).To(Succeed())
		b = runReceiver(ctx, nsGitea, "hooks")
		waitForReceiverRoute(webhookURL)
		jsonHook = addGiteaHook("r1", webhookURL, "json", giteaSecret)
		addGiteaHook("r1", webhookURL, "form", giteaSecret)
	}, NodeTimeout(2*time.Minute))

	AfterAll(func(ctx SpecContext) {
		removeReceiver(ctx, b, plainHTTP, webhookURL)
	}, NodeTimeout(2*time.Minute))

	It("delivers a git push as JSON and as a form, the receiver verifies both, and Fleet makes the Job", func() {
		n := len(b.Tap.Hits())
		afterFleetPoll(nsGitea, "r1")
		commit := co.commit("pushed to Gitea")
		start := time.Now()
		co.push("main")
		Eventually(func() []hit { return b.Tap.HitsSince(n) }).WithTimeout(15 * time.Second).Should(ConsistOf(
			verifiedDelivery(contentJSON, triggeredR1), verifiedDelivery(contentForm, triggeredR1)))
		Eventually(func(g Gomega) {
			g.Expect(gitRepo(g, nsGitea, "r1").Status.WebhookCommit).To(Equal(commit))
		}).WithTimeout(10 * time.Second).Should(Succeed())
		took := waitForJob(nsGitea, "r1", commit, start, 15*time.Second)
		AddReportEntry("git push to Fleet Job", took.Round(time.Millisecond).String())
		Expect(gitRepo(Default, nsGitea, "r1-release").Status.WebhookCommit).To(BeEmpty(), "a branch push must not trigger a pinned GitRepo")
	})

	It("serves Gitea's test delivery", func() {
		n := len(b.Tap.Hits())
		giteaAPI(http.MethodPost, fmt.Sprintf("/repos/%s/r1/hooks/%d/tests", giteaUser, jsonHook), nil, http.StatusNoContent, nil)
		Eventually(func() []hit { return b.Tap.HitsSince(n) }).WithTimeout(15 * time.Second).Should(ConsistOf(
			verifiedDelivery(contentJSON, triggeredR1)))
	})

	It("triggers the GitRepo pinned to a tag when that tag is pushed, and Fleet makes its Job", func() {
		n := len(b.Tap.Hits())
		commit := co.git("rev-parse", "HEAD")
		co.git("tag", "v1.0.0")
		afterFleetPoll(nsGitea, "r1-release")
		start := time.Now()
		co.push("v1.0.0")
		Eventually(func() []hit { return b.Tap.HitsSince(n) }).WithTimeout(15 * time.Second).Should(ConsistOf(
			verifiedDelivery(contentJSON, triggeredPinned), verifiedDelivery(contentForm, triggeredPinned)))
		Eventually(func(g Gomega) {
			g.Expect(gitRepo(g, nsGitea, "r1-release").Status.WebhookCommit).To(Equal(commit))
		}).WithTimeout(10 * time.Second).Should(Succeed())
		waitForJob(nsGitea, "r1-release", commit, start, 15*time.Second)
	})
})
