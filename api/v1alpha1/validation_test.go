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

package v1alpha1_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

var nameSeq atomic.Int64

// fromYAML builds a WebhookReceiver in the default namespace from a spec
// written the way a user writes it.
func fromYAML(spec string) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{}
	Expect(yaml.Unmarshal([]byte(spec), &wr.Spec)).To(Succeed())
	wr.Name = fmt.Sprintf("wr-%d", nameSeq.Add(1))
	wr.Namespace = "default"
	return wr
}

const minimal = `
host: webhooks.example.com
ingress: {className: nginx}
providers: {github: {generate: true}}
`

var _ = Describe("WebhookReceiver schema", func() {
	It("fills the documented defaults into a minimal spec", func() {
		wr := fromYAML(minimal)
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		Expect(wr.Spec.Path).To(Equal("/"))
		Expect(wr.Spec.PollingInterval).NotTo(BeNil())
		Expect(wr.Spec.PollingInterval.Duration).To(Equal(time.Hour))
		Expect(wr.Spec.Batching.Window).NotTo(BeNil())
		Expect(wr.Spec.Batching.Window.Duration).To(Equal(time.Second))
		Expect(wr.Spec.Batching.QPS).To(HaveValue(BeEquivalentTo(20)))
		Expect(wr.Spec.Batching.Burst).To(HaveValue(BeEquivalentTo(100)))
		Expect(wr.Spec.Receiver.Replicas).NotTo(BeNil())
		Expect(*wr.Spec.Receiver.Replicas).To(BeEquivalentTo(1))
	})

	It("keeps values the user set instead of defaults", func() {
		wr := fromYAML(minimal + `
path: /gitjob
pollingInterval: 30m
batching: {window: 5s, qps: 5, burst: 10}
receiver: {replicas: 3}
`)
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		Expect(wr.Spec.Path).To(Equal("/gitjob"))
		Expect(wr.Spec.PollingInterval.Duration).To(Equal(30 * time.Minute))
		Expect(wr.Spec.Batching.Window.Duration).To(Equal(5 * time.Second))
		Expect(wr.Spec.Batching.QPS).To(HaveValue(BeEquivalentTo(5)))
		Expect(*wr.Spec.Receiver.Replicas).To(BeEquivalentTo(3))
	})

	It("accepts a provider without a secret when it allows unauthenticated deliveries from listed hosts", func() {
		wr := fromYAML(`
host: webhooks.example.com
ingress: {className: nginx}
providers: {gogs: {allowUnauthenticated: true, hosts: [git.internal.example]}}
`)
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
	})

	It("accepts every sample under config/samples", func() {
		root, err := devenv.RepoRoot()
		Expect(err).NotTo(HaveOccurred())
		files, err := filepath.Glob(filepath.Join(root, "config", "samples", "gitops_v1alpha1_*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		for _, f := range files {
			raw, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			wr := &v1alpha1.WebhookReceiver{}
			Expect(yaml.UnmarshalStrict(raw, wr)).To(Succeed(), f)
			wr.Namespace = "default"
			Expect(k8sClient.Create(ctx, wr)).To(Succeed(), f)
			Expect(wr.Spec.Batching.QPS).NotTo(BeNil(), "defaults filled in for %s", f)
		}
	})

	DescribeTable("rejects a bad spec with a message a user understands",
		func(spec, wantMessage string) {
			wr := fromYAML(spec)
			err := k8sClient.Create(ctx, wr)
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("missing host", `
ingress: {className: nginx}
providers: {github: {generate: true}}`, "spec.host in body should be at least 1 chars long"),
		Entry("host that is not a DNS name", `
host: "https://webhooks.example.com/"
ingress: {className: nginx}
providers: {github: {generate: true}}`, "spec.host: Invalid value"),
		Entry("upper-case host", `
host: Webhooks.Example.com
ingress: {className: nginx}
providers: {github: {generate: true}}`, "spec.host: Invalid value"),
		Entry("path without a leading slash", minimal+`
path: gitjob`, "spec.path: Invalid value"),
		Entry("path with a trailing slash", minimal+`
path: /gitjob/`, "path must not end with '/'"),
		Entry("both ingress and gateway", minimal+`
gateway: {parentRefs: [{name: public}]}`, "exactly one of spec.ingress or spec.gateway must be set"),
		Entry("neither ingress nor gateway", `
host: webhooks.example.com
providers: {github: {generate: true}}`, "exactly one of spec.ingress or spec.gateway must be set"),
		Entry("unknown flavor", `
host: webhooks.example.com
ingress: {className: haproxy, flavor: haproxy}
providers: {github: {generate: true}}`, `supported values: "traefik", "nginx", "generic"`),
		Entry("ingress without className", `
host: webhooks.example.com
ingress: {flavor: nginx}
providers: {github: {generate: true}}`, "spec.ingress.className in body should be at least 1 chars long"),
		Entry("gateway without parentRefs", `
host: webhooks.example.com
gateway: {parentRefs: []}
providers: {github: {generate: true}}`, "spec.gateway.parentRefs"),
		Entry("provider with both secretRef and generate", `
host: webhooks.example.com
ingress: {className: nginx}
providers: {github: {generate: true, secretRef: {name: gh, key: token}}}`, "set either secretRef or generate: true, not both"),
		Entry("provider with no secret and allowUnauthenticated off", `
host: webhooks.example.com
ingress: {className: nginx}
providers: {gitlab: {}}`, "a provider needs secretRef or generate: true (or allowUnauthenticated: true with hosts)"),
		Entry("allowUnauthenticated without hosts", `
host: webhooks.example.com
ingress: {className: nginx}
providers: {gitea: {allowUnauthenticated: true}}`, "hosts is required when allowUnauthenticated is true"),
		Entry("allowUnauthenticated with a secret", `
host: webhooks.example.com
ingress: {className: nginx}
providers: {github: {generate: true, allowUnauthenticated: true, hosts: [github.com]}}`, "allowUnauthenticated cannot be combined with secretRef or generate"),
		Entry("Azure DevOps without a password", `
host: webhooks.example.com
ingress: {className: nginx}
providers: {azureDevOps: {username: fleet}}`, "a provider needs secretRef or generate: true"),

		Entry("secretRef without key", `
host: webhooks.example.com
ingress: {className: nginx}
providers: {github: {secretRef: {name: gh}}}`, "spec.providers.github.secretRef.key in body should be at least 1 chars long"),
		Entry("negative qps", minimal+`
batching: {qps: -1}`, "spec.batching.qps: Invalid value: -1"),
		Entry("zero burst", minimal+`
batching: {burst: 0}`, "spec.batching.burst: Invalid value: 0"),
		Entry("window over a minute", minimal+`
batching: {window: 2m}`, "window must be between 0s and 60s"),
		Entry("polling interval below 15s", minimal+`
pollingInterval: 1s`, "pollingInterval must be between 15s and 168h"),
		Entry("zero replicas", minimal+`
receiver: {replicas: 0}`, "spec.receiver.replicas: Invalid value: 0"),
		Entry("router priority out of range", `
host: webhooks.example.com
ingress: {className: traefik, priority: 0}
providers: {github: {generate: true}}`, "spec.ingress.priority: Invalid value: 0"),
		Entry("gateway with a TLS issuer it cannot use", `
host: webhooks.example.com
gateway: {parentRefs: [{name: public}]}
tls: {issuerRef: {name: letsencrypt}}
providers: {github: {generate: true}}`, "with spec.gateway the Gateway's listener terminates TLS"),
		Entry("issuer of an unknown kind", minimal+`
tls: {issuerRef: {kind: Certificate, name: le}}`, `supported values: "Issuer", "ClusterIssuer"`),
		Entry("polling interval between 0s and 15s", minimal+`
pollingInterval: 10ms`, "pollingInterval must be between 15s and 168h, or 0s to never write GitRepo specs"),
	)

	It("refuses a name too long for its children", func() {
		wr := fromYAML(minimal)
		wr.Name = "a-name-that-is-far-too-long-for-the-receiver-children-abc"
		err := k8sClient.Create(ctx, wr)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
		Expect(err.Error()).To(ContainSubstring("metadata.name must be at most 54 characters"))
	})

	It("shows Host, URL, Ready and Age columns and the whr short name", func() {
		crd, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "gitops.webhook-operator.dev_webhookreceivers.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var doc struct {
			Spec struct {
				Names    struct{ ShortNames []string } `json:"names"`
				Versions []struct {
					Columns []struct{ Name string } `json:"additionalPrinterColumns"`
				} `json:"versions"`
			} `json:"spec"`
		}
		Expect(yaml.Unmarshal(crd, &doc)).To(Succeed())
		Expect(doc.Spec.Names.ShortNames).To(ContainElement("whr"))
		var cols []string
		for _, c := range doc.Spec.Versions[0].Columns {
			cols = append(cols, c.Name)
		}
		Expect(cols).To(Equal([]string{"Host", "URL", "Ready", "Age"}))
	})

	It("stores status only through the status subresource", func() {
		wr := fromYAML(minimal)
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		wr.Status.URL = "https://webhooks.example.com/"
		wr.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "Test", Message: "t", LastTransitionTime: metav1.Now()}}
		Expect(k8sClient.Update(ctx, wr)).To(Succeed())
		got := &v1alpha1.WebhookReceiver{}
		Expect(k8sClient.Get(ctx, clientKey(wr), got)).To(Succeed())
		Expect(got.Status.URL).To(BeEmpty(), "main resource update must not write status")
		wr.Status.URL = "https://webhooks.example.com/"
		Expect(k8sClient.Status().Update(ctx, wr)).To(Succeed())
		Expect(k8sClient.Get(ctx, clientKey(wr), got)).To(Succeed())
		Expect(got.Status.URL).To(Equal("https://webhooks.example.com/"))
	})
})
