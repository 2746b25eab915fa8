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
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// The receiver's memory is bounded by default (its in-flight body budget
// keeps it well under the limit); resources a user sets are kept as given.
func TestResourcesDefaultMemoryLimit(t *testing.T) {
	got := Resources(&v1alpha1.WebhookReceiver{})
	if got.Requests.Memory().String() != "32Mi" || got.Limits.Memory().String() != "256Mi" {
		t.Errorf("default memory: request %s, limit %s; want 32Mi and 256Mi", got.Requests.Memory(), got.Limits.Memory())
	}
	if !got.Limits.Cpu().IsZero() {
		t.Errorf("default CPU limit %s, want none (throttling delays answers)", got.Limits.Cpu())
	}
	wr := &v1alpha1.WebhookReceiver{}
	wr.Spec.Receiver.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
	if got := Resources(wr); got.Requests.Memory().String() != "1Gi" || len(got.Limits) != 0 {
		t.Errorf("user resources changed: %+v", got)
	}
}
