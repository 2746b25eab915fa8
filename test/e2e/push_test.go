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
	"context"
	"net/http"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const (
	nsPush  = "e2e-push"
	nsOther = "e2e-other"
)

const pushYAML = `
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-push
---
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-other
---
apiVersion: v1
kind: Secret
metadata:
  name: git-secrets
  namespace: e2e-push
stringData:
  github-token: gh-secret-1
  gitlab-token: gl-secret-1
  bitbucket: bb-secret-1
  bitbucket-server: bbs-secret-1
  gogs: gogs-secret-1
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: hooks
  namespace: e2e-push
spec:
  host: hooks.e2e.example.com
  ingress:
    className: nginx
    flavor: nginx
  providers:
    github: {secretRef: {name: git-secrets, key: github-token}}
    gitlab: {secretRef: {name: git-secrets, key: gitlab-token}}
    bitbucket: {secretRef: {name: git-secrets, key: bitbucket}}
    bitbucketServer: {secretRef: {name: git-secrets, key: bitbucket-server}}
    gogs: {secretRef: {name: git-secrets, key: gogs}}
    gitea: {generate: true}
    azureDevOps: {generate: true}
  pollingInterval: 1h
`

// gitRepo is a GitRepo manifest.
func gitRepo(ns, name, repo, branch string) string {
	s := "---\napiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: " + name +
		"\n  namespace: " + ns + "\nspec:\n  repo: " + repo + "\n"
	if branch != "" {
		s += "  branch: " + branch + "\n"
	}
	return s
}

// providerCase is one provider's push and the one GitRepo it must trigger.
type providerCase struct {
	provider string
	gitRepo  string
	push     gitsim.Push
}

var providerCases = []providerCase{
	{whv1alpha1.SecretKeyGitHub, "gh-app", gitsim.Push{RepoURL: "https://github.com/e2e-org/app", Branch: "main", DefaultBranch: "main"}},
	{whv1alpha1.SecretKeyGitLab, "gl-app", gitsim.Push{RepoURL: "https://gitlab.com/e2e-org/app", Branch: "main"}},
	{whv1alpha1.SecretKeyBitbucket, "bb-app", gitsim.Push{RepoURL: "https://bitbucket.org/e2e-org/app", Branch: "main"}},
	{whv1alpha1.SecretKeyBitbucketServer, "bbs-app", gitsim.Push{RepoURL: "https://bitbucket.example.com/scm/prj/app", Branch: "main"}},
	{whv1alpha1.SecretKeyGogs, "gogs-app", gitsim.Push{RepoURL: "https://gogs.example.com/e2e-org/app", Branch: "main"}},
	{whv1alpha1.SecretKeyGitea, "gitea-app", gitsim.Push{RepoURL: "https://gitea.example.com/e2e-org/app", Branch: "main"}},
	// Basic auth as the default username "webhook"; a space in the project.
	{whv1alpha1.SecretKeyAzurePassword, "azure-app", gitsim.Push{RepoURL: "https://dev.azure.com/e2e-org/fleet%20qa/_git/app", Branch: "main", DefaultBranch: "main"}},
}

const burstRepos = 10

var _ = Describe("Pushes through a receiver process", Ordered, ContinueOnFailure, func() {
	var (
		wr       *whv1alpha1.WebhookReceiver
		receiver *devenv.Subcommand
		rcvOpts  devenv.ReceiverOptions
	)

	BeforeAll(func(ctx SpecContext) {
		repos := gitRepo(nsPush, "gh-app", "https://github.com/e2e-org/app.git", "main") +
			// Same repo, other branch; a longer repo name; another tenant's
			// namespace: none of them may fire for gh-app's push.
			gitRepo(nsPush, "gh-app-dev", "https://github.com/e2e-org/app", "dev") +
			gitRepo(nsPush, "gh-app-suffix", "https://github.com/e2e-org/app-suffix", "main") +
			gitRepo(nsOther, "gh-app", "https://github.com/e2e-org/app", "main") +
			// scp-style and ssh URLs must match the payloads' https URLs.
			gitRepo(nsPush, "gl-app", "git@gitlab.com:e2e-org/app.git", "main") +
			gitRepo(nsPush, "bb-app", "https://bitbucket.org/e2e-org/app.git", "main") +
			gitRepo(nsPush, "bbs-app", "https://bitbucket.example.com/scm/prj/app.git", "main") +
			gitRepo(nsPush, "gogs-app", "ssh://git@gogs.example.com/e2e-org/app.git", "main") +
			gitRepo(nsPush, "gitea-app", "https://gitea.example.com/E2E-org/app/", "main") +
			// The legacy visualstudio.com form, the project's space unescaped,
			// must match the payload's dev.azure.com URLs with %20.
			gitRepo(nsPush, "azure-app", "https://e2e-org.visualstudio.com/DefaultCollection/fleet qa/_git/app", "main")
		for i := range burstRepos {
			repos += gitRepo(nsPush, burstName(i), "https://github.com/e2e-org/"+burstName(i), "main")
		}
		kubectlApply(pushYAML + repos)

		Eventually(func(g Gomega) {
			wr = getWR(nsPush, "hooks")
			g.Expect(wr.Status.SecretName).NotTo(BeEmpty())
			receiverSecretValue(g, wr, whv1alpha1.SecretKeyGitea)
		}).WithTimeout(60 * time.Second).Should(Succeed())

		By("starting `webhook-operator receiver` as a process with the receiver ServiceAccount's token")
		rcvOpts = devenv.ReceiverOptions{
			Name: wr.Name, Namespace: wr.Namespace, SecretName: wr.Status.SecretName,
			Kubeconfig: receiverKubeconfig(wr),
		}
		var err error
		receiver, err = bin.StartReceiver(ctx, "receiver-hooks", rcvOpts)
		Expect(err).NotTo(HaveOccurred())
		track(receiver.Process)
	}, NodeTimeout(3*time.Minute))

	It("copies referenced secrets and generates the others into the receiver Secret", func() {
		Eventually(func(g Gomega) {
			g.Expect(receiverSecretValue(g, wr, whv1alpha1.SecretKeyGitHub)).To(BeEquivalentTo("gh-secret-1"))
			g.Expect(receiverSecretValue(g, wr, whv1alpha1.SecretKeyBitbucketServer)).To(BeEquivalentTo("bbs-secret-1"))
			g.Expect(len(receiverSecretValue(g, wr, whv1alpha1.SecretKeyGitea))).To(BeNumerically(">=", 16))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("triggers exactly the matching GitRepo for a signed push from each provider", func() {
		for _, tc := range providerCases {
			By(tc.provider)
			before := webhookCommits(nsPush)
			otherBefore := webhookCommits(nsOther)
			p := tc.push
			p.Provider, p.Commit = tc.provider, gitsim.RandomSHA()
			secret := receiverSecretValue(Default, wr, tc.provider)

			r := send(receiver.Endpoints.WebhookURL(), p, secret)
			Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), "%s: %s", tc.provider, r.Body)
			Expect(r.triggered()).To(ConsistOf(nsPush+"/"+tc.gitRepo), "%s: %s", tc.provider, r.Body)

			Eventually(func(g Gomega) {
				gr := getGitRepo(g, nsPush, tc.gitRepo)
				g.Expect(gr.Status.WebhookCommit).To(Equal(p.Commit))
				g.Expect(gr.Status.LastWebhookTime.IsZero()).To(BeFalse())
				// A verified push sets the receiver's polling interval on a
				// GitRepo that has none.
				g.Expect(gr.Spec.PollingInterval).NotTo(BeNil())
				g.Expect(gr.Spec.PollingInterval.Duration).To(Equal(time.Hour))
			}).WithTimeout(30*time.Second).Should(Succeed(), tc.provider)

			after := webhookCommits(nsPush)
			for name, commit := range before {
				if name != tc.gitRepo {
					Expect(after[name]).To(Equal(commit), "%s push changed GitRepo %s", tc.provider, name)
				}
			}
			Expect(webhookCommits(nsOther)).To(Equal(otherBefore), "%s push reached another namespace", tc.provider)
		}
	})

	It("answers a GitHub ping with 200", func() {
		ping := gitsim.Delivery{Provider: whv1alpha1.SecretKeyGitHub, Event: "ping",
			Payload: []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`),
			Secret:  receiverSecretValue(Default, wr, whv1alpha1.SecretKeyGitHub)}
		resp, err := httpClient.Do(ping.Request(receiver.Endpoints.WebhookURL()))
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	})

	It("accepts form-encoded pushes from GitHub, Gogs and Gitea, signed the way each signs them", func() {
		for _, tc := range providerCases {
			if tc.provider != whv1alpha1.SecretKeyGitHub && tc.provider != whv1alpha1.SecretKeyGogs && tc.provider != whv1alpha1.SecretKeyGitea {
				continue
			}
			p := tc.push
			p.Provider, p.Commit = tc.provider, gitsim.RandomSHA()
			secret := receiverSecretValue(Default, wr, tc.provider)

			r := sendForm(receiver.Endpoints.WebhookURL(), p, []byte("not-the-secret"))
			Expect(r.Code).To(Equal(http.StatusUnauthorized), "%s form, wrongly signed: %s", tc.provider, r.Body)

			r = sendForm(receiver.Endpoints.WebhookURL(), p, secret)
			Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), "%s form: %s", tc.provider, r.Body)
			Expect(r.triggered()).To(ConsistOf(nsPush+"/"+tc.gitRepo), "%s form: %s", tc.provider, r.Body)
			Eventually(func(g Gomega) {
				g.Expect(getGitRepo(g, nsPush, tc.gitRepo).Status.WebhookCommit).To(Equal(p.Commit))
			}).WithTimeout(30*time.Second).Should(Succeed(), tc.provider)
		}
	})

	It("refuses an unsigned or wrongly signed push with 401 and changes nothing", func() {
		before := webhookCommits(nsPush)
		for _, tc := range providerCases {
			p := tc.push
			p.Provider, p.Commit = tc.provider, gitsim.RandomSHA()
			r := send(receiver.Endpoints.WebhookURL(), p, nil)
			Expect(r.Code).To(Equal(http.StatusUnauthorized), "%s unsigned: %s", tc.provider, r.Body)
			r = send(receiver.Endpoints.WebhookURL(), p, []byte("not-the-secret"))
			Expect(r.Code).To(Equal(http.StatusUnauthorized), "%s wrongly signed: %s", tc.provider, r.Body)
		}
		// A signed push queued after the refused ones is written; by then a
		// refused one would have been written too.
		p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/e2e-org/app-suffix", Branch: "main", Commit: gitsim.RandomSHA()}
		r := send(receiver.Endpoints.WebhookURL(), p, receiverSecretValue(Default, wr, whv1alpha1.SecretKeyGitHub))
		Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), r.Body)
		Eventually(func(g Gomega) {
			g.Expect(getGitRepo(g, nsPush, "gh-app-suffix").Status.WebhookCommit).To(Equal(p.Commit))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		after := webhookCommits(nsPush)
		delete(after, "gh-app-suffix")
		delete(before, "gh-app-suffix")
		Expect(after).To(Equal(before))
	})

	It("takes a rotated provider secret without a restart: the old signature fails, the new one passes", func() {
		pid := receiver.Pid()
		oldSecret := receiverSecretValue(Default, wr, whv1alpha1.SecretKeyGitHub)
		newSecret := []byte("gh-secret-2-" + gitsim.RandomToken())
		By("editing the Secret the WebhookReceiver references")
		sec := &corev1.Secret{}
		Expect(k8s.Get(context.Background(), key(nsPush, "git-secrets"), sec)).To(Succeed())
		sec.Data["github-token"] = newSecret
		Expect(k8s.Update(context.Background(), sec)).To(Succeed())

		push := func() gitsim.Push {
			return gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/e2e-org/app", Branch: "main", Commit: gitsim.RandomSHA()}
		}
		var last gitsim.Push
		Eventually(func(g Gomega) {
			last = push()
			r := send(receiver.Endpoints.WebhookURL(), last, newSecret)
			g.Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), r.Body)
		}).WithTimeout(60 * time.Second).WithPolling(time.Second).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getGitRepo(g, nsPush, "gh-app").Status.WebhookCommit).To(Equal(last.Commit))
		}).WithTimeout(30 * time.Second).Should(Succeed())

		r := send(receiver.Endpoints.WebhookURL(), push(), oldSecret)
		Expect(r.Code).To(Equal(http.StatusUnauthorized), r.Body)
		Expect(receiverSecretValue(Default, wr, whv1alpha1.SecretKeyGitHub)).To(Equal(newSecret))
		exited, _ := receiver.Exited()
		Expect(exited).To(BeFalse())
		Expect(receiver.Pid()).To(Equal(pid))
	})

	It("loses no accepted trigger when the receiver is stopped and restarted", func(ctx SpecContext) {
		secret := receiverSecretValue(Default, wr, whv1alpha1.SecretKeyGitHub)
		By("restarting the receiver with a short ack deadline, so pushes are acknowledged before they are written")
		Expect(receiver.Stop(30 * time.Second)).To(Succeed())
		opts := rcvOpts
		opts.Extra = []string{"--ack-timeout", "50ms"}
		var err error
		receiver, err = bin.StartReceiver(ctx, "receiver-hooks", opts)
		Expect(err).NotTo(HaveOccurred())
		track(receiver.Process)

		By("sending a burst of pushes, then SIGTERM right after the last is acknowledged")
		commits := make([]string, burstRepos)
		codes := make([]int, burstRepos)
		var wg sync.WaitGroup
		for i := range burstRepos {
			commits[i] = gitsim.RandomSHA()
			wg.Go(func() {
				defer GinkgoRecover()
				p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/e2e-org/" + burstName(i), Branch: "main", Commit: commits[i]}
				codes[i] = send(receiver.Endpoints.WebhookURL(), p, secret).Code
			})
		}
		wg.Wait()
		Expect(receiver.Signal(syscall.SIGTERM)).To(Succeed())
		Eventually(receiver.Done()).WithTimeout(60 * time.Second).Should(BeClosed())
		_, werr := receiver.Exited()
		Expect(werr).NotTo(HaveOccurred(), "the receiver should exit cleanly on SIGTERM")

		for i, code := range codes {
			Expect(code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), "push %d", i)
		}
		By("checking every acknowledged push reached its GitRepo")
		Eventually(func(g Gomega) {
			for i := range burstRepos {
				g.Expect(getGitRepo(g, nsPush, burstName(i)).Status.WebhookCommit).To(Equal(commits[i]), burstName(i))
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())

		By("starting the receiver again; it serves at once")
		receiver, err = bin.StartReceiver(ctx, "receiver-hooks", rcvOpts)
		Expect(err).NotTo(HaveOccurred())
		track(receiver.Process)
		p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/e2e-org/" + burstName(0), Branch: "main", Commit: gitsim.RandomSHA()}
		r := send(receiver.Endpoints.WebhookURL(), p, secret)
		Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), r.Body)
		Eventually(func(g Gomega) {
			g.Expect(getGitRepo(g, nsPush, burstName(0)).Status.WebhookCommit).To(Equal(p.Commit))
		}).WithTimeout(30 * time.Second).Should(Succeed())

		By("SIGKILL right after a push was answered as written; the restarted receiver keeps serving")
		p = gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/e2e-org/" + burstName(1), Branch: "main", Commit: gitsim.RandomSHA()}
		r = send(receiver.Endpoints.WebhookURL(), p, secret)
		Expect(r.Code).To(Equal(http.StatusOK), r.Body)
		receiver.Kill()
		receiver, err = bin.Restart(ctx, receiver)
		Expect(err).NotTo(HaveOccurred())
		track(receiver.Process)
		Expect(getGitRepo(Default, nsPush, burstName(1)).Status.WebhookCommit).To(Equal(p.Commit))
		p.Commit = gitsim.RandomSHA()
		r = send(receiver.Endpoints.WebhookURL(), p, secret)
		Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), r.Body)
		Eventually(func(g Gomega) {
			g.Expect(getGitRepo(g, nsPush, burstName(1)).Status.WebhookCommit).To(Equal(p.Commit))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	}, NodeTimeout(3*time.Minute))

	It("removes the receiver's children when the WebhookReceiver is deleted", func() {
		kubectl("delete", "-n", nsPush, "webhookreceiver", "hooks", "--wait=false")
		Eventually(func(g Gomega) {
			err := k8s.Get(context.Background(), key(nsPush, "hooks"), &whv1alpha1.WebhookReceiver{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "WebhookReceiver still there: %v", err)
			expectNoChildren(g, wr)
		}).WithTimeout(90 * time.Second).Should(Succeed())
		// The user's own Secret is not a child.
		Expect(k8s.Get(context.Background(), key(nsPush, "git-secrets"), &corev1.Secret{})).To(Succeed())
	})
})

func burstName(i int) string { return "burst-" + string(rune('a'+i)) }
