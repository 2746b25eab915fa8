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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

const nsFlavors = "e2e-flavors"

const flavorsYAML = `
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-flavors
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: nginx
  namespace: e2e-flavors
spec:
  host: nginx.example.com
  path: /hooks
  ingress:
    className: nginx
    flavor: nginx
  providers:
    github:
      generate: true
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: traefik
  namespace: e2e-flavors
spec:
  host: webhooks.example.com
  path: /gitjob
  ingress:
    className: traefik
    flavor: traefik
  tls:
    secretName: webhooks-tls
    issuerRef:
      kind: ClusterIssuer
      name: letsencrypt
  secretName: gitjob-webhook
  providers:
    github:
      generate: true
    gitlab:
      generate: true
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: gateway
  namespace: e2e-flavors
spec:
  host: hooks.example.com
  path: /hooks
  gateway:
    parentRefs:
    - name: public
      namespace: gateway-system
      sectionName: https
  providers:
    gitlab:
      generate: true
`

var _ = Describe("WebhookReceiver children per flavor", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		kubectlApply(flavorsYAML)
	})

	It("creates the Secret, ServiceAccount, RBAC, Deployment and Service of every receiver", func() {
		for _, name := range []string{"nginx", "traefik", "gateway"} {
			wr := getWR(nsFlavors, name)
			Eventually(func(g Gomega) {
				var secrets corev1.SecretList
				childrenOf(g, &secrets, wr)
				g.Expect(secrets.Items).To(ContainElement(HaveField("ObjectMeta.Name", wr.SecretNameOrDefault())))
				for i := range secrets.Items {
					if secrets.Items[i].Name == wr.SecretNameOrDefault() {
						controlledBy(g, &secrets.Items[i], wr)
						for _, p := range wr.Spec.Providers.EnabledProviders() {
							g.Expect(secrets.Items[i].Data[p.Key]).NotTo(BeEmpty(), "generated %s secret", p.Key)
						}
					}
				}

				var sas corev1.ServiceAccountList
				childrenOf(g, &sas, wr)
				g.Expect(sas.Items).To(HaveLen(1))
				controlledBy(g, &sas.Items[0], wr)

				var deps appsv1.DeploymentList
				childrenOf(g, &deps, wr)
				g.Expect(deps.Items).To(HaveLen(1))
				dep := &deps.Items[0]
				controlledBy(g, dep, wr)
				pod := dep.Spec.Template.Spec
				g.Expect(pod.ServiceAccountName).To(Equal(sas.Items[0].Name))
				g.Expect(pod.Containers).NotTo(BeEmpty())
				cmdline := strings.Join(append(append([]string{}, pod.Containers[0].Command...), pod.Containers[0].Args...), " ")
				g.Expect(cmdline).To(And(ContainSubstring("receiver"), ContainSubstring(wr.Name), ContainSubstring(wr.Namespace)))

				var svcs corev1.ServiceList
				childrenOf(g, &svcs, wr)
				g.Expect(svcs.Items).To(HaveLen(1))
				controlledBy(g, &svcs.Items[0], wr)
				g.Expect(svcs.Items[0].Spec.Ports).To(ContainElement(HaveField("Port", int32(80))))

				// The receiver's own Role (its Secret and WebhookReceiver by
				// name) and the bindings of its ServiceAccount.
				var roles rbacv1.RoleList
				childrenOf(g, &roles, wr)
				g.Expect(roles.Items).NotTo(BeEmpty())
				for i := range roles.Items {
					controlledBy(g, &roles.Items[i], wr)
				}
				var rbs rbacv1.RoleBindingList
				childrenOf(g, &rbs, wr)
				g.Expect(rbs.Items).To(ContainElement(HaveField("RoleRef.Name", receiverClusterRole)))
				for i := range rbs.Items {
					controlledBy(g, &rbs.Items[i], wr)
					g.Expect(rbs.Items[i].Subjects).To(ContainElement(And(
						HaveField("Kind", "ServiceAccount"), HaveField("Name", sas.Items[0].Name))))
				}
			}).WithTimeout(60*time.Second).Should(Succeed(), "children of %s", name)
		}
	})

	It("writes an nginx Ingress with a regex path and rewrite-target", func() {
		wr := getWR(nsFlavors, "nginx")
		Eventually(func(g Gomega) {
			var ings networkingv1.IngressList
			childrenOf(g, &ings, wr)
			g.Expect(ings.Items).To(HaveLen(1))
			ing := &ings.Items[0]
			controlledBy(g, ing, wr)
			g.Expect(ing.Spec.IngressClassName).To(HaveValue(Equal("nginx")))
			g.Expect(ing.Annotations).To(And(
				HaveKeyWithValue("nginx.ingress.kubernetes.io/use-regex", "true"),
				HaveKeyWithValue("nginx.ingress.kubernetes.io/rewrite-target", "/$2"),
			))
			g.Expect(ing.Spec.Rules).To(HaveLen(1))
			g.Expect(ing.Spec.Rules[0].Host).To(Equal("nginx.example.com"))
			paths := ing.Spec.Rules[0].HTTP.Paths
			g.Expect(paths).To(HaveLen(1))
			g.Expect(paths[0].Path).To(Equal("/hooks(/|$)(.*)"))
			g.Expect(paths[0].PathType).To(HaveValue(Equal(networkingv1.PathTypeImplementationSpecific)))
			g.Expect(paths[0].Backend.Service).NotTo(BeNil())
			g.Expect(k8s.Get(context.Background(), key(nsFlavors, paths[0].Backend.Service.Name), &corev1.Service{})).To(Succeed())
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})

	It("writes a Traefik stripPrefix Middleware and an Ingress that uses it, with TLS", func() {
		wr := getWR(nsFlavors, "traefik")
		Eventually(func(g Gomega) {
			var ings networkingv1.IngressList
			childrenOf(g, &ings, wr)
			g.Expect(ings.Items).To(HaveLen(1))
			ing := &ings.Items[0]
			controlledBy(g, ing, wr)
			paths := ing.Spec.Rules[0].HTTP.Paths
			g.Expect(paths).To(HaveLen(1))
			g.Expect(paths[0].Path).To(Equal("/gitjob"))
			g.Expect(paths[0].PathType).To(HaveValue(Equal(networkingv1.PathTypePrefix)))
			g.Expect(ing.Annotations).To(And(
				HaveKeyWithValue("traefik.ingress.kubernetes.io/router.priority", "107"),
				HaveKeyWithValue("traefik.ingress.kubernetes.io/router.tls", "true"),
				HaveKeyWithValue("cert-manager.io/cluster-issuer", "letsencrypt"),
				HaveKey("traefik.ingress.kubernetes.io/router.middlewares"),
			))
			g.Expect(ing.Spec.TLS).To(ConsistOf(And(
				HaveField("Hosts", ConsistOf("webhooks.example.com")),
				HaveField("SecretName", "webhooks-tls"))))

			// <namespace>-<middleware>@kubernetescrd names the Middleware.
			ref := ing.Annotations["traefik.ingress.kubernetes.io/router.middlewares"]
			g.Expect(ref).To(And(HavePrefix(nsFlavors+"-"), HaveSuffix("@kubernetescrd")))
			mwName := strings.TrimSuffix(strings.TrimPrefix(ref, nsFlavors+"-"), "@kubernetescrd")
			mw := &traefikv1alpha1.Middleware{}
			g.Expect(k8s.Get(context.Background(), key(nsFlavors, mwName), mw)).To(Succeed())
			controlledBy(g, mw, wr)
			g.Expect(mw.Spec.StripPrefix).NotTo(BeNil())
			g.Expect(mw.Spec.StripPrefix.Prefixes).To(ConsistOf("/gitjob"))
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})

	It("writes a Gateway API HTTPRoute with a PathPrefix match and a prefix rewrite", func() {
		wr := getWR(nsFlavors, "gateway")
		Eventually(func(g Gomega) {
			var routes gatewayv1.HTTPRouteList
			childrenOf(g, &routes, wr)
			g.Expect(routes.Items).To(HaveLen(1))
			rt := &routes.Items[0]
			controlledBy(g, rt, wr)
			g.Expect(rt.Spec.Hostnames).To(ConsistOf(gatewayv1.Hostname("hooks.example.com")))
			g.Expect(rt.Spec.ParentRefs).To(ConsistOf(And(
				HaveField("Name", gatewayv1.ObjectName("public")),
				HaveField("Namespace", HaveValue(Equal(gatewayv1.Namespace("gateway-system")))),
				HaveField("SectionName", HaveValue(Equal(gatewayv1.SectionName("https")))),
			)))
			g.Expect(rt.Spec.Rules).To(HaveLen(1))
			rule := rt.Spec.Rules[0]
			g.Expect(rule.Matches).To(ConsistOf(HaveField("Path", And(
				HaveField("Type", HaveValue(Equal(gatewayv1.PathMatchPathPrefix))),
				HaveField("Value", HaveValue(Equal("/hooks"))),
			))))
			g.Expect(rule.Filters).To(ContainElement(And(
				HaveField("Type", gatewayv1.HTTPRouteFilterURLRewrite),
				HaveField("URLRewrite.Path.Type", gatewayv1.PrefixMatchHTTPPathModifier),
				HaveField("URLRewrite.Path.ReplacePrefixMatch", HaveValue(Equal("/"))),
			)))
			g.Expect(rule.BackendRefs).To(HaveLen(1))
			g.Expect(k8s.Get(context.Background(), key(nsFlavors, string(rule.BackendRefs[0].Name)), &corev1.Service{})).To(Succeed())
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})

	It("reports the webhook URL and the Secret name in status", func() {
		want := map[string]string{
			"nginx":   "http://nginx.example.com/hooks",
			"traefik": "https://webhooks.example.com/gitjob",
			"gateway": "http://hooks.example.com/hooks",
		}
		for name, url := range want {
			Eventually(func(g Gomega) {
				wr := getWR(nsFlavors, name)
				g.Expect(wr.Status.URL).To(Equal(url))
				g.Expect(wr.Status.SecretName).To(Equal(wr.SecretNameOrDefault()))
			}).WithTimeout(60*time.Second).Should(Succeed(), "status of %s", name)
		}
	})

	It("becomes Ready once the receiver Deployment is available (Deployment controller + pod readiness)", func() {
		// No Gateway controller runs here: the gateway receiver waits for
		// one to accept its HTTPRoute, then the test accepts it as one would.
		Eventually(func(g Gomega) {
			wr := getWR(nsFlavors, "gateway")
			c := meta.FindStatusCondition(wr.Status.Conditions, whv1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(whv1alpha1.ReasonRoutePending), "conditions: %+v", wr.Status.Conditions)
		}).WithTimeout(90 * time.Second).Should(Succeed())
		Eventually(func(g Gomega) {
			var routes gatewayv1.HTTPRouteList
			childrenOf(g, &routes, getWR(nsFlavors, "gateway"))
			g.Expect(routes.Items).To(HaveLen(1))
			rt := &routes.Items[0]
			rt.Status.Parents = nil
			for _, ref := range rt.Spec.ParentRefs {
				now := metav1.Now()
				rt.Status.Parents = append(rt.Status.Parents, gatewayv1.RouteParentStatus{
					ParentRef: ref, ControllerName: "example.com/e2e-gateway",
					Conditions: []metav1.Condition{
						{Type: "Accepted", Status: metav1.ConditionTrue, Reason: "Accepted", Message: "e2e", ObservedGeneration: rt.Generation, LastTransitionTime: now},
						{Type: "ResolvedRefs", Status: metav1.ConditionTrue, Reason: "ResolvedRefs", Message: "e2e", ObservedGeneration: rt.Generation, LastTransitionTime: now},
					},
				})
			}
			g.Expect(k8s.Status().Update(context.Background(), rt)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())
		for _, name := range []string{"nginx", "traefik", "gateway"} {
			Eventually(func(g Gomega) {
				wr := getWR(nsFlavors, name)
				g.Expect(meta.IsStatusConditionTrue(wr.Status.Conditions, whv1alpha1.ConditionReady)).To(BeTrue(), "conditions: %+v", wr.Status.Conditions)
				g.Expect(wr.Status.ReadyReplicas).To(BeEquivalentTo(1))
				g.Expect(wr.Status.ObservedGeneration).To(Equal(wr.Generation))
			}).WithTimeout(90*time.Second).Should(Succeed(), "Ready of %s", name)
		}
	})

	It("removes every child when a WebhookReceiver is deleted (garbage collection)", func() {
		wrs := map[string]*whv1alpha1.WebhookReceiver{}
		for _, name := range []string{"traefik", "gateway"} {
			wrs[name] = getWR(nsFlavors, name)
		}
		kubectl("delete", "-n", nsFlavors, "webhookreceiver", "traefik", "gateway", "--wait=false")
		Eventually(func(g Gomega) {
			for name, wr := range wrs {
				err := k8s.Get(context.Background(), key(nsFlavors, name), &whv1alpha1.WebhookReceiver{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "WebhookReceiver %s still there (finalizer?): %v", name, err)
				expectNoChildren(g, wr)
			}
			var mws traefikv1alpha1.MiddlewareList
			childrenOf(g, &mws, wrs["traefik"])
			g.Expect(mws.Items).To(BeEmpty(), "Middleware")
			var routes gatewayv1.HTTPRouteList
			childrenOf(g, &routes, wrs["gateway"])
			g.Expect(routes.Items).To(BeEmpty(), "HTTPRoute")
		}).WithTimeout(90 * time.Second).Should(Succeed())
		// The one left alone keeps its children.
		wr := getWR(nsFlavors, "nginx")
		var deps appsv1.DeploymentList
		childrenOf(Default, &deps, wr)
		Expect(deps.Items).To(HaveLen(1))
	})
})

// expectNoChildren asserts that none of wr's namespaced children is left.
func expectNoChildren(g Gomega, wr *whv1alpha1.WebhookReceiver) {
	lists := map[string]interface {
		client.ObjectList
	}{
		"Deployment":     &appsv1.DeploymentList{},
		"ReplicaSet":     &appsv1.ReplicaSetList{},
		"Service":        &corev1.ServiceList{},
		"ServiceAccount": &corev1.ServiceAccountList{},
		"Secret":         &corev1.SecretList{},
		"Role":           &rbacv1.RoleList{},
		"RoleBinding":    &rbacv1.RoleBindingList{},
		"Ingress":        &networkingv1.IngressList{},
	}
	for kind, l := range lists {
		childrenOf(g, l, wr)
		g.Expect(meta.LenList(l)).To(BeZero(), "%s children of %s left", kind, wr.Name)
	}
	// Pods are the ReplicaSet's children, collected in turn.
	var pods corev1.PodList
	g.Expect(k8s.List(context.Background(), &pods, client.InNamespace(wr.Namespace), client.MatchingLabels{labelInstance: wr.Name})).To(Succeed())
	g.Expect(pods.Items).To(BeEmpty(), "pods of %s left", wr.Name)
}
