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
	"encoding/json"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver"
)

var _ = Describe("path-aware targets on the receiver's cache", func() {
	It("triggers only the GitRepos whose spec.paths or watch-paths a push touched, and writes no other", func() {
		ns := newNamespace(nil)
		wr := newReceiver(ns, func(w *v1alpha1.WebhookReceiver) { w.Spec.Targets.PathAware = true })
		d, stop := startDispatcher(wr, Options{})
		DeferCleanup(stop)
		s := serve(wr, d, time.Minute)
		withPaths := func(paths ...string) func(*fleet.GitRepo) {
			return func(g *fleet.GitRepo) { g.Spec.Paths = paths }
		}
		newGitRepo(ns, "a", repoURL, withPaths("apps/a"))
		newGitRepo(ns, "b", repoURL, withPaths("/apps/b"))
		newGitRepo(ns, "whole", repoURL, nil)
		newGitRepo(ns, "charts", repoURL, func(g *fleet.GitRepo) {
			g.Spec.Paths = []string{"apps/c"}
			g.Annotations = map[string]string{v1alpha1.AnnotationWatchPaths: "charts/"}
		})

		pushFiles := func(commit string, p gitsim.Push) receiver.Response {
			p.Provider, p.RepoURL, p.Branch, p.DefaultBranch, p.Commit = "github", repoURL, "main", "main", commit
			req, err := p.NewRequest(context.Background(), s.URL+"/", []byte(receiverSecret))
			Expect(err).NotTo(HaveOccurred())
			resp, err := s.Client().Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
			var out receiver.Response
			Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
			return out
		}
		skippedNames := func(out receiver.Response) []string {
			var names []string
			for _, s := range out.Skipped {
				Expect(s.Reason).To(Equal(gitrepo.ReasonNoPathChange))
				names = append(names, s.Namespace+"/"+s.Name)
			}
			return names
		}

		out := pushFiles(sha(1), gitsim.Push{Commits: gitsim.Changed("apps/a/x.yaml")})
		Expect(triggered(out)).To(ConsistOf(ns+"/a@"+sha(1), ns+"/whole@"+sha(1)))
		Expect(skippedNames(out)).To(ConsistOf(ns+"/b", ns+"/charts"))
		Expect(api.statusWrites(ns, "b")).To(BeZero())
		Expect(api.statusWrites(ns, "charts")).To(BeZero())
		Expect(webhookCommit(ns, "b")()).To(BeEmpty())

		// The annotation survives the cache transform.
		out = pushFiles(sha(2), gitsim.Push{Commits: gitsim.Changed("charts/common/values.yaml")})
		Expect(triggered(out)).To(ConsistOf(ns+"/charts@"+sha(2), ns+"/whole@"+sha(2)))

		// A force push says nothing reliable about files: everything.
		out = pushFiles(sha(3), gitsim.Push{Forced: true, Commits: gitsim.Changed("apps/a/x.yaml")})
		Expect(triggered(out)).To(HaveLen(4))
		Expect(out.Skipped).To(BeEmpty())
	})
})
