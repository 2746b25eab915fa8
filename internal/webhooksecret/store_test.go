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

package webhooksecret

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

var _ = Describe("Store", func() {
	var (
		ns    string
		store *Store
		ctx   context.Context
	)

	// The receiver's RBAC: get/list/watch on exactly the named Secrets.
	BeforeEach(func() {
		ns = newNamespace()
		newSecret(ns, "granted", map[string]string{"github": "team-secret"})
		newSecret(ns, "not-granted", map[string]string{"github": "other"})
		bg := context.Background()
		Expect(k8s.Create(bg, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "receiver", Namespace: ns},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"},
				ResourceNames: []string{"granted", "granted-but-absent"}, Verbs: []string{"get", "list", "watch"}}},
		})).To(Succeed())
		user := "receiver-" + ns
		Expect(k8s.Create(bg, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "receiver", Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "receiver"},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		})).To(Succeed())
		u, err := env.AddUser(envtest.User{Name: user}, cfg)
		Expect(err).NotTo(HaveOccurred())
		store = NewStore(kubernetes.NewForConfigOrDie(u.Config()), logf.Log.WithName("store"))
		store.Wait = 5 * time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.Background())
		DeferCleanup(cancel)
	})

	key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }

	It("reads a granted Secret through its name-selected watch and follows its changes", func() {
		found, complete := store.Any(func(map[string][]byte) bool { return true })
		Expect(found || complete).To(BeFalse(), "before Ready nothing is known, not even that nothing is kept")
		Expect(store.Loaded()).To(BeFalse())
		store.Set(ctx, map[types.NamespacedName]bool{key("granted"): true})
		store.Ready()
		Expect(store.Loaded()).To(BeTrue())
		var s corev1.Secret
		Expect(store.Get(ctx, key("granted"), &s)).To(Succeed())
		Expect(s.Data).To(HaveKeyWithValue("github", []byte("team-secret")))
		found, complete = store.Any(func(d map[string][]byte) bool { return string(d["github"]) == "team-secret" })
		Expect(found && complete).To(BeTrue())
		found, complete = store.Any(func(d map[string][]byte) bool { return len(d["gitlab"]) > 0 })
		Expect(found).To(BeFalse())
		Expect(complete).To(BeTrue())

		s.Data["github"] = []byte("rotated")
		Expect(k8s.Update(context.Background(), &s)).To(Succeed())
		Eventually(func() string {
			var got corev1.Secret
			Expect(store.Get(ctx, key("granted"), &got)).To(Succeed())
			return string(got.Data["github"])
		}).Should(Equal("rotated"))

		Expect(k8s.Delete(context.Background(), &s)).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(store.Get(ctx, key("granted"), &corev1.Secret{})) }).Should(BeTrue())
	})

	It("answers NotFound for a granted Secret that does not exist, Forbidden for one not granted", func() {
		store.Set(ctx, map[types.NamespacedName]bool{key("granted-but-absent"): true, key("not-granted"): true})
		store.Ready()
		Expect(apierrors.IsNotFound(store.Get(ctx, key("granted-but-absent"), &corev1.Secret{}))).To(BeTrue())
		Expect(apierrors.IsForbidden(store.Get(ctx, key("not-granted"), &corev1.Secret{}))).To(BeTrue())
		found, complete := store.Any(func(map[string][]byte) bool { return true })
		Expect(found).To(BeFalse(), "nothing was read")
		Expect(complete).To(BeTrue(), "a Secret the receiver may not read is not waited for")
	})

	It("does not answer for a Secret it does not watch, and stops watching on Set", func() {
		store.Wait = 200 * time.Millisecond
		Expect(errors.Is(store.Get(ctx, key("granted"), &corev1.Secret{}), ErrNotWatched)).To(BeTrue())
		store.Set(ctx, map[types.NamespacedName]bool{key("granted"): true})
		Expect(store.Get(ctx, key("granted"), &corev1.Secret{})).To(Succeed())
		store.Set(ctx, nil)
		Expect(store.Watched()).To(BeEmpty())
		Expect(errors.Is(store.Get(ctx, key("granted"), &corev1.Secret{}), ErrNotWatched)).To(BeTrue())
	})
})

var _ = Describe("Store, a webhookSecret name the API server cannot list", func() {
	// A tenant who may create GitRepos in the targets picks spec.webhookSecret
	// freely (Fleet's CRD has no maxLength). A name whose name-selected list
	// URL is over the API server's header limit is refused on every attempt
	// with an error that is neither Forbidden nor Unauthorized: the watch
	// never lists it. That is an answer ("not readable"), not a reason for
	// every delivery to wait for it.
	It("does not keep the Store incomplete, nor Get undecided, forever", func() {
		ns := newNamespace()
		huge := strings.Repeat("a", 1100<<10)
		gr := &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "tenant", Namespace: ns},
			Spec: fleet.GitRepoSpec{Repo: "https://github.com/org/shared", WebhookSecret: huge}}
		Expect(k8s.Create(context.Background(), gr)).To(Succeed(), "the GitRepo can be created")

		// Discard: the watch errors quote the megabyte-long list URL.
		store := NewStore(kubernetes.NewForConfigOrDie(cfg), logr.Discard())
		store.Wait = 2 * time.Second
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		key := types.NamespacedName{Namespace: ns, Name: huge}
		store.Set(ctx, map[types.NamespacedName]bool{key: true})
		store.Ready()

		Eventually(func() bool {
			_, complete := store.Any(func(map[string][]byte) bool { return false })
			return complete
		}, 10*time.Second).Should(BeTrue(), "the Store stays incomplete: every unverified delivery gets 503")
		err := store.Get(ctx, key, &corev1.Secret{})
		Expect(errors.Is(err, ErrNotWatched)).To(BeFalse(),
			"Get stays undecided: every push to the GitRepo's repo waits Store.Wait and is answered 503 for every tenant")
	})
})
