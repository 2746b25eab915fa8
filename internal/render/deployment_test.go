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

package render

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

func TestDeployment(t *testing.T) {
	custom := corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}}
	cases := map[string]struct {
		replicas   *int32
		secretName string
		resources  corev1.ResourceRequirements
		wantRepl   int32
		wantSecret string
		wantCPU    string // request, "" for none
		wantMemLim string
		wantPDB    bool
	}{
		"defaults":            {nil, "", corev1.ResourceRequirements{}, 1, "fleet-webhook", "10m", "", false},
		"fleet secret name":   {ptr.To[int32](1), "gitjob-webhook", corev1.ResourceRequirements{}, 1, "gitjob-webhook", "10m", "", false},
		"ha with pdb":         {ptr.To[int32](3), "", corev1.ResourceRequirements{}, 3, "fleet-webhook", "10m", "", true},
		"resources from spec": {ptr.To[int32](2), "", custom, 2, "fleet-webhook", "", "128Mi", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR("/", noTLS)
			wr.Spec.Receiver.Replicas = tc.replicas
			wr.Spec.SecretName = tc.secretName
			wr.Spec.Receiver.Resources = tc.resources
			d := Deployment(wr, Params{Image: "img:1"})
			if d.Name != "fleet-receiver" || *d.Spec.Replicas != tc.wantRepl {
				t.Errorf("name/replicas = %s %d", d.Name, *d.Spec.Replicas)
			}
			if NeedsPDB(wr) != tc.wantPDB {
				t.Errorf("NeedsPDB = %v", NeedsPDB(wr))
			}
			pod := d.Spec.Template.Spec
			if pod.ServiceAccountName != "fleet-receiver" {
				t.Errorf("serviceAccountName = %q", pod.ServiceAccountName)
			}
			for k, v := range d.Spec.Selector.MatchLabels {
				if d.Spec.Template.Labels[k] != v {
					t.Errorf("selector %s=%s does not match the pod labels", k, v)
				}
			}
			psc := pod.SecurityContext
			if !*psc.RunAsNonRoot || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod securityContext = %+v", psc)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("containers = %d", len(pod.Containers))
			}
			c := pod.Containers[0]
			wantArgs := []string{"--name=fleet", "--namespace=cattle-fleet-system", "--secret-name=" + tc.wantSecret}
			if c.Image != "img:1" || !slices.Equal(c.Command, []string{"/webhook-receiver"}) || !slices.Equal(c.Args, wantArgs) {
				t.Errorf("image/command/args = %s %v %v, want /webhook-receiver %v", c.Image, c.Command, c.Args, wantArgs)
			}
			sc := c.SecurityContext
			if !*sc.RunAsNonRoot || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation ||
				!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
				sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("container securityContext = %+v", sc)
			}
			if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.LivenessProbe.HTTPGet.Port.IntValue() != 8081 ||
				c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.ReadinessProbe.HTTPGet.Port.IntValue() != 8081 {
				t.Errorf("probes = %+v %+v", c.LivenessProbe.HTTPGet, c.ReadinessProbe.HTTPGet)
			}
			ports := map[string]int32{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			if ports["http"] != 8080 || ports["metrics"] != 8082 || ports["health"] != 8081 {
				t.Errorf("ports = %v", ports)
			}
			if got := c.Resources.Requests.Cpu(); tc.wantCPU != "" && got.String() != tc.wantCPU {
				t.Errorf("cpu request = %s, want %s", got, tc.wantCPU)
			}
			if tc.wantCPU != "" && c.Resources.Requests.Memory().String() != "32Mi" {
				t.Errorf("memory request = %s", c.Resources.Requests.Memory())
			}
			if tc.wantMemLim != "" && c.Resources.Limits.Memory().String() != tc.wantMemLim {
				t.Errorf("memory limit = %s", c.Resources.Limits.Memory())
			}
			if len(d.OwnerReferences) != 1 || d.OwnerReferences[0].Kind != "WebhookReceiver" {
				t.Errorf("ownerReferences = %+v", d.OwnerReferences)
			}
		})
	}
}

func TestServiceAndPDB(t *testing.T) {
	wr := testWR("/", noTLS)
	s := Service(wr)
	if s.Name != "fleet-receiver" || s.Spec.Type != corev1.ServiceTypeClusterIP || len(s.Spec.Ports) != 1 ||
		s.Spec.Ports[0].Port != 80 || s.Spec.Ports[0].TargetPort.StrVal != "http" {
		t.Errorf("service = %+v", s.Spec)
	}
	if s.Spec.Selector[LabelInstance] != "fleet" || s.Spec.Selector[LabelName] != LabelNameValue {
		t.Errorf("selector = %v", s.Spec.Selector)
	}
	p := PodDisruptionBudget(wr)
	if p.Spec.MinAvailable.IntValue() != 1 || p.Spec.Selector.MatchLabels[LabelInstance] != "fleet" {
		t.Errorf("pdb = %+v", p.Spec)
	}
}

func TestStartupConfigHashRollsOnStartupFields(t *testing.T) {
	base := &v1alpha1.WebhookReceiver{}
	base.Name, base.Namespace = "fleet", "ns"
	h := StartupConfigHash(base)
	cases := map[string]struct {
		mutate   func(*v1alpha1.WebhookReceiver)
		wantRoll bool
	}{
		"qps change rolls": {func(w *v1alpha1.WebhookReceiver) { w.Spec.Batching.QPS = ptr.To[int32](5) }, true},
		"window change rolls": {func(w *v1alpha1.WebhookReceiver) {
			w.Spec.Batching.Window = &metav1.Duration{Duration: 5 * time.Second}
		}, true},
		"namespaceSelector change rolls": {func(w *v1alpha1.WebhookReceiver) { w.Spec.Targets.NamespaceSelector = &metav1.LabelSelector{} }, true},
		"GitRepo selector does not roll": {func(w *v1alpha1.WebhookReceiver) { w.Spec.Targets.Selector = &metav1.LabelSelector{} }, false},
		"polling interval does not roll": {func(w *v1alpha1.WebhookReceiver) { w.Spec.PollingInterval = &metav1.Duration{Duration: time.Minute} }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := base.DeepCopy()
			tc.mutate(w)
			got := Deployment(w, Params{}).Spec.Template.Annotations[AnnotationStartupConfig]
			if rolled := got != h; rolled != tc.wantRoll {
				t.Fatalf("rolled=%v, want %v", rolled, tc.wantRoll)
			}
		})
	}
}
