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
	"slices"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/event"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
)

// A GitRepo may name its own webhook Secret; the receiver must be able to
// read exactly those of the GitRepos inside its targets, and nothing else,
// without anyone writing a Role by hand. The API server's authorizer
// (SubjectAccessReview) is the judge.
var _ = Describe("Webhook Secrets of GitRepos", Ordered, func() {
	const (
		own   = "hooks-own"
		teamB = "hooks-b"
		teamC = "hooks-c"
	)

	BeforeAll(func() {
		root, err := devenv.RepoRoot()
		Expect(err).NotTo(HaveOccurred())
		_, err = envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{devenv.FleetCRDs(root)}})
		Expect(err).NotTo(HaveOccurred())
		createNS(own)
		createNS("cross-ok")
		for ns, team := range map[string]string{teamB: "b", teamC: "c"} {
			Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": team}}})).To(Succeed())
		}
	})

	It("grants a receiver get, list and watch on exactly the Secrets its GitRepos name", func() {
		Expect(k8sClient.Create(ctx, fleetGitRepo(own, "app", "app-hook", nil))).To(Succeed())
		Expect(k8sClient.Create(ctx, fleetGitRepo(own, "plain", "", nil))).To(Succeed())
		Expect(k8sClient.Create(ctx, fleetGitRepo(own, "not-ours", "not-ours-hook", map[string]string{"team": "x"}))).To(Succeed())
		wr := ingressWR(own, "hooks", "none", "/")
		wr.Spec.Ingress.Flavor = v1alpha1.FlavorNginx
		wr.Spec.Targets.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"x"}},
		}}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		eventuallyReady(own, "hooks")

		sa := receiverUser(own, "hooks")
		Eventually(func(g Gomega) {
			for _, verb := range []string{"get", "list", "watch"} {
				g.Expect(canI(sa, verb, own, "app-hook")).To(BeTrue(), "%s app-hook", verb)
			}
		}, timeout, interval).Should(Succeed())
		Expect(canI(sa, "get", own, "hooks-webhook")).To(BeTrue(), "its own Secret")
		Expect(canI(sa, "get", own, "not-ours-hook")).To(BeFalse(), "a GitRepo outside targets.selector")
		Expect(canI(sa, "get", own, "db-password")).To(BeFalse())
		Expect(canI(sa, "list", own, "")).To(BeFalse(), "listing every Secret")
		Expect(canI(sa, "update", own, "app-hook")).To(BeFalse())
	})

	It("follows GitRepos as they change", func() {
		sa := receiverUser(own, "hooks")
		plain := fleetGitRepo(own, "plain", "", nil)
		Expect(k8sClient.Get(ctx, key(own, "plain"), plain)).To(Succeed())
		Expect(unstructured.SetNestedField(plain.Object, "plain-hook", "spec", "webhookSecret")).To(Succeed())
		Expect(k8sClient.Update(ctx, plain)).To(Succeed())
		Eventually(func() bool { return canI(sa, "get", own, "plain-hook") }, timeout, interval).Should(BeTrue())

		Expect(k8sClient.Delete(ctx, fleetGitRepo(own, "app", "", nil))).To(Succeed())
		Eventually(func() bool { return canI(sa, "get", own, "app-hook") }, timeout, interval).Should(BeFalse())
		Expect(canI(sa, "get", own, "plain-hook")).To(BeTrue())
	})

	It("grants a cross-namespace receiver in each namespace it targets, follows namespace labels, and takes it all back", func() {
		Expect(k8sClient.Create(ctx, fleetGitRepo(teamB, "repo", "b-hook", nil))).To(Succeed())
		Expect(k8sClient.Create(ctx, fleetGitRepo(teamC, "repo", "c-hook", nil))).To(Succeed())
		wr := ingressWR("cross-ok", "team-hooks", "none", "/")
		wr.Spec.Ingress.Flavor = v1alpha1.FlavorNginx
		wr.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}}
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		eventuallyReady("cross-ok", "team-hooks")

		sa := receiverUser("cross-ok", "team-hooks")
		Eventually(func() bool { return canI(sa, "get", teamB, "b-hook") }, timeout, interval).Should(BeTrue())
		Expect(canI(sa, "get", teamC, "c-hook")).To(BeFalse(), "a namespace outside targets.namespaceSelector")
		Expect(canI(sa, "get", teamB, "db-password")).To(BeFalse())
		Expect(canI(sa, "list", teamB, "")).To(BeFalse())

		c := &corev1.Namespace{}
		Expect(k8sClient.Get(ctx, key("", teamC), c)).To(Succeed())
		c.Labels["team"] = "b"
		Expect(k8sClient.Update(ctx, c)).To(Succeed())
		Eventually(func() bool { return canI(sa, "get", teamC, "c-hook") }, timeout, interval).Should(BeTrue())

		Expect(k8sClient.Delete(ctx, getWR("cross-ok", "team-hooks"))).To(Succeed())
		Eventually(func(g Gomega) {
			for _, ns := range []string{teamB, teamC} {
				var roles rbacv1.RoleList
				g.Expect(k8sClient.List(ctx, &roles, client.InNamespace(ns))).To(Succeed())
				for _, r := range roles.Items {
					g.Expect(r.Name).NotTo(ContainSubstring("team-hooks"), "Role left in %s", ns)
				}
				var bindings rbacv1.RoleBindingList
				g.Expect(k8sClient.List(ctx, &bindings, client.InNamespace(ns))).To(Succeed())
				for _, b := range bindings.Items {
					g.Expect(b.Name).NotTo(ContainSubstring("team-hooks"), "RoleBinding left in %s", ns)
				}
			}
		}, timeout, interval).Should(Succeed())
		Expect(canI(sa, "get", teamB, "b-hook")).To(BeFalse())
	})
})

// fleetGitRepo is a Fleet GitRepo as a user writes it.
func fleetGitRepo(ns, name, webhookSecret string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "fleet.cattle.io", Version: "v1alpha1", Kind: "GitRepo"})
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetLabels(labels)
	spec := map[string]any{"repo": "https://github.com/example/" + name}
	if webhookSecret != "" {
		spec["webhookSecret"] = webhookSecret
	}
	u.Object["spec"] = spec
	return u
}

func receiverUser(ns, name string) string {
	return "system:serviceaccount:" + ns + ":" + name + "-receiver"
}

// canI asks the API server's authorizer whether user may verb the Secret
// name in ns (name "" for the whole collection).
func canI(user, verb, ns, name string) bool {
	GinkgoHelper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   user,
		Groups: []string{"system:serviceaccounts", "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: ns, Verb: verb, Resource: "secrets", Name: name,
		},
	}}
	Expect(k8sClient.Create(ctx, sar)).To(Succeed())
	return sar.Status.Allowed
}

func TestInScope(t *testing.T) {
	repo := func(ns, name string, labels map[string]string) fleet.GitRepo {
		return fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
	}
	repos := []fleet.GitRepo{
		repo("fleet-local", "own", nil),
		repo("fleet-local", "skipped", map[string]string{"webhook": "off"}),
		repo("team-b", "b", nil),
		repo("team-c", "c", nil),
		repo("unknown-ns", "u", nil),
	}
	nsLabels := map[string]map[string]string{"team-b": {"team": "b"}, "team-c": {"team": "c"}, "fleet-local": {"team": "b"}}
	notOff := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "webhook", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"off"}}}}
	cases := map[string]struct {
		targets v1alpha1.Targets
		want    []string
	}{
		"own namespace only":       {v1alpha1.Targets{}, []string{"fleet-local/own", "fleet-local/skipped"}},
		"own namespace, selector":  {v1alpha1.Targets{Selector: notOff}, []string{"fleet-local/own"}},
		"namespaces labelled b":    {v1alpha1.Targets{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}}, Selector: notOff}, []string{"fleet-local/own", "team-b/b"}},
		"every namespace":          {v1alpha1.Targets{NamespaceSelector: &metav1.LabelSelector{}}, []string{"fleet-local/own", "fleet-local/skipped", "team-b/b", "team-c/c", "unknown-ns/u"}},
		"by name, unknown labels":  {v1alpha1.Targets{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "unknown-ns"}}}, []string{"unknown-ns/u"}},
		"fails closed on no match": {v1alpha1.Targets{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "z"}}}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := ingressWR("fleet-local", "fleet", "nginx", "/")
			wr.Spec.Targets = tc.targets
			scope, err := gitrepo.NewScope(wr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, gr := range inScope(scope, repos, nsLabels) {
				got = append(got, gr.Namespace+"/"+gr.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("in scope = %q, want %q", got, tc.want)
			}
		})
	}
}

// Status writes (every push is one) must not reconcile receivers; what
// changes a grant must.
func TestWebhookSecretChanged(t *testing.T) {
	gr := func(secret string, labels map[string]string, status string) *fleet.GitRepo {
		g := &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r", Labels: labels}, Spec: fleet.GitRepoSpec{WebhookSecret: secret}}
		g.Status.WebhookCommit = status
		return g
	}
	deleting := gr("hook", nil, "")
	deleting.DeletionTimestamp = ptr.To(metav1.Now())
	p := webhookSecretChanged()
	updates := map[string]struct {
		old, new *fleet.GitRepo
		want     bool
	}{
		"status write":                  {gr("hook", nil, "c1"), gr("hook", nil, "c2"), false},
		"webhookSecret set":             {gr("", nil, ""), gr("hook", nil, ""), true},
		"webhookSecret renamed":         {gr("a", nil, ""), gr("b", nil, ""), true},
		"webhookSecret dropped":         {gr("a", nil, ""), gr("", nil, ""), true},
		"labels, with a webhookSecret":  {gr("hook", nil, ""), gr("hook", map[string]string{"x": "y"}, ""), true},
		"labels, without one":           {gr("", nil, ""), gr("", map[string]string{"x": "y"}, ""), false},
		"being deleted, names a Secret": {gr("hook", nil, ""), deleting, true},
	}
	for name, tc := range updates {
		t.Run(name, func(t *testing.T) {
			if got := p.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
				t.Errorf("update passes = %v, want %v", got, tc.want)
			}
		})
	}
	if !p.Create(event.CreateEvent{Object: gr("hook", nil, "")}) || p.Create(event.CreateEvent{Object: gr("", nil, "")}) {
		t.Error("create: only a GitRepo that names a Secret")
	}
	if !p.Delete(event.DeleteEvent{Object: gr("hook", nil, "")}) || p.Delete(event.DeleteEvent{Object: gr("", nil, "")}) {
		t.Error("delete: only a GitRepo that named a Secret")
	}
}

func TestSlimGitRepo(t *testing.T) {
	full := &fleet.GitRepo{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r", ResourceVersion: "7", Labels: map[string]string{"a": "b"},
			Annotations: map[string]string{"big": "x"}, ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m"}}},
		Spec: fleet.GitRepoSpec{Repo: "https://github.com/o/r", Branch: "main", WebhookSecret: "hook", Paths: []string{"a", "b"}},
	}
	full.Status.WebhookCommit = "c1"
	out, err := slimGitRepo(full)
	if err != nil {
		t.Fatal(err)
	}
	slim := out.(*fleet.GitRepo)
	want := &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r", ResourceVersion: "7", Labels: map[string]string{"a": "b"}},
		Spec: fleet.GitRepoSpec{WebhookSecret: "hook"}}
	if !equality.Semantic.DeepEqual(slim, want) {
		t.Errorf("slim = %+v", slim)
	}
	other := &corev1.Secret{}
	if out, _ := slimGitRepo(other); out != other {
		t.Error("other kinds must pass unchanged")
	}
}
