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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// ContainerName is the receiver container's name.
const ContainerName = "receiver"

// nonRootUID is distroless' nonroot user; set explicitly so runAsNonRoot
// can be verified whatever USER the image declares.
const nonRootUID int64 = 65532

// Resources is spec.receiver.resources, or when it is empty requests of
// 10m CPU and 32Mi memory and a 256Mi memory limit: the receiver bounds the
// bytes request bodies hold (--max-inflight-bytes, 64 MiB), and stays well
// under the limit even under hostile load. No CPU limit: throttling would
// delay answers Git hosts wait for.
func Resources(wr *v1alpha1.WebhookReceiver) corev1.ResourceRequirements {
	r := wr.Spec.Receiver.Resources
	if len(r.Requests) == 0 && len(r.Limits) == 0 && len(r.Claims) == 0 {
		return corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("10m"),
				corev1.ResourceMemory: resource.MustParse("32Mi"),
			},
			Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		}
	}
	return *r.DeepCopy()
}

// ReceiverExecutable is the receiver container's command: the image ships
// the receiver's own binary (cmd/receiver) beside the operator's, so a
// receiver maps only the code it runs.
const ReceiverExecutable = "/webhook-receiver"

// Args are the receiver process's arguments.
func Args(wr *v1alpha1.WebhookReceiver) []string {
	return []string{
		"--name=" + wr.Name,
		"--namespace=" + wr.Namespace,
		"--secret-name=" + wr.SecretNameOrDefault(),
	}
}

func probe(path string) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: path, Port: intstr.FromInt32(PortHealth),
	}}}
}

// AnnotationStartupConfig on the pod template carries a hash of the spec
// fields the receiver reads only at start (batching sets up its rate limiter,
// namespaceSelector decides which namespaces its cache watches), so changing
// them rolls the receiver instead of being silently ignored.
const AnnotationStartupConfig = "gitops.webhook-operator.dev/startup-config"

// StartupConfigHash is a short stable hash of spec.batching and
// spec.targets.namespaceSelector.
func StartupConfigHash(wr *v1alpha1.WebhookReceiver) string {
	raw, _ := json.Marshal(struct {
		B v1alpha1.Batching
		N *metav1.LabelSelector
	}{wr.Spec.Batching, wr.Spec.Targets.NamespaceSelector})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}

// Deployment runs the receiver with the "restricted" pod security profile.
func Deployment(wr *v1alpha1.WebhookReceiver, p Params) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: objectMeta(wr, ReceiverName(wr)),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(wr.Spec.Receiver.ReplicasOrDefault()),
			Selector: &metav1.LabelSelector{MatchLabels: SelectorLabels(wr)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      Labels(wr),
					Annotations: map[string]string{AnnotationStartupConfig: StartupConfigHash(wr)},
				},
				Spec: corev1.PodSpec{
					ServiceAccountName: ReceiverName(wr),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr.To(true),
						RunAsUser:      ptr.To(nonRootUID),
						RunAsGroup:     ptr.To(nonRootUID),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:    ContainerName,
						Image:   p.Image,
						Command: []string{ReceiverExecutable},
						Args:    Args(wr),
						Ports: []corev1.ContainerPort{
							{Name: "http", ContainerPort: PortHTTP, Protocol: corev1.ProtocolTCP},
							{Name: "health", ContainerPort: PortHealth, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: PortMetrics, Protocol: corev1.ProtocolTCP},
						},
						LivenessProbe:  probe("/healthz"),
						ReadinessProbe: probe("/readyz"),
						Resources:      Resources(wr),
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             ptr.To(true),
							ReadOnlyRootFilesystem:   ptr.To(true),
							AllowPrivilegeEscalation: ptr.To(false),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					// A writable /tmp despite the read-only root filesystem.
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}
