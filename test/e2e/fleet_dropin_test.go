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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const nsFleet = "cattle-fleet-system"

// fleetValues are what a Fleet admin put into gitjob-webhook, following
// Fleet's docs; the Git hosts already send with them.
var fleetValues = map[string]string{
	"github":         "fleet-github-secret",
	"bitbucket":      "{7d2c9a4e-1b3f-4e8a-9c5d-6f0e1a2b3c4d}", // the Bitbucket Cloud hook's UUID
	"gogs":           "fleet-gogs-secret",
	"azure-username": "fleet",
	"azure-password": "fleet-azure-password",
}

const fleetDropInYAML = `
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: fleet
  namespace: cattle-fleet-system
spec:
  host: fleet.e2e.example.com
  ingress:
    className: nginx
    flavor: nginx
  secretName: gitjob-webhook
  providers:
    github: {generate: true}
    bitbucket: {generate: true}
    gogs: {generate: true}
    azureDevOps: {generate: true, username: fleet}
`

var _ = Describe("A drop-in for Fleet's gitjob-webhook Secret", Ordered, func() {
	var receiver *devenv.Subcommand

	BeforeAll(func(ctx SpecContext) {
		By("creating the Secret exactly as Fleet's docs say, with kubectl, and opting in to its adoption")
		_, _ = kubectlErr(nil, "create", "namespace", nsFleet)
		args := []string{"create", "secret", "generic", "gitjob-webhook", "-n", nsFleet}
		for _, k := range []string{"github", "bitbucket", "gogs", "azure-username", "azure-password"} {
			args = append(args, "--from-literal="+k+"="+fleetValues[k])
		}
		kubectl(args...)
		kubectl("annotate", "secret", "gitjob-webhook", "-n", nsFleet, "gitops.webhook-operator.dev/adopt=true")

		kubectlApply(fleetDropInYAML +
			gitRepo(nsFleet, "gh", "https://github.com/fleet-org/app", "main") +
			gitRepo(nsFleet, "bb", "git@bitbucket.org:fleet-org/app.git", "main") +
			gitRepo(nsFleet, "gogs", "https://gogs.example.com/fleet-org/app", "main") +
			gitRepo(nsFleet, "gitea", "https://gitea.example.com/fleet-org/app", "main") +
			gitRepo(nsFleet, "azure", "https://fleet-org@dev.azure.com/fleet-org/fleet/_git/app", "main"))

		var wr *whv1alpha1.WebhookReceiver
		Eventually(func(g Gomega) {
			wr = getWR(nsFleet, "fleet")
			g.Expect(wr.Status.SecretName).To(Equal("gitjob-webhook"))
		}).WithTimeout(60 * time.Second).Should(Succeed())

		By("starting the receiver with its ServiceAccount's token")
		var err error
		receiver, err = bin.StartReceiver(ctx, "receiver-fleet", devenv.ReceiverOptions{
			Name: wr.Name, Namespace: wr.Namespace, SecretName: wr.Status.SecretName, Kubeconfig: receiverKubeconfig(wr),
		})
		Expect(err).NotTo(HaveOccurred())
		track(receiver.Process)
	}, NodeTimeout(3*time.Minute))

	It("keeps every value the Git hosts already use", func() {
		Consistently(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(k8s.Get(context.Background(), key(nsFleet, "gitjob-webhook"), s)).To(Succeed())
			for k, v := range fleetValues {
				g.Expect(s.Data).To(HaveKeyWithValue(k, []byte(v)), k)
			}
		}).WithTimeout(3 * time.Second).Should(Succeed())
	})

	It("answers 200 and triggers the GitRepo for each provider, signed the way it signs for Fleet", func() {
		type fleetDelivery struct {
			gitRepo string
			push    gitsim.Push
			// sign turns the push's delivery into what the Git host sends
			// to Fleet with the values in gitjob-webhook.
			sign func(d *gitsim.Delivery)
		}
		cases := map[string]fleetDelivery{
			"GitHub, X-Hub-Signature-256 with the github key": {"gh",
				gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/fleet-org/app", Branch: "main"},
				func(d *gitsim.Delivery) { d.Secret = []byte(fleetValues["github"]) }},
			"Bitbucket Cloud, unsigned, X-Hook-UUID the bitbucket key": {"bb",
				gitsim.Push{Provider: whv1alpha1.SecretKeyBitbucket, RepoURL: "https://bitbucket.org/fleet-org/app", Branch: "main"},
				func(d *gitsim.Delivery) { d.Secret, d.HookUUID = nil, fleetValues["bitbucket"] }},
			"Gogs, X-Gogs-Signature with the gogs key": {"gogs",
				gitsim.Push{Provider: whv1alpha1.SecretKeyGogs, RepoURL: "https://gogs.example.com/fleet-org/app", Branch: "main"},
				func(d *gitsim.Delivery) { d.Secret = []byte(fleetValues["gogs"]) }},
			"Gitea, signed with the gogs key (Fleet treats Gitea as Gogs)": {"gitea",
				gitsim.Push{Provider: whv1alpha1.SecretKeyGitea, RepoURL: "https://gitea.example.com/fleet-org/app", Branch: "main"},
				func(d *gitsim.Delivery) { d.Secret = []byte(fleetValues["gogs"]) }},
			"Azure DevOps, basic auth azure-username:azure-password": {"azure",
				gitsim.Push{Provider: whv1alpha1.SecretKeyAzurePassword, RepoURL: "https://dev.azure.com/fleet-org/fleet/_git/app", Branch: "main"},
				func(d *gitsim.Delivery) {
					d.Secret = []byte(fleetValues["azure-username"] + ":" + fleetValues["azure-password"])
				}},
		}
		for name, tc := range cases {
			By(name)
			p := tc.push
			p.Commit = gitsim.RandomSHA()
			d, err := p.Delivery(nil)
			Expect(err).NotTo(HaveOccurred())
			tc.sign(&d)
			req, err := d.NewRequest(context.Background(), receiver.Endpoints.WebhookURL())
			Expect(err).NotTo(HaveOccurred())
			r := do(req)
			Expect(r.Code).To(Or(Equal(http.StatusOK), Equal(http.StatusAccepted)), "%s: %s", name, r.Body)
			Expect(r.triggered()).To(ConsistOf(nsFleet+"/"+tc.gitRepo), "%s: %s", name, r.Body)
			Eventually(func(g Gomega) {
				g.Expect(getGitRepo(g, nsFleet, tc.gitRepo).Status.WebhookCommit).To(Equal(p.Commit))
			}).WithTimeout(30*time.Second).Should(Succeed(), name)

			By(name + ", with a wrong value: 401")
			bad := d
			switch {
			case bad.HookUUID != "":
				bad.HookUUID = "{00000000-0000-0000-0000-000000000000}"
			default:
				bad.Secret = []byte("fleet:not-the-secret")
			}
			req, err = bad.NewRequest(context.Background(), receiver.Endpoints.WebhookURL())
			Expect(err).NotTo(HaveOccurred())
			Expect(do(req).Code).To(Equal(http.StatusUnauthorized), name)
		}
	})
})
