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
	"encoding/json"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const nsPaths = "e2e-paths"

const pathsYAML = `
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-paths
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: mono
  namespace: e2e-paths
spec:
  host: mono.e2e.example.com
  ingress: {className: nginx, flavor: nginx}
  providers:
    github: {generate: true}
    gitlab: {generate: true}
  targets:
    pathAware: true
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: team-a, namespace: e2e-paths}
spec: {repo: "https://github.com/e2e-org/mono", branch: main, paths: [apps/a]}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: team-b
  namespace: e2e-paths
  annotations: {gitops.webhook-operator.dev/watch-paths: "charts/"}
spec: {repo: "https://github.com/e2e-org/mono", branch: main, paths: [apps/b]}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: all-apps, namespace: e2e-paths}
spec: {repo: "https://github.com/e2e-org/mono", branch: main, paths: ["apps/*"]}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: whole, namespace: e2e-paths}
spec: {repo: "https://github.com/e2e-org/mono", branch: main}
`

var _ = Describe("Path-aware targets on a monorepo", Ordered, ContinueOnFailure, func() {
	var (
		wr  *whv1alpha1.WebhookReceiver
		rcv *devenv.Subcommand
	)

	BeforeAll(func(ctx SpecContext) {
		kubectlApply(pathsYAML)
		Eventually(func(g Gomega) {
			wr = getWR(nsPaths, "mono")
			g.Expect(wr.Status.SecretName).NotTo(BeEmpty())
			receiverSecretValue(g, wr, whv1alpha1.SecretKeyGitLab)
		}).WithTimeout(60 * time.Second).Should(Succeed())
		var err error
		rcv, err = bin.StartReceiver(ctx, "receiver-mono", devenv.ReceiverOptions{
			Name: wr.Name, Namespace: wr.Namespace, SecretName: wr.Status.SecretName, Kubeconfig: receiverKubeconfig(wr),
		})
		Expect(err).NotTo(HaveOccurred())
		track(rcv.Process)
		DeferCleanup(func() { Expect(rcv.Stop(15 * time.Second)).To(Succeed()) })
	}, NodeTimeout(2*time.Minute))

	// pushFiles sends a signed push of the monorepo's main branch and checks
	// which GitRepos it triggered, which it skipped, and that only the
	// triggered ones were written.
	pushFiles := func(provider string, p gitsim.Push, triggered, skipped []string) {
		GinkgoHelper()
		p.Provider, p.RepoURL, p.Branch, p.Commit = provider, "https://github.com/e2e-org/mono", "main", gitsim.RandomSHA()
		before := webhookCommits(nsPaths)
		r := send(rcv.Endpoints.WebhookURL(), p, receiverSecretValue(Default, wr, provider))
		Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), r.Body)
		var answer struct {
			Skipped []struct{ Namespace, Name, Reason string } `json:"skipped"`
		}
		Expect(json.Unmarshal([]byte(r.Body), &answer)).To(Succeed())
		var names []string
		for _, s := range answer.Skipped {
			Expect(s.Reason).To(Equal("no change under spec.paths"))
			names = append(names, s.Namespace+"/"+s.Name)
		}
		Expect(names).To(ConsistOf(prefixed(skipped)), r.Body)
		Expect(r.triggered()).To(ConsistOf(prefixed(triggered)), r.Body)
		Eventually(func(g Gomega) {
			for _, name := range triggered {
				g.Expect(getGitRepo(g, nsPaths, name).Status.WebhookCommit).To(Equal(p.Commit), name)
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())
		after := webhookCommits(nsPaths)
		for _, name := range skipped {
			Expect(after[name]).To(Equal(before[name]), "skipped GitRepo %s was written", name)
		}
	}

	It("triggers only the GitRepos whose paths a GitHub push touched", func() {
		pushFiles(whv1alpha1.SecretKeyGitHub, gitsim.Push{Commits: gitsim.Changed("apps/a/x.yaml")},
			[]string{"team-a", "all-apps", "whole"}, []string{"team-b"})
	})

	It("triggers a GitRepo through its watch-paths annotation, from a GitLab push", func() {
		pushFiles(whv1alpha1.SecretKeyGitLab, gitsim.Push{Commits: gitsim.Changed("charts/common/values.yaml")},
			[]string{"team-b", "whole"}, []string{"team-a", "all-apps"})
	})

	It("triggers every GitRepo for a new branch and for a list cut at 20 commits", func() {
		all := []string{"team-a", "team-b", "all-apps", "whole"}
		pushFiles(whv1alpha1.SecretKeyGitHub, gitsim.Push{Created: true, Commits: gitsim.Changed("apps/a/x.yaml")}, all, nil)
		many := make([]gitsim.Commit, 21)
		for i := range many {
			many[i].Modified = []string{"docs/readme.md"}
		}
		pushFiles(whv1alpha1.SecretKeyGitHub, gitsim.Push{Commits: many}, all, nil)
	})

	It("counts the skips in its metrics", func() {
		resp, err := httpClient.Get("http://" + rcv.Endpoints.Metrics + "/metrics")
		Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		n, err := devenv.SumMetric(body, "webhook_operator_gitrepo_path_skips_total", nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(n).To(BeNumerically("==", 3))
	})
})

func prefixed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = nsPaths + "/" + n
	}
	return out
}
