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
	"testing"

	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

func TestLacksGeneratedKey(t *testing.T) {
	ref := &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: "gh", Key: "token"}}
	cases := map[string]struct {
		github *v1alpha1.ProviderSecret
		data   map[string][]byte
		want   bool
	}{
		"generated value present": {&v1alpha1.ProviderSecret{Generate: true}, map[string][]byte{"github": []byte("x")}, false},
		"generated value missing": {&v1alpha1.ProviderSecret{Generate: true}, map[string][]byte{"gitlab": []byte("x")}, true},
		"generated value empty":   {&v1alpha1.ProviderSecret{Generate: true}, map[string][]byte{"github": nil}, true},
		"copied value missing":    {ref, nil, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := ingressWR("fleet-local", "fleet", "nginx", "/")
			wr.Spec.Providers = v1alpha1.Providers{GitHub: tc.github}
			if got := lacksGeneratedKey(wr, &corev1.Secret{Data: tc.data}); got != tc.want {
				t.Errorf("lacksGeneratedKey = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGenerateToken(t *testing.T) {
	a, err := generateToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := generateToken()
	if len(a) != 64 || a == b {
		t.Errorf("tokens %q %q: want 64 hex chars, distinct", a, b)
	}
}
