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

package v1alpha1

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestAddToScheme(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		obj  runtime.Object
		kind string
	}{
		"the kind":         {&WebhookReceiver{}, "WebhookReceiver"},
		"its list":         {&WebhookReceiverList{}, "WebhookReceiverList"},
		"list options too": {&metav1.ListOptions{}, "ListOptions"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gvks, _, err := s.ObjectKinds(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			want := GroupVersion.WithKind(tc.kind)
			for _, gvk := range gvks {
				if gvk == want {
					return
				}
			}
			t.Fatalf("registered as %v, want %v", gvks, want)
		})
	}
}
