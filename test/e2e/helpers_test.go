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
	"encoding/json"
	"io"
	"net/http"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const (
	labelInstance  = "app.kubernetes.io/instance"
	labelName      = "app.kubernetes.io/name"
	labelManagedBy = "app.kubernetes.io/managed-by"
)

// reply is a receiver's answer to one webhook.
type reply struct {
	Code int
	Body string
	JSON struct {
		Status    string `json:"status"`
		Provider  string `json:"provider"`
		Triggered []struct {
			Namespace, Name, Commit string
		} `json:"triggered"`
		Pending []struct {
			Namespace, Name, Commit string
		} `json:"pending"`
		Reason string `json:"reason"`
	}
}

// triggered lists namespace/name of every GitRepo the reply names as
// written or pending.
func (r reply) triggered() []string {
	var out []string
	for _, t := range r.JSON.Triggered {
		out = append(out, t.Namespace+"/"+t.Name)
	}
	for _, t := range r.JSON.Pending {
		out = append(out, t.Namespace+"/"+t.Name)
	}
	return out
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// send POSTs a push signed with secret (nil: unsigned) to url.
func send(url string, p gitsim.Push, secret []byte) reply {
	GinkgoHelper()
	req, err := p.NewRequest(context.Background(), url, secret)
	Expect(err).NotTo(HaveOccurred())
	return do(req)
}

// sendForm posts the push as application/x-www-form-urlencoded with the JSON
// in the payload field, signed the provider's way: GitHub signs the form body
// as sent, Gogs and Gitea sign the JSON payload itself.
func sendForm(target string, p gitsim.Push, secret []byte) reply {
	GinkgoHelper()
	d, err := p.Delivery(secret)
	Expect(err).NotTo(HaveOccurred())
	d.Form = true
	req, err := d.NewRequest(context.Background(), target)
	Expect(err).NotTo(HaveOccurred())
	return do(req)
}

func do(req *http.Request) reply {
	GinkgoHelper()
	resp, err := httpClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	r := reply{Code: resp.StatusCode, Body: string(b)}
	_ = json.Unmarshal(b, &r.JSON)
	return r
}

func key(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

func getWR(ns, name string) *whv1alpha1.WebhookReceiver {
	GinkgoHelper()
	wr := &whv1alpha1.WebhookReceiver{}
	Expect(k8s.Get(context.Background(), key(ns, name), wr)).To(Succeed())
	return wr
}

func getGitRepo(g Gomega, ns, name string) *fleetv1alpha1.GitRepo {
	gr := &fleetv1alpha1.GitRepo{}
	g.Expect(k8s.Get(context.Background(), key(ns, name), gr)).To(Succeed())
	return gr
}

// webhookCommits maps every GitRepo in ns to its status.webhookCommit.
func webhookCommits(ns string) map[string]string {
	GinkgoHelper()
	var list fleetv1alpha1.GitRepoList
	Expect(k8s.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	out := map[string]string{}
	for _, gr := range list.Items {
		out[gr.Name] = gr.Status.WebhookCommit
	}
	return out
}

// receiverSecretValue reads a provider's secret from the Secret the
// WebhookReceiver's status names, as a user would to configure the Git host.
func receiverSecretValue(g Gomega, wr *whv1alpha1.WebhookReceiver, provider string) []byte {
	name := wr.Status.SecretName
	if name == "" {
		name = wr.SecretNameOrDefault()
	}
	s := &corev1.Secret{}
	g.Expect(k8s.Get(context.Background(), key(wr.Namespace, name), s)).To(Succeed())
	g.Expect(s.Data).To(HaveKey(provider))
	return s.Data[provider]
}

// controlledBy asserts obj is owned (controller=true) by wr and carries the
// children's labels.
func controlledBy(g Gomega, obj client.Object, wr *whv1alpha1.WebhookReceiver) {
	g.Expect(obj.GetOwnerReferences()).To(ContainElement(And(
		HaveField("UID", wr.UID),
		HaveField("Kind", "WebhookReceiver"),
		HaveField("Controller", HaveValue(BeTrue())),
	)), "%T %s owner references", obj, obj.GetName())
	g.Expect(obj.GetLabels()).To(And(
		HaveKeyWithValue(labelInstance, wr.Name),
		HaveKeyWithValue(labelName, "webhook-receiver"),
		HaveKeyWithValue(labelManagedBy, "webhook-operator"),
	), "%T %s labels", obj, obj.GetName())
}

// childrenOf lists objects of list's type in wr's namespace carrying wr's
// instance label.
func childrenOf(g Gomega, list client.ObjectList, wr *whv1alpha1.WebhookReceiver) {
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(wr.Namespace),
		client.MatchingLabels{labelInstance: wr.Name, labelManagedBy: "webhook-operator"})).To(Succeed())
}

// receiverKubeconfig is a kubeconfig authenticating as the ServiceAccount the
// operator created for wr's receiver, so the receiver process runs with
// exactly the RBAC the operator grants it in a cluster. E2E_RECEIVER_AS_ADMIN=1
// uses the admin kubeconfig instead (to tell RBAC problems from others).
func receiverKubeconfig(wr *whv1alpha1.WebhookReceiver) string {
	GinkgoHelper()
	if os.Getenv("E2E_RECEIVER_AS_ADMIN") == "1" {
		return cp.Kubeconfig
	}
	var sa string
	Eventually(func(g Gomega) {
		var deps appsv1.DeploymentList
		childrenOf(g, &deps, wr)
		g.Expect(deps.Items).To(HaveLen(1))
		sa = deps.Items[0].Spec.Template.Spec.ServiceAccountName
		g.Expect(sa).NotTo(BeEmpty())
		g.Expect(k8s.Get(context.Background(), key(wr.Namespace, sa), &corev1.ServiceAccount{})).To(Succeed())
	}).WithTimeout(60 * time.Second).Should(Succeed())
	return tokenKubeconfig(wr.Namespace, sa)
}
