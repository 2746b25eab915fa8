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
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/receiver"
)

// answered lists the GitRepos an answer names as written or pending (a
// push coalesced into a write under way is answered 202 at once).
func answered(out receiver.Response) []string {
	return append(triggered(out), pendingNames(out)...)
}

func pendingNames(out receiver.Response) []string {
	var names []string
	for _, t := range out.Pending {
		names = append(names, t.String()+"@"+t.Commit)
	}
	return names
}

// count is how many requests of method to path reached the API server.
func (a *apiCounter) count(method, path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[method+" "+path]
}

var _ = Describe("a GitRepo's own spec.webhookSecret, with Fleet's precedence", func() {
	It("triggers the GitRepos whose own Secret verifies a delivery, whichever secret signed it, and reads no Secret per request", func() {
		ns := newNamespace(nil)
		wr := newReceiver(ns, nil)
		d, stop := startDispatcher(wr, Options{Window: 10 * time.Millisecond})
		DeferCleanup(stop)
		s := serve(wr, d, time.Minute)
		ctx := context.Background()
		for name, value := range map[string]string{"team-hook": "team-secret", "other-hook": "other-secret"} {
			Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Data: map[string][]byte{"github": []byte(value)}})).To(Succeed())
		}
		newGitRepo(ns, "team", repoURL, func(g *fleet.GitRepo) { g.Spec.WebhookSecret = "team-hook" })
		newGitRepo(ns, "other-team", repoURL, func(g *fleet.GitRepo) { g.Spec.WebhookSecret = "other-hook" })
		newGitRepo(ns, "plain", repoURL, nil)
		p := func(i int) ghPush { return ghPush{repo: repoURL, ref: branch("main"), commit: sha(i)} }

		By("a delivery signed with the team's Secret only: the team's GitRepo, nothing else")
		// The receiver starts watching the Secrets as it sees the GitRepos.
		Eventually(func() int { code, _ := send(s, p(1), "team-secret"); return code }).Should(Equal(http.StatusOK))
		code, out := send(s, p(2), "team-secret")
		Expect(code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)))
		Expect(answered(out)).To(ConsistOf(ns + "/team@" + sha(2)))
		Expect(out.Skipped).To(BeEmpty(), "other GitRepos are not named to a delivery the receiver's secret did not verify")
		Expect(out.Reason).To(ContainSubstring("2 other matched GitRepo(s) not triggered"))
		Expect(out.Reason).NotTo(Or(ContainSubstring("plain"), ContainSubstring("other-team")))
		Eventually(webhookCommit(ns, "team")).Should(Equal(sha(2)))
		Expect(getGitRepo(ns, "team").Spec.PollingInterval).NotTo(BeNil(), "a verified trigger sets the polling interval")
		Expect(webhookCommit(ns, "plain")()).To(BeEmpty())
		Expect(webhookCommit(ns, "other-team")()).To(BeEmpty())

		By("a delivery signed with the receiver's secret: the GitRepo without its own Secret; the others are named as skipped")
		code, out = send(s, p(3), receiverSecret)
		Expect(code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)))
		Expect(answered(out)).To(ConsistOf(ns + "/plain@" + sha(3)))
		Expect(out.Skipped).To(ConsistOf(
			And(HaveField("Name", "team"), HaveField("Reason", ContainSubstring("does not verify with spec.webhookSecret team-hook"))),
			And(HaveField("Name", "other-team"), HaveField("Reason", ContainSubstring("does not verify with spec.webhookSecret other-hook")))))
		Expect(webhookCommit(ns, "team")()).To(Equal(sha(2)))

		By("a delivery signed with neither: 401, nothing named, nothing written")
		// 503 until the receiver has seen every GitRepo and loaded their
		// Secrets: only then is "no Secret verifies it" an answer.
		Eventually(func() int { code, _ := send(s, p(4), "guess"); return code }).Should(Equal(http.StatusUnauthorized))
		secretLists := api.count(http.MethodGet, "/api/v1/namespaces/"+ns+"/secrets")
		for i := 4; i < 9; i++ {
			code, out = send(s, p(i), "guess")
			Expect(code).To(Equal(http.StatusUnauthorized))
			Expect(out.Triggered).To(BeEmpty())
			Expect(out.Reason).NotTo(Or(ContainSubstring("team"), ContainSubstring("plain")))
		}
		for _, name := range []string{"team", "other-team", "plain"} {
			Expect(webhookCommit(ns, name)()).NotTo(Equal(sha(8)), name)
		}

		By("no Secret was read per request: no GET by name, no new list or watch")
		Expect(api.count(http.MethodGet, "/api/v1/namespaces/"+ns+"/secrets/team-hook")).To(BeZero())
		Expect(api.count(http.MethodGet, "/api/v1/namespaces/"+ns+"/secrets/other-hook")).To(BeZero())
		Expect(api.count(http.MethodGet, "/api/v1/namespaces/"+ns+"/secrets")).To(Equal(secretLists))

		By("rotating the team's Secret: the new value verifies without a restart, the old one no longer does")
		var team corev1.Secret
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "team-hook"}, &team)).To(Succeed())
		team.Data["github"] = []byte("team-secret-2")
		Expect(k8s.Update(ctx, &team)).To(Succeed())
		Eventually(func() []string { _, out := send(s, p(9), "team-secret-2"); return answered(out) }).
			Should(ConsistOf(ns + "/team@" + sha(9)))
		code, _ = send(s, p(10), "team-secret")
		Expect(code).To(Equal(http.StatusUnauthorized))
	})
})
