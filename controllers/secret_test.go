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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

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

func TestSecretOwnership(t *testing.T) {
	wr := ingressWR("fleet-local", "fleet", "nginx", "/")
	wr.UID = "uid-fleet"
	owner := func(kind, name, uid string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "x/v1", Kind: kind, Name: name, UID: types.UID(uid), Controller: ptr.To(true)}}
	}
	existing := func(annotations map[string]string, refs []metav1.OwnerReference) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet-local", Name: "gitjob-webhook", Annotations: annotations, OwnerReferences: refs}}
	}
	optIn := map[string]string{v1alpha1.AnnotationAdopt: "true"}
	cases := map[string]struct {
		secret      *corev1.Secret
		wantAdopted bool
		wantMessage string // "" for no stall
	}{
		"none yet: created and owned": {secret: nil},
		"created by this receiver":    {secret: existing(nil, owner("WebhookReceiver", "fleet", "uid-fleet"))},
		"someone else's Secret":       {secret: existing(nil, nil), wantMessage: `annotate it with gitops.webhook-operator.dev/adopt="true"`},
		"opt-in other than true":      {secret: existing(map[string]string{v1alpha1.AnnotationAdopt: "yes"}, nil), wantMessage: `Secret "gitjob-webhook" named by spec.secretName exists and was not created by this receiver`},
		"opted in":                    {secret: existing(optIn, nil), wantAdopted: true},
		"a former receiver of that name": {secret: existing(nil, owner("WebhookReceiver", "fleet", "uid-old")),
			wantMessage: `controlled by WebhookReceiver "fleet"`},
		"opted in but controlled elsewhere": {secret: existing(optIn, owner("SealedSecret", "gitjob-webhook", "uid-ss")),
			wantMessage: `controlled by SealedSecret "gitjob-webhook"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			adopted, st := secretOwnership(wr, tc.secret)
			switch {
			case tc.wantMessage == "" && st != nil:
				t.Fatalf("stalled: %s", st.message)
			case tc.wantMessage != "" && st == nil:
				t.Fatalf("no stall, want SecretNotOwned")
			case st != nil && (st.reason != v1alpha1.ReasonSecretNotOwned || !strings.Contains(st.message, tc.wantMessage)):
				t.Errorf("stall = %s %q, want SecretNotOwned containing %q", st.reason, st.message, tc.wantMessage)
			case adopted != tc.wantAdopted:
				t.Errorf("adopted = %v, want %v", adopted, tc.wantAdopted)
			}
		})
	}
}
