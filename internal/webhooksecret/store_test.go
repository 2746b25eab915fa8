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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
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
		store.Set(ctx, map[types.NamespacedName]bool{key("granted"): true})
		store.Ready()
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
