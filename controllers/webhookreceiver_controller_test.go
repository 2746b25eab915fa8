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

package controllers

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

const (
	timeout  = 30 * time.Second
	interval = 100 * time.Millisecond
)

func key(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

func createNS(name string) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, ns))).To(Succeed())
}

func getWR(ns, name string) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{}
	Expect(k8sClient.Get(ctx, key(ns, name), wr)).To(Succeed())
	return wr
}

// updateWR changes a WebhookReceiver's spec with change, reading it again
// on a conflict: the controller writes its status meanwhile.
func updateWR(ns, name string, change func(*v1alpha1.WebhookReceiver)) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		wr := getWR(ns, name)
		change(wr)
		return k8sClient.Update(ctx, wr)
	})).To(Succeed())
}

// eventuallyCondition waits for a condition with status and reason, for the
// current generation, and returns the receiver.
func eventuallyCondition(ns, name, typ string, status metav1.ConditionStatus, reason string) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{}
	EventuallyWithOffset(1, func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, key(ns, name), wr)).To(Succeed())
		g.Expect(wr.Status.ObservedGeneration).To(Equal(wr.Generation))
		c := meta.FindStatusCondition(wr.Status.Conditions, typ)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(status), "condition %s: %s %s", typ, c.Reason, c.Message)
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		expectMessages(g, wr)
	}, timeout, interval).Should(Succeed())
	return wr
}

// eventuallyReady marks the Deployment available whenever it exists and
// waits for Ready=True.
func eventuallyReady(ns, name string) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{}
	EventuallyWithOffset(1, func(g Gomega) {
		d := &appsv1.Deployment{}
		g.Expect(k8sClient.Get(ctx, key(ns, name+"-receiver"), d)).To(Succeed())
		if d.Status.ObservedGeneration != d.Generation || d.Status.ReadyReplicas != ptr.Deref(d.Spec.Replicas, 1) {
			g.Expect(markAvailable(k8sClient, ns, name+"-receiver")).To(Succeed())
		}
		g.Expect(k8sClient.Get(ctx, key(ns, name), wr)).To(Succeed())
		g.Expect(wr.Status.ObservedGeneration).To(Equal(wr.Generation))
		g.Expect(meta.IsStatusConditionTrue(wr.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue(), "%+v", wr.Status.Conditions)
		g.Expect(meta.IsStatusConditionTrue(wr.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeFalse())
		g.Expect(meta.IsStatusConditionTrue(wr.Status.Conditions, v1alpha1.ConditionStalled)).To(BeFalse())
		expectMessages(g, wr)
	}, timeout, interval).Should(Succeed())
	return wr
}

// expectMessages: every condition, stalled or not, says something a person
// can act on.
func expectMessages(g Gomega, wr *v1alpha1.WebhookReceiver) {
	g.Expect(wr.Status.Conditions).To(HaveLen(3))
	for _, c := range wr.Status.Conditions {
		g.Expect(c.Message).NotTo(BeEmpty(), "condition %s=%s (%s) has no message", c.Type, c.Status, c.Reason)
	}
}

func expectControlled(obj client.Object, wr *v1alpha1.WebhookReceiver) {
	ExpectWithOffset(1, metav1.IsControlledBy(obj, wr)).To(BeTrue(), "%T %s must carry a controller owner reference to its WebhookReceiver", obj, obj.GetName())
	ExpectWithOffset(1, obj.GetLabels()).To(HaveKeyWithValue(render.LabelManagedBy, render.LabelManagedByValue))
	ExpectWithOffset(1, obj.GetLabels()).To(HaveKeyWithValue(render.LabelInstance, wr.Name))
}

func secret(ns, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func ingressWR(ns, name, class, path string) *v1alpha1.WebhookReceiver {
	return &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.WebhookReceiverSpec{
			Host:      "webhooks.example.com",
			Path:      path,
			Ingress:   &v1alpha1.IngressSpec{ClassName: class},
			Providers: v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{Generate: true}},
		},
	}
}

func gatewayWR(ns, name, path string) *v1alpha1.WebhookReceiver {
	wr := ingressWR(ns, name, "", path)
	wr.Spec.Ingress = nil
	wr.Spec.Gateway = &v1alpha1.GatewaySpec{ParentRefs: []gatewayv1.ParentReference{{
		Name: "public", Namespace: ptr.To(gatewayv1.Namespace("gateway-system")), SectionName: ptr.To(gatewayv1.SectionName("https")),
	}}}
	return wr
}

var _ = Describe("WebhookReceiver controller", Ordered, func() {
	const ns = "wr-test"

	BeforeAll(func() {
		createNS(ns)
		createNS("cross-ok")
		for name, controller := range map[string]string{"nginx": "k8s.io/ingress-nginx", "traefik": "traefik.io/ingress-controller"} {
			ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.IngressClassSpec{Controller: controller}}
			Expect(k8sClient.Create(ctx, ic)).To(Succeed())
		}
	})

	It("stalls traefik /gitjob and gateway receivers while their CRDs are missing, then heals once they are installed", func() {
		tr := ingressWR(ns, "traefik", "traefik", "/gitjob")
		tr.Spec.TLS = &v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerRef{Kind: "ClusterIssuer", Name: "letsencrypt"}}
		Expect(k8sClient.Create(ctx, tr)).To(Succeed())
		gw := gatewayWR(ns, "gateway", "/hooks")
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())

		w := eventuallyCondition(ns, "traefik", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonMiddlewareCRDMissing)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message).To(ContainSubstring("middlewares.traefik.io"))
		Expect(meta.IsStatusConditionTrue(w.Status.Conditions, v1alpha1.ConditionReady)).To(BeFalse())
		w = eventuallyCondition(ns, "gateway", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonGatewayAPICRDMissing)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message).To(ContainSubstring("httproutes.gateway.networking.k8s.io"))
		Eventually(func(g Gomega) {
			var evs corev1.EventList // core/v1 view of events.k8s.io Events
			g.Expect(k8sClient.List(ctx, &evs, client.InNamespace(ns))).To(Succeed())
			reasons := map[string]bool{}
			for _, e := range evs.Items {
				reasons[e.Reason] = true
			}
			g.Expect(reasons).To(HaveKey(v1alpha1.ReasonMiddlewareCRDMissing))
			g.Expect(reasons).To(HaveKey(v1alpha1.ReasonGatewayAPICRDMissing))
		}, timeout, interval).Should(Succeed())

		paths, err := optionalCRDPaths()
		Expect(err).NotTo(HaveOccurred())
		_, err = envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: paths, Scheme: testScheme()})
		Expect(err).NotTo(HaveOccurred())

		eventuallyReady(ns, "traefik")
		// A Gateway controller accepts the route (none runs in envtest).
		Eventually(func() error {
			return reportRoute(ns, "gateway", routeAccepted)
		}, timeout, interval).Should(Succeed())
		eventuallyReady(ns, "gateway")
	})

	It("exposes traefik /gitjob with a stripPrefix Middleware and the router annotations", func() {
		wr := getWR(ns, "traefik")
		mw := &traefikv1alpha1.Middleware{}
		Expect(k8sClient.Get(ctx, key(ns, "traefik-strip-prefix"), mw)).To(Succeed())
		Expect(mw.Spec.StripPrefix.Prefixes).To(Equal([]string{"/gitjob"}))
		expectControlled(mw, wr)
		// The Middleware watch was added after start, when the CRD appeared:
		// a deleted Middleware comes back.
		Expect(k8sClient.Delete(ctx, mw)).To(Succeed())
		Eventually(func(g Gomega) {
			m := &traefikv1alpha1.Middleware{}
			g.Expect(k8sClient.Get(ctx, key(ns, "traefik-strip-prefix"), m)).To(Succeed())
			g.Expect(m.UID).NotTo(Equal(mw.UID))
		}, timeout, interval).Should(Succeed())

		ing := &networkingv1.Ingress{}
		Expect(k8sClient.Get(ctx, key(ns, "traefik"), ing)).To(Succeed())
		expectControlled(ing, wr)
		p := ing.Spec.Rules[0].HTTP.Paths[0]
		Expect(p.Path).To(Equal("/gitjob"))
		Expect(*p.PathType).To(Equal(networkingv1.PathTypePrefix))
		Expect(p.Backend.Service.Name).To(Equal("traefik-receiver"))
		Expect(ing.Annotations).To(HaveKeyWithValue(render.AnnotationTraefikMiddlewares, ns+"-traefik-strip-prefix@kubernetescrd"))
		Expect(ing.Annotations).To(HaveKeyWithValue(render.AnnotationTraefikPriority, "107"))
		Expect(ing.Annotations).To(HaveKeyWithValue(render.AnnotationTraefikTLS, "true"))
		Expect(ing.Annotations).To(HaveKeyWithValue(render.AnnotationCertManagerCIssuer, "letsencrypt"))
		Expect(ing.Spec.TLS).To(HaveLen(1))
		Expect(wr.Status.URL).To(Equal("https://webhooks.example.com/gitjob"))
	})

	It("exposes a gateway receiver with an HTTPRoute that rewrites the prefix", func() {
		wr := getWR(ns, "gateway")
		r := &gatewayv1.HTTPRoute{}
		Expect(k8sClient.Get(ctx, key(ns, "gateway"), r)).To(Succeed())
		expectControlled(r, wr)
		Expect(r.Spec.Hostnames).To(Equal([]gatewayv1.Hostname{"webhooks.example.com"}))
		Expect(r.Spec.ParentRefs[0].Name).To(Equal(gatewayv1.ObjectName("public")))
		rule := r.Spec.Rules[0]
		Expect(*rule.Matches[0].Path.Type).To(Equal(gatewayv1.PathMatchPathPrefix))
		Expect(*rule.Matches[0].Path.Value).To(Equal("/hooks"))
		Expect(*rule.Filters[0].URLRewrite.Path.ReplacePrefixMatch).To(Equal("/"))
		Expect(string(rule.BackendRefs[0].Name)).To(Equal("gateway-receiver"))
		Expect(k8sClient.Get(ctx, key(ns, "gateway"), &networkingv1.Ingress{})).To(Satisfy(apierrors.IsNotFound))
		Expect(wr.Status.URL).To(Equal("http://webhooks.example.com/hooks"))
	})

	It("is Ready only once the Gateway accepts the HTTPRoute, and says which parent refused it and why", func() {
		wr := gatewayWR(ns, "routed", "/")
		wr.Spec.Gateway.ParentRefs = append(wr.Spec.Gateway.ParentRefs, gatewayv1.ParentReference{Name: "internal"})
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		Eventually(func() error { return markAvailable(k8sClient, ns, "routed-receiver") }, timeout, interval).Should(Succeed())

		// No controller has reported on the parents yet.
		w := eventuallyCondition(ns, "routed", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonRoutePending)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionReady).Message).To(ContainSubstring("waiting for the Gateway to accept the route"))
		Expect(meta.IsStatusConditionTrue(w.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeTrue())

		// One parent refuses it.
		Expect(reportRoute(ns, "routed", routeAccepted, routeRefused("NoMatchingParent", "no listener named https"))).To(Succeed())
		w = eventuallyCondition(ns, "routed", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonRouteNotAccepted)
		msg := meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionReady).Message
		Expect(msg).To(ContainSubstring("Gateway " + ns + "/internal"))
		Expect(msg).To(ContainSubstring("NoMatchingParent"))
		Expect(msg).To(ContainSubstring("no listener named https"))
		Expect(msg).NotTo(ContainSubstring("gateway-system/public"), "the parent that accepted is not blamed")

		// Both accept it.
		Expect(reportRoute(ns, "routed", routeAccepted, routeAccepted)).To(Succeed())
		eventuallyReady(ns, "routed")
	})

	It("creates every child of an nginx receiver, with Fleet's Secret name and keys", func() {
		Expect(k8sClient.Create(ctx, secret(ns, "gh", map[string]string{"token": "gh-secret-1"}))).To(Succeed())
		wr := ingressWR(ns, "nginx", "nginx", "/gitjob")
		wr.Spec.SecretName = "gitjob-webhook"
		wr.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "webhooks-tls"}
		wr.Spec.Providers = v1alpha1.Providers{
			GitHub: &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "gh", Key: "token"}},
			GitLab: &v1alpha1.ProviderSecret{Generate: true},
			Gitea:  &v1alpha1.ProviderSecret{Generate: true},
		}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		wr = eventuallyReady(ns, "nginx")
		Expect(wr.Status.URL).To(Equal("https://webhooks.example.com/gitjob"))
		Expect(wr.Status.SecretName).To(Equal("gitjob-webhook"))
		Expect(wr.Status.ReadyReplicas).To(Equal(int32(1)))

		s := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "gitjob-webhook"), s)).To(Succeed())
		expectControlled(s, wr)
		Expect(s.Data).To(HaveLen(3))
		Expect(string(s.Data["github"])).To(Equal("gh-secret-1"))
		Expect(s.Data["gitlab"]).To(HaveLen(64))
		Expect(s.Data["gitea"]).To(HaveLen(64))

		sa := &corev1.ServiceAccount{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), sa)).To(Succeed())
		expectControlled(sa, wr)

		role := &rbacv1.Role{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), role)).To(Succeed())
		expectControlled(role, wr)
		Expect(role.Rules[0].ResourceNames).To(Equal([]string{"gitjob-webhook"}))
		Expect(role.Rules[1].ResourceNames).To(Equal([]string{"nginx"}))
		rb := &rbacv1.RoleBinding{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), rb)).To(Succeed())
		expectControlled(rb, wr)
		Expect(rb.RoleRef.Name).To(Equal("nginx-receiver"))
		grb := &rbacv1.RoleBinding{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver-gitrepos"), grb)).To(Succeed())
		expectControlled(grb, wr)
		Expect(grb.RoleRef).To(Equal(rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: DefaultReceiverClusterRole}))
		Expect(grb.Subjects).To(Equal([]rbacv1.Subject{{Kind: "ServiceAccount", Name: "nginx-receiver", Namespace: ns}}))

		d := &appsv1.Deployment{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), d)).To(Succeed())
		expectControlled(d, wr)
		c := d.Spec.Template.Spec.Containers[0]
		Expect(c.Image).To(Equal("webhook-operator:test"))
		Expect(c.Command).To(Equal([]string{"/webhook-receiver"}))
		Expect(c.Args).To(Equal([]string{"--name=nginx", "--namespace=" + ns, "--secret-name=gitjob-webhook"}))
		Expect(*c.SecurityContext.ReadOnlyRootFilesystem).To(BeTrue())
		Expect(c.Resources.Requests.Cpu().String()).To(Equal("10m"))

		svc := &corev1.Service{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), svc)).To(Succeed())
		expectControlled(svc, wr)
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(80)))

		ing := &networkingv1.Ingress{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx"), ing)).To(Succeed())
		expectControlled(ing, wr)
		p := ing.Spec.Rules[0].HTTP.Paths[0]
		Expect(p.Path).To(Equal("/gitjob(/|$)(.*)"))
		Expect(*p.PathType).To(Equal(networkingv1.PathTypeImplementationSpecific))
		Expect(ing.Annotations).To(HaveKeyWithValue(render.AnnotationNginxRewriteTarget, "/$2"))
		Expect(ing.Annotations).To(HaveKeyWithValue(render.AnnotationNginxUseRegex, "true"))
		Expect(ing.Spec.TLS[0].SecretName).To(Equal("webhooks-tls"))
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), &policyv1.PodDisruptionBudget{})).To(Satisfy(apierrors.IsNotFound))
		Expect(k8sClient.Get(ctx, key(ns, "nginx-strip-prefix"), &traefikv1alpha1.Middleware{})).To(Satisfy(apierrors.IsNotFound))

		Eventually(func(g Gomega) {
			var evs corev1.EventList
			g.Expect(k8sClient.List(ctx, &evs, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range evs.Items {
				if e.InvolvedObject.Name == "nginx" && e.Reason == "Created" {
					notes = append(notes, e.Message)
				}
			}
			g.Expect(notes).To(ContainElement(And(ContainSubstring("Deployment nginx-receiver"), ContainSubstring("Ingress nginx"))))
		}, timeout, interval).Should(Succeed())
	})

	It("applies spec changes, keeps generated secrets, and removes children no longer desired", func() {
		s := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "gitjob-webhook"), s)).To(Succeed())
		gitlab := string(s.Data["gitlab"])

		updateWR(ns, "nginx", func(wr *v1alpha1.WebhookReceiver) {
			wr.Spec.Receiver.Replicas = ptr.To[int32](2)
			wr.Spec.Path = "/hooks"
			wr.Spec.Providers.Gitea = nil
		})
		eventuallyReady(ns, "nginx")

		pdb := &policyv1.PodDisruptionBudget{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), pdb)).To(Succeed())
		expectControlled(pdb, getWR(ns, "nginx"))
		ing := &networkingv1.Ingress{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx"), ing)).To(Succeed())
		Expect(ing.Spec.Rules[0].HTTP.Paths[0].Path).To(Equal("/hooks(/|$)(.*)"))
		Expect(k8sClient.Get(ctx, key(ns, "gitjob-webhook"), s)).To(Succeed())
		Expect(string(s.Data["gitlab"])).To(Equal(gitlab), "a generated secret must stay stable")
		Expect(s.Data).NotTo(HaveKey("gitea"))
		Expect(getWR(ns, "nginx").Status.ReadyReplicas).To(Equal(int32(2)))

		updateWR(ns, "nginx", func(wr *v1alpha1.WebhookReceiver) { wr.Spec.Receiver.Replicas = ptr.To[int32](1) })
		Eventually(func() error {
			return k8sClient.Get(ctx, key(ns, "nginx-receiver"), &policyv1.PodDisruptionBudget{})
		}, timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		eventuallyReady(ns, "nginx")
	})

	It("picks up a rotated referenced Secret without touching the Deployment", func() {
		d := &appsv1.Deployment{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), d)).To(Succeed())
		gen := d.Generation
		gh := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "gh"), gh)).To(Succeed())
		gh.Data["token"] = []byte("gh-secret-2")
		Expect(k8sClient.Update(ctx, gh)).To(Succeed())
		Eventually(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(k8sClient.Get(ctx, key(ns, "gitjob-webhook"), s)).To(Succeed())
			g.Expect(string(s.Data["github"])).To(Equal("gh-secret-2"))
		}, timeout, interval).Should(Succeed())
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), d)).To(Succeed())
		Expect(d.Generation).To(Equal(gen), "no rollout: the receiver watches its Secret")
	})

	It("restores a deleted child, repairs drift and leaves others' labels alone", func() {
		Expect(k8sClient.Delete(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nginx-receiver"}})).To(Succeed())
		Eventually(func() error {
			return k8sClient.Get(ctx, key(ns, "nginx-receiver"), &corev1.Service{})
		}, timeout, interval).Should(Succeed())

		d := &appsv1.Deployment{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), d)).To(Succeed())
		d.Spec.Template.Spec.Containers[0].Image = "evil:1"
		d.Labels["team"] = "platform"
		Expect(k8sClient.Update(ctx, d)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key(ns, "nginx-receiver"), d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("webhook-operator:test"))
		}, timeout, interval).Should(Succeed())
		Expect(d.Labels).To(HaveKeyWithValue("team", "platform"))

		ing := &networkingv1.Ingress{}
		Expect(k8sClient.Get(ctx, key(ns, "nginx"), ing)).To(Succeed())
		ing.Labels["owner"] = "someone"
		Expect(k8sClient.Update(ctx, ing)).To(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key(ns, "nginx"), ing)).To(Succeed())
			g.Expect(ing.Labels).To(HaveKeyWithValue("owner", "someone"))
		}, 2*time.Second, interval).Should(Succeed())
		eventuallyReady(ns, "nginx")
	})

	It("is Stalled on a missing referenced Secret and Ready once it exists", func() {
		wr := ingressWR(ns, "missing", "nginx", "/")
		wr.Spec.Providers = v1alpha1.Providers{Gogs: &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "gogs", Key: "secret"}}}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		w := eventuallyCondition(ns, "missing", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonSecretNotFound)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message).To(ContainSubstring(`Secret "gogs"`))

		Expect(k8sClient.Create(ctx, secret(ns, "gogs", map[string]string{"other": "x"}))).To(Succeed())
		w = eventuallyCondition(ns, "missing", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonSecretNotFound)
		Eventually(func() string {
			w = getWR(ns, "missing")
			return meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message
		}, timeout, interval).Should(ContainSubstring(`key "secret" not found`))

		gogs := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "gogs"), gogs)).To(Succeed())
		gogs.Data["secret"] = []byte("gogs-secret")
		Expect(k8sClient.Update(ctx, gogs)).To(Succeed())
		eventuallyReady(ns, "missing")
		s := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "missing-webhook"), s)).To(Succeed())
		Expect(string(s.Data["gogs"])).To(Equal("gogs-secret"))
	})

	It("is Stalled for a generic IngressClass with a path, and for an unknown IngressClass until it exists", func() {
		Expect(k8sClient.Create(ctx, ingressWR(ns, "generic", "nginx", "/gitjob"))).To(Succeed())
		updateWR(ns, "generic", func(wr *v1alpha1.WebhookReceiver) { wr.Spec.Ingress.Flavor = v1alpha1.FlavorGeneric })
		w := eventuallyCondition(ns, "generic", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonPathNotSupported)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message).To(ContainSubstring("generic"))

		Expect(k8sClient.Create(ctx, ingressWR(ns, "noclass", "haproxy", "/"))).To(Succeed())
		eventuallyCondition(ns, "noclass", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonIngressClassNotFound)
		ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "haproxy"}, Spec: networkingv1.IngressClassSpec{Controller: "haproxy.org/ingress-controller/haproxy"}}
		Expect(k8sClient.Create(ctx, ic)).To(Succeed())
		eventuallyReady(ns, "noclass")
	})

	It("refuses cross-namespace targets outside the allowed namespaces", func() {
		wr := ingressWR(ns, "cross-denied", "nginx", "/")
		wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		eventuallyCondition(ns, "cross-denied", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCrossNamespaceNotAllowed)
		Expect(k8sClient.Get(ctx, key(ns, "cross-denied-receiver"), &appsv1.Deployment{})).To(Satisfy(apierrors.IsNotFound))
	})

	It("takes back the ClusterRoleBinding of a receiver whose namespace is no longer allowed", func() {
		// As left by an operator that was started with a wider
		// --cross-namespace-namespaces: a finalizer and a ClusterRoleBinding.
		wr := ingressWR(ns, "cross-revoked", "nginx", "/")
		wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
		wr.Finalizers = []string{v1alpha1.ClusterRBACFinalizer}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		crb := render.ClusterRoleBinding(wr, render.Params{ReceiverClusterRole: DefaultReceiverClusterRole})
		Expect(k8sClient.Create(ctx, crb)).To(Succeed())

		eventuallyCondition(ns, "cross-revoked", v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCrossNamespaceNotAllowed)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key("", crb.Name), &rbacv1.ClusterRoleBinding{})).To(Satisfy(apierrors.IsNotFound))
			g.Expect(getWR(ns, "cross-revoked").Finalizers).NotTo(ContainElement(v1alpha1.ClusterRBACFinalizer))
		}, timeout, interval).Should(Succeed())
	})

	It("binds an allowed cross-namespace receiver cluster-wide and deletes the ClusterRoleBinding with a finalizer", func() {
		wr := ingressWR("cross-ok", "fleet", "nginx", "/")
		wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		wr = eventuallyReady("cross-ok", "fleet")
		Expect(wr.Finalizers).To(ContainElement(v1alpha1.ClusterRBACFinalizer))
		crb := &rbacv1.ClusterRoleBinding{}
		Expect(k8sClient.Get(ctx, key("", "webhook-receiver.cross-ok.fleet"), crb)).To(Succeed())
		Expect(crb.RoleRef.Name).To(Equal(DefaultReceiverClusterRole))
		Expect(crb.Subjects).To(Equal([]rbacv1.Subject{{Kind: "ServiceAccount", Name: "fleet-receiver", Namespace: "cross-ok"}}))
		Expect(k8sClient.Get(ctx, key("cross-ok", "fleet-receiver-gitrepos"), &rbacv1.RoleBinding{})).To(Satisfy(apierrors.IsNotFound))

		// Drift on the cluster-scoped child is repaired too.
		Expect(k8sClient.Delete(ctx, crb)).To(Succeed())
		Eventually(func() error {
			return k8sClient.Get(ctx, key("", "webhook-receiver.cross-ok.fleet"), &rbacv1.ClusterRoleBinding{})
		}, timeout, interval).Should(Succeed())

		Expect(k8sClient.Delete(ctx, wr)).To(Succeed())
		Eventually(func() error {
			return k8sClient.Get(ctx, key("", "webhook-receiver.cross-ok.fleet"), &rbacv1.ClusterRoleBinding{})
		}, timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		Eventually(func() error {
			return k8sClient.Get(ctx, key("cross-ok", "fleet"), &v1alpha1.WebhookReceiver{})
		}, timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("switches a cross-namespace receiver back to a RoleBinding and drops the finalizer", func() {
		wr := ingressWR("cross-ok", "flip", "nginx", "/")
		wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		eventuallyReady("cross-ok", "flip")
		updateWR("cross-ok", "flip", func(wr *v1alpha1.WebhookReceiver) { wr.Spec.Targets.NamespaceSelector = nil })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key("", "webhook-receiver.cross-ok.flip"), &rbacv1.ClusterRoleBinding{})).To(Satisfy(apierrors.IsNotFound))
			g.Expect(k8sClient.Get(ctx, key("cross-ok", "flip-receiver-gitrepos"), &rbacv1.RoleBinding{})).To(Succeed())
			g.Expect(getWR("cross-ok", "flip").Finalizers).NotTo(ContainElement(v1alpha1.ClusterRBACFinalizer))
		}, timeout, interval).Should(Succeed())
	})

	It("is Stalled, not retried in a hot loop, when the API server refuses a child", func() {
		// The CRD cannot validate annotation keys the user passes through;
		// the API server refuses the Ingress that carries one.
		name := "bad-annotation"
		bad := ingressWR(ns, name, "nginx", "/")
		bad.Spec.Ingress.Annotations = map[string]string{"not a valid key!": "x"}
		Expect(k8sClient.Create(ctx, bad)).To(Succeed())
		w := eventuallyCondition(ns, name, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonInvalidChild)
		Expect(meta.FindStatusCondition(w.Status.Conditions, v1alpha1.ConditionStalled).Message).To(ContainSubstring("not a valid key!"))
		Expect(k8sClient.Delete(ctx, w)).To(Succeed())
	})

	It("makes no API write at all when a reconcile finds nothing to change", func() {
		for _, n := range []string{"traefik", "gateway", "routed", "nginx", "missing", "noclass"} {
			eventuallyReady(ns, n)
		}
		eventuallyReady("cross-ok", "flip")
		// Let in-flight work (delayed requeues, events) settle first.
		Eventually(func() bool {
			before := writes.Load()
			time.Sleep(3 * time.Second)
			return writes.Load() == before
		}, 60*time.Second).Should(BeTrue())

		var list v1alpha1.WebhookReceiverList
		Expect(k8sClient.List(ctx, &list)).To(Succeed())
		Expect(len(list.Items)).To(BeNumerically(">=", 8), "ready and stalled receivers alike")
		before := writes.Load()
		for i := range list.Items {
			res, err := reconciler.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.RequeueAfter).To(BeZero(), "no requeue for %s", list.Items[i].Name)
		}
		noop := writes.Load() - before
		GinkgoWriter.Printf("no-op reconcile of %d WebhookReceivers: %d writes\n", len(list.Items), noop)
		Expect(noop).To(BeZero())

		// A watch event that changes nothing (a label on a referenced Secret)
		// triggers a reconcile that must not write either.
		gh := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key(ns, "gh"), gh)).To(Succeed())
		gh.Labels = map[string]string{"touched": fmt.Sprint(time.Now().UnixNano())}
		Expect(k8sClient.Update(ctx, gh)).To(Succeed())
		before = writes.Load()
		Consistently(writes.Load, 3*time.Second, interval).Should(Equal(before))
	})
})
