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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const nsGateway, nsGatewayInfra = "rw-gateway", "rw-gateway-system"

// gatewayYAML is the cluster's shared Gateway: Traefik's class, one HTTP
// listener on the web entryPoint's port, routes from every namespace.
var gatewayYAML = fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  namespace: %[1]s
spec:
  gatewayClassName: traefik
  listeners:
  - name: web
    port: %[2]d
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: All}
`, nsGatewayInfra, webPort)

var gatewayExposeYAML = fmt.Sprintf(`
  gateway:
    parentRefs:
    - {name: public, namespace: %s, sectionName: web}`, nsGatewayInfra)

var _ = Describe("Traefik, Gateway API", Ordered, func() {
	var b *receiverBackend

	BeforeAll(func(ctx SpecContext) {
		Expect(applyYAML(ctx, k8s, gatewayYAML)).To(Succeed())
		Expect(applyYAML(ctx, k8s, receiverYAML(nsGateway, simulatedRepo, gatewayExposeYAML))).To(Succeed())
		b = runReceiver(ctx, nsGateway, "hooks")
		waitForReceiverRoute(webhookURL)
	}, NodeTimeout(2*time.Minute))

	AfterAll(func(ctx SpecContext) {
		removeReceiver(ctx, b, plainHTTP, webhookURL)
		gw := &unstructured.Unstructured{}
		gw.SetGroupVersionKind(schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"})
		gw.SetNamespace(nsGatewayInfra)
		gw.SetName("public")
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, gw))).To(Succeed())
	}, NodeTimeout(2*time.Minute))

	It("has Traefik accept the operator's HTTPRoute on the Gateway's listener", func(ctx SpecContext) {
		Eventually(func(g Gomega) {
			var routes unstructured.UnstructuredList
			routes.SetGroupVersionKind(schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRouteList"})
			g.Expect(k8s.List(ctx, &routes, client.InNamespace(nsGateway))).To(Succeed())
			g.Expect(routes.Items).To(HaveLen(1))
			parents, _, _ := unstructured.NestedSlice(routes.Items[0].Object, "status", "parents")
			g.Expect(parents).To(ContainElement(And(
				HaveKeyWithValue("controllerName", "traefik.io/gateway-controller"),
				HaveKeyWithValue("conditions", ContainElement(And(
					HaveKeyWithValue("type", "Accepted"), HaveKeyWithValue("status", "True")))),
			)))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("rewrites /gitjob/... to /... and the push triggers the GitRepo", func() {
		n := len(b.Tap.Hits())
		commit := randomSHA()
		r := sendGitHubPush(plainHTTP, webhookURL+"/github", simulatedRepo, "main", commit, []byte(githubSecret))
		Expect(r.Code).To(BeElementOf(http.StatusOK, http.StatusAccepted), r.Body)
		Expect(r.triggered()).To(ConsistOf(nsGateway+"/app"), r.Body)
		r = sendGitHubPush(plainHTTP, webhookURL, simulatedRepo, "main", commit, []byte(githubSecret))
		Expect(r.Code).To(BeElementOf(http.StatusOK, http.StatusAccepted), r.Body)
		Expect(b.Tap.HitsSince(n)).To(HaveExactElements(HaveField("Path", "/github"), HaveField("Path", "/")),
			"what Traefik forwarded for /gitjob/github and /gitjob")
		Eventually(func(g Gomega) {
			g.Expect(gitRepo(g, nsGateway, "app").Status.WebhookCommit).To(Equal(commit))
		}).WithTimeout(10 * time.Second).Should(Succeed())
	})
})
