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

package devenv_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// The control plane runs real Deployment, ReplicaSet and garbage-collector
// controllers, and MarkPodsReady stands in for a kubelet well enough for a
// Deployment to become available.
var _ = Describe("a control plane with kube-controller-manager", func() {
	It("makes a Deployment available and garbage-collects it", func(ctx SpecContext) {
		root, err := devenv.RepoRoot()
		Expect(err).NotTo(HaveOccurred())
		cp, err := devenv.StartControlPlane(devenv.ControlPlaneOptions{
			AssetsDir: devenv.AssetsDir(root), Dir: GinkgoT().TempDir(), ControllerManager: true,
			CRDPaths: []string{devenv.FleetCRDs(root)},
		})
		Expect(err).NotTo(HaveOccurred(), "needs the control-plane binaries (make envtest)")
		DeferCleanup(func() { Expect(cp.Stop()).To(Succeed()) })
		Expect(cp.Kubeconfig).To(BeAnExistingFile())

		c, err := devenv.NewClient(cp.Config)
		Expect(err).NotTo(HaveOccurred())
		lbl := map[string]string{"app.kubernetes.io/name": "webhook-receiver", "app.kubernetes.io/instance": "t"}
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "default"},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](1),
				Selector: &metav1.LabelSelector{MatchLabels: lbl},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: lbl},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "receiver", Image: "webhook-operator:test"}}},
				},
			},
		}
		Expect(c.Create(ctx, dep)).To(Succeed())

		Eventually(func(g Gomega) {
			_, err := devenv.MarkPodsReady(ctx, c, "default", labels.SelectorFromSet(lbl))
			g.Expect(err).NotTo(HaveOccurred())
			cur := &appsv1.Deployment{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(dep), cur)).To(Succeed())
			g.Expect(cur.Status.AvailableReplicas).To(BeEquivalentTo(1))
		}).WithTimeout(60 * time.Second).WithPolling(300 * time.Millisecond).Should(Succeed())

		Expect(c.Delete(ctx, dep)).To(Succeed())
		Eventually(func(g Gomega) {
			_, err := devenv.MarkPodsReady(ctx, c, "default", labels.SelectorFromSet(lbl))
			g.Expect(err).NotTo(HaveOccurred())
			var rs appsv1.ReplicaSetList
			g.Expect(c.List(ctx, &rs, client.InNamespace("default"))).To(Succeed())
			g.Expect(rs.Items).To(BeEmpty())
			var pods corev1.PodList
			g.Expect(c.List(ctx, &pods, client.InNamespace("default"))).To(Succeed())
			g.Expect(pods.Items).To(BeEmpty())
		}).WithTimeout(60*time.Second).Should(Succeed(), "garbage collection of the ReplicaSet and pods")
	})
})
