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
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const nsPaths = "rw-paths"

// pathsReceiverYAML is a path-aware receiver for Gitea's webhooks and two
// GitRepos on one monorepo, one per team folder. Both poll hourly, as
// GitRepos do once webhooks arrive, so a Job can only come from a trigger.
func pathsReceiverYAML(repo string) string {
	gitRepo := func(name, path string) string {
		return fmt.Sprintf(`
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: %s, namespace: %s}
spec:
  repo: %s
  branch: main
  paths: [%s]
  pollingInterval: 1h
`, name, nsPaths, repo, path)
	}
	return fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: v1
kind: Secret
metadata: {name: git-secrets, namespace: %[1]s}
stringData: {gitea: %[2]s}
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata: {name: hooks, namespace: %[1]s}
spec:
  host: %[3]s
  path: /gitjob
  ingress: {className: traefik, flavor: traefik}
  providers:
    gitea: {secretRef: {name: git-secrets, key: gitea}}
  targets: {pathAware: true}
`, nsPaths, giteaSecret, hooksHost) + gitRepo("team-a", "apps/a") + gitRepo("team-b", "apps/b")
}

// commitFile writes content to path in the checkout and commits it.
func (c *checkout) commitFile(path, content, msg string) string {
	GinkgoHelper()
	Expect(os.MkdirAll(filepath.Join(c.dir, filepath.Dir(path)), 0o755)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(c.dir, path), []byte(content), 0o644)).To(Succeed())
	c.git("add", path)
	c.git("commit", "--quiet", "-m", msg)
	return c.git("rev-parse", "HEAD")
}

var _ = Describe("Path-aware triggers with Gitea and Fleet", Ordered, func() {
	var (
		b  *receiverBackend
		co *checkout
	)

	BeforeAll(func(ctx SpecContext) {
		repo := createGiteaRepo("mono")
		co = cloneGiteaRepo("mono")
		co.commitFile("apps/a/app.yaml", "team: a\n", "team a")
		co.commitFile("apps/b/app.yaml", "team: b\n", "team b")
		co.push("main")
		Expect(applyYAML(ctx, k8s, pathsReceiverYAML(repo))).To(Succeed())
		b = runReceiver(ctx, nsPaths, "hooks")
		waitForReceiverRoute(webhookURL)
		addGiteaHook("mono", webhookURL, "json", giteaSecret)
		// Fleet's first poll of a GitRepo with an hourly pollingInterval may
		// come only after that hour; the Jobs below can only come from the
		// receiver's webhookCommit writes.
	}, NodeTimeout(3*time.Minute))

	AfterAll(func(ctx SpecContext) {
		removeReceiver(ctx, b, plainHTTP, webhookURL)
	}, NodeTimeout(2*time.Minute))

	It("triggers only the GitRepo whose path a real git push changed, and Fleet makes that GitRepo's Job", func() {
		commitA := pushTouching(b, co, "apps/a/app.yaml", "team: a\nreplicas: 2\n", "team-a", "team-b")
		took := waitForJob(nsPaths, "team-a", commitA, time.Now(), 30*time.Second)
		AddReportEntry("path-aware git push to Fleet Job", took.Round(time.Millisecond).String())
		// Fleet's own first poll of team-b (an hourly pollingInterval leaves
		// its timing to Fleet) may still find commitA and make a Job: that
		// is polling, not a trigger. What the receiver owns is that it never
		// hands team-b the commit.
		Consistently(func(g Gomega) {
			g.Expect(gitRepo(g, nsPaths, "team-b").Status.WebhookCommit).To(BeEmpty())
		}).WithTimeout(10*time.Second).WithPolling(500*time.Millisecond).Should(Succeed(),
			"team-b's path did not change: the receiver may not trigger it")

		By("a push under apps/b triggers team-b, and Fleet makes its Job, while team-a stays")
		commitB := pushTouching(b, co, "apps/b/app.yaml", "team: b\nreplicas: 3\n", "team-b", "team-a")
		waitForJob(nsPaths, "team-b", commitB, time.Now(), 30*time.Second)
		Expect(gitRepo(Default, nsPaths, "team-b").Status.WebhookCommit).To(Equal(commitB))
		Expect(gitRepo(Default, nsPaths, "team-a").Status.WebhookCommit).To(Equal(commitA))
	})
})

// pushTouching commits content to path, git-pushes it to Gitea and waits
// for Gitea's delivery: the receiver triggered GitRepo want and listed
// skipped (path unchanged). It returns the commit.
func pushTouching(b *receiverBackend, co *checkout, path, content, want, skipped string) string {
	GinkgoHelper()
	n := len(b.Tap.Hits())
	commit := co.commitFile(path, content, "change "+path)
	co.push("main")
	Eventually(func() []hit { return b.Tap.HitsSince(n) }).WithTimeout(15 * time.Second).Should(ConsistOf(
		And(HaveField("Code", BeElementOf(http.StatusOK, http.StatusAccepted)),
			HaveField("Body", And(
				Or(ContainSubstring(`"triggered":[{"namespace":"`+nsPaths+`","name":"`+want+`"`),
					ContainSubstring(`"pending":[{"namespace":"`+nsPaths+`","name":"`+want+`"`)),
				ContainSubstring(`"skipped":[{"namespace":"`+nsPaths+`","name":"`+skipped+`","reason":"no change under spec.paths"`))))))
	return commit
}
