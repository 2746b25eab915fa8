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
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	nsTraefik     = "rw-traefik"
	githubSecret  = "realworld-github-secret"
	simulatedRepo = "https://github.com/rw-org/app"
)

// webhookURL is the URL a Git host is given: Traefik's web entryPoint.
var webhookURL = fmt.Sprintf("http://%s/gitjob", hooksHost)

// receiverYAML is a namespace with a GitHub secret, a GitRepo for repo's
// main branch and a WebhookReceiver for hooks.example.test/gitjob exposed by
// expose (an ingress: or gateway: block, indented two spaces).
func receiverYAML(ns, repo, expose string) string {
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
  github: %[2]s
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: hooks
  namespace: %[1]s
spec:
  host: %[3]s
  path: /gitjob
%[4]s
  providers:
    github: {secretRef: {name: git-secrets, key: github}}
`, ns, githubSecret, hooksHost, expose) + fleetGitRepoYAML(ns, "app", repo, "branch: main")
}

// An Ingress of Traefik's flavor.
const plainIngressYAML = `
  ingress:
    className: traefik
    flavor: traefik`

// An Ingress of Traefik's flavor at an explicit priority, with the user's
// own Middleware chained in through spec.ingress.annotations.
const traefikIngressYAML = `
  ingress:
    className: traefik
    flavor: traefik
    priority: 100
    annotations:
      traefik.ingress.kubernetes.io/router.middlewares: rw-traefik-tag-response@kubernetescrd`

// The user's Middleware: it tags every answer it passes.
const tagResponseYAML = `
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: tag-response
  namespace: rw-traefik
spec:
  headers:
    customResponseHeaders:
      X-Realworld-Middleware: applied`

// catchAllYAML is someone else's site on the same host: every path, at a
// lower priority than the receiver's router.
const catchAllYAML = `
apiVersion: v1
kind: Service
metadata:
  name: site
  namespace: rw-traefik
spec:
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: site
  namespace: rw-traefik
  annotations:
    traefik.ingress.kubernetes.io/router.priority: "10"
spec:
  ingressClassName: traefik
  rules:
  - host: hooks.example.test
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: site
            port: {number: 80}
`

var _ = Describe("Traefik, Ingress flavor", Ordered, func() {
	var (
		b    *receiverBackend
		site *http.Server
	)

	BeforeAll(func(ctx SpecContext) {
		Expect(applyYAML(ctx, k8s, receiverYAML(nsTraefik, simulatedRepo, traefikIngressYAML))).To(Succeed())
		Expect(applyYAML(ctx, k8s, tagResponseYAML)).To(Succeed())
		b = runReceiver(ctx, nsTraefik, "hooks")
		waitForReceiverRoute(webhookURL)
	}, NodeTimeout(2*time.Minute))

	AfterAll(func(ctx SpecContext) {
		if site != nil {
			_ = site.Close()
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, &networkingv1.Ingress{ObjectMeta: objectMeta(nsTraefik, "site")}))).To(Succeed())
		}
		removeReceiver(ctx, b, plainHTTP, webhookURL)
	}, NodeTimeout(2*time.Minute))

	It("delivers a signed push for /gitjob to the receiver with the prefix stripped, through the user's middleware, and triggers the GitRepo", func() {
		n := len(b.Tap.Hits())
		commit := randomSHA()
		r := sendGitHubPush(plainHTTP, webhookURL, simulatedRepo, "main", commit, []byte(githubSecret))
		Expect(r.Code).To(BeElementOf(http.StatusOK, http.StatusAccepted), r.Body)
		Expect(r.triggered()).To(ConsistOf(nsTraefik+"/app"), r.Body)
		Expect(r.Header.Get("X-Realworld-Middleware")).To(Equal("applied"), "Traefik did not apply the user's middleware")
		Expect(b.Tap.HitsSince(n)).To(ConsistOf(HaveField("Path", "/")), "what Traefik forwarded for /gitjob")
		Eventually(func(g Gomega) {
			g.Expect(gitRepo(g, nsTraefik, "app").Status.WebhookCommit).To(Equal(commit))
		}).WithTimeout(10 * time.Second).Should(Succeed())

		n = len(b.Tap.Hits())
		Expect(get(webhookURL + "/deeper/path").Code).To(Equal(http.StatusMethodNotAllowed))
		Expect(b.Tap.HitsSince(n)).To(ConsistOf(HaveField("Path", "/deeper/path")))
	})

	It("keeps /gitjob when a catch-all Ingress for the host has a lower priority, and loses it when that one is raised above", func(ctx SpecContext) {
		siteAddr := nextBackendAddr()
		site = serve(siteAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Served-By", "site")
			_, _ = fmt.Fprintf(w, "site %s\n", r.URL.Path)
		}))
		Expect(applyYAML(ctx, k8s, catchAllYAML)).To(Succeed())
		exposeAt(ctx, nsTraefik, "site", siteAddr)
		Eventually(func() string { return get("http://" + hooksHost + "/elsewhere").Header.Get("X-Served-By") }).
			WithTimeout(30*time.Second).Should(Equal("site"), "the catch-all Ingress is not routed")

		commit := randomSHA()
		r := sendGitHubPush(plainHTTP, webhookURL, simulatedRepo, "main", commit, []byte(githubSecret))
		Expect(r.Header.Get("X-Served-By")).To(BeEmpty(), "a lower-priority catch-all took the webhook path")
		Expect(r.triggered()).To(ConsistOf(nsTraefik+"/app"), r.Body)

		By("raising the catch-all's priority above the receiver's")
		ing := &networkingv1.Ingress{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: nsTraefik, Name: "site"}, ing)).To(Succeed())
		patch := client.MergeFrom(ing.DeepCopy())
		ing.Annotations["traefik.ingress.kubernetes.io/router.priority"] = "1000"
		Expect(k8s.Patch(ctx, ing, patch)).To(Succeed())
		Eventually(func() string { return get(webhookURL).Header.Get("X-Served-By") }).
			WithTimeout(30*time.Second).Should(Equal("site"), "priority did not decide between the routers")
		n := len(b.Tap.Hits())
		r = sendGitHubPush(plainHTTP, webhookURL, simulatedRepo, "main", randomSHA(), []byte(githubSecret))
		Expect(r.Header.Get("X-Served-By")).To(Equal("site"))
		Expect(b.Tap.HitsSince(n)).To(BeEmpty())
		Consistently(func(g Gomega) {
			g.Expect(gitRepo(g, nsTraefik, "app").Status.WebhookCommit).To(Equal(commit))
		}).WithTimeout(2 * time.Second).Should(Succeed())
	})
})
