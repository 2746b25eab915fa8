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

package apply

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// testWR is a receiver whose children the tests apply; tls sets spec.tls.
func testWR(path string, tls bool) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Name: "fleet", Namespace: "cattle-fleet-system", UID: "uid-1"},
		Spec: v1alpha1.WebhookReceiverSpec{
			Host:    "webhooks.example.com",
			Path:    path,
			Ingress: &v1alpha1.IngressSpec{ClassName: "ic"},
		},
	}
	if tls {
		wr.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "webhooks-tls"}
	}
	return wr
}

// liveDeployment simulates what the cache holds after applying d: the
// applied fields plus server defaults and metadata, without TypeMeta.
func liveDeployment(t *testing.T, d *appsv1.Deployment) *appsv1.Deployment {
	t.Helper()
	u, err := Document(d)
	if err != nil {
		t.Fatal(err)
	}
	live := &appsv1.Deployment{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, live); err != nil {
		t.Fatal(err)
	}
	live.TypeMeta = appsv1.Deployment{}.TypeMeta // the cache drops it
	live.ResourceVersion = "42"
	live.Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	live.Spec.Template.Spec.Containers[0].TerminationMessagePath = "/dev/termination-log"
	live.Spec.Template.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
	live.Spec.Template.Spec.DNSPolicy = corev1.DNSClusterFirst
	live.Status.ReadyReplicas = 1
	return live
}

func TestUpToDate(t *testing.T) {
	wr := testWR("/gitjob", true)
	desired := render.Deployment(wr, render.Params{Image: "img:1"})
	cases := map[string]struct {
		mutate func(live *appsv1.Deployment)
		want   bool
	}{
		"unchanged with server defaults": {func(*appsv1.Deployment) {}, true},
		"label added by someone else": {func(l *appsv1.Deployment) {
			l.Labels["team"] = "platform"
		}, true},
		"sidecar added by someone else": {func(l *appsv1.Deployment) {
			l.Spec.Template.Spec.Containers = append(l.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar"})
		}, true},
		"image drifted": {func(l *appsv1.Deployment) {
			l.Spec.Template.Spec.Containers[0].Image = "evil:1"
		}, false},
		"our label removed": {func(l *appsv1.Deployment) {
			delete(l.Labels, render.LabelManagedBy)
		}, false},
		"replicas drifted": {func(l *appsv1.Deployment) {
			l.Spec.Replicas = ptr.To[int32](5)
		}, false},
		"security context weakened": {func(l *appsv1.Deployment) {
			l.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = ptr.To(false)
		}, false},
		"arg added": {func(l *appsv1.Deployment) {
			l.Spec.Template.Spec.Containers[0].Args = append(l.Spec.Template.Spec.Containers[0].Args, "--x")
		}, false},
		"hash annotation differs (spec changed)": {func(l *appsv1.Deployment) {
			l.Annotations[AnnotationDesiredHash] = "old"
		}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			live := liveDeployment(t, desired)
			tc.mutate(live)
			u, err := Document(desired)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UpToDate(u, live)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("UpToDate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDocument(t *testing.T) {
	wr := testWR("/", false)
	u, err := Document(render.Deployment(wr, render.Params{Image: "img:1"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Object["status"]; ok {
		t.Error("status must not be applied")
	}
	if _, ok := u.Object["metadata"].(map[string]any)["creationTimestamp"]; ok {
		t.Error("null creationTimestamp must be pruned")
	}
	if u.GetAPIVersion() != "apps/v1" || u.GetKind() != "Deployment" || u.GetAnnotations()[AnnotationDesiredHash] == "" {
		t.Errorf("apiVersion/kind/hash = %s %s %v", u.GetAPIVersion(), u.GetKind(), u.GetAnnotations())
	}
	u2, _ := Document(render.Deployment(wr, render.Params{Image: "img:2"}))
	if u.GetAnnotations()[AnnotationDesiredHash] == u2.GetAnnotations()[AnnotationDesiredHash] {
		t.Error("a different desired state must hash differently")
	}
}

func TestSecretHashIgnoresValuesButNotKeys(t *testing.T) {
	wr := testWR("/", false)
	h := func(data map[string][]byte) string {
		u, err := Document(render.Secret(wr, data, nil))
		if err != nil {
			t.Fatal(err)
		}
		return u.GetAnnotations()[AnnotationDesiredHash]
	}
	a := h(map[string][]byte{"github": []byte("one")})
	if b := h(map[string][]byte{"github": []byte("two")}); a != b {
		t.Error("hash must not depend on secret values")
	}
	if c := h(map[string][]byte{"github": []byte("one"), "gitlab": []byte("x")}); a == c {
		t.Error("hash must depend on the key set")
	}
	// The value change is still detected by UpToDate.
	d, _ := Document(render.Secret(wr, map[string][]byte{"github": []byte("two")}, nil))
	live := render.Secret(wr, map[string][]byte{"github": []byte("one")}, nil)
	live.Annotations = map[string]string{AnnotationDesiredHash: a}
	if ok, _ := UpToDate(d, live); ok {
		t.Error("a changed secret value must not be up to date")
	}
}

// Names in a list need not be unique: two parentRefs to two listeners of one
// Gateway share the Gateway's name. An identical live object is up to date,
// and a changed second ref is not.
func TestSubsetWithRepeatedNames(t *testing.T) {
	refs := func(second string) []any {
		return []any{
			map[string]any{"name": "public", "sectionName": "http"},
			map[string]any{"name": "public", "sectionName": second},
		}
	}
	cases := map[string]struct {
		have []any
		want bool
	}{
		"identical":             {refs("https"), true},
		"second ref changed":    {refs("admin"), false},
		"order differs":         {[]any{refs("https")[1], refs("https")[0]}, true},
		"only one of them live": {refs("https")[:1], false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Subset(refs("https"), tc.have); got != tc.want {
				t.Errorf("Subset = %v, want %v", got, tc.want)
			}
		})
	}
}
