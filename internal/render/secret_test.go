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
	"errors"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

func TestSecretData(t *testing.T) {
	refs := ReferencedSecrets{
		"gh":    {"token": []byte("gh-secret")},
		"bb":    {"secret": []byte("bb-secret")},
		"empty": {"token": nil},
	}
	ref := func(name, key string) *v1alpha1.ProviderSecret {
		return &v1alpha1.ProviderSecret{SecretRef: &v1alpha1.SecretKeyRef{Name: name, Key: key}}
	}
	gen := &v1alpha1.ProviderSecret{Generate: true}
	owned := []metav1.OwnerReference{{
		APIVersion: v1alpha1.GroupVersion.String(), Kind: "WebhookReceiver", Name: "fleet", UID: "uid-1", Controller: ptr.To(true),
	}}
	prevGenerated := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationGeneratedKeys: "gitlab"}, OwnerReferences: owned},
		Data:       map[string][]byte{"gitlab": []byte("kept"), "gogs": []byte("copied")},
	}
	// Fleet's own gitjob-webhook, before this receiver adopts it.
	fleets := &corev1.Secret{Data: map[string][]byte{"github": []byte("fleet-token")}}
	cases := map[string]struct {
		providers     v1alpha1.Providers
		existing      *corev1.Secret
		want          map[string]string
		wantGenerated []string
		wantMissing   string
	}{
		"refs copied under fleet keys": {
			providers: v1alpha1.Providers{GitHub: ref("gh", "token"), Bitbucket: ref("bb", "secret"), BitbucketServer: ref("bb", "secret")},
			want:      map[string]string{"github": "gh-secret", "bitbucket": "bb-secret", "bitbucket-server": "bb-secret"},
		},
		"generate new": {
			providers:     v1alpha1.Providers{GitLab: gen, Gitea: gen},
			want:          map[string]string{"gitlab": "tok1", "gitea": "tok2"},
			wantGenerated: []string{"gitea", "gitlab"},
		},
		"generated value kept": {
			providers:     v1alpha1.Providers{GitLab: gen},
			existing:      prevGenerated,
			want:          map[string]string{"gitlab": "kept"},
			wantGenerated: []string{"gitlab"},
		},
		"copied value not mistaken for generated": {
			providers:     v1alpha1.Providers{Gogs: gen},
			existing:      prevGenerated,
			want:          map[string]string{"gogs": "tok1"},
			wantGenerated: []string{"gogs"},
		},
		"adopted Secret keeps the tokens Git hosts already use": {
			providers:     v1alpha1.Providers{GitHub: gen, GitLab: gen},
			existing:      fleets,
			want:          map[string]string{"github": "fleet-token", "gitlab": "tok1"},
			wantGenerated: []string{"github", "gitlab"},
		},
		"azure password generated, username from the spec": {
			providers:     v1alpha1.Providers{AzureDevOps: &v1alpha1.AzureDevOpsProvider{ProviderSecret: *gen, Username: "fleet"}},
			want:          map[string]string{"azure-password": "tok1", "azure-username": "fleet"},
			wantGenerated: []string{"azure-password"},
		},
		"azure password copied, default username": {
			providers: v1alpha1.Providers{AzureDevOps: &v1alpha1.AzureDevOpsProvider{ProviderSecret: *ref("bb", "secret")}},
			want:      map[string]string{"azure-password": "bb-secret", "azure-username": "webhook"},
		},
		"adopted Fleet Secret keeps its azure password": {
			providers:     v1alpha1.Providers{AzureDevOps: &v1alpha1.AzureDevOpsProvider{ProviderSecret: *gen, Username: "fleet"}},
			existing:      &corev1.Secret{Data: map[string][]byte{"azure-username": []byte("fleet"), "azure-password": []byte("fleet-pw")}},
			want:          map[string]string{"azure-password": "fleet-pw", "azure-username": "fleet"},
			wantGenerated: []string{"azure-password"},
		},
		"azure unauthenticated has no keys": {
			providers: v1alpha1.Providers{AzureDevOps: &v1alpha1.AzureDevOpsProvider{
				ProviderSecret: v1alpha1.ProviderSecret{AllowUnauthenticated: true, Hosts: []string{"dev.azure.com"}}}},
			want: map[string]string{},
		},
		"azure missing ref named by its field": {
			providers:   v1alpha1.Providers{AzureDevOps: &v1alpha1.AzureDevOpsProvider{ProviderSecret: *ref("nope", "pw")}},
			wantMissing: `Secret "nope" referenced by spec.providers.azureDevOps.secretRef not found`,
		},
		"unauthenticated provider has no key": {
			providers: v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{}},
			want:      map[string]string{},
		},
		"missing secret": {
			providers:   v1alpha1.Providers{GitHub: ref("nope", "token")},
			wantMissing: `Secret "nope" referenced by spec.providers.github.secretRef not found`,
		},
		"missing key": {
			providers:   v1alpha1.Providers{BitbucketServer: ref("gh", "other")},
			wantMissing: `key "other" not found in Secret "gh" referenced by spec.providers.bitbucketServer.secretRef`,
		},
		"empty key counts as missing": {
			providers:   v1alpha1.Providers{Gitea: ref("empty", "token")},
			wantMissing: `key "token" not found in Secret "empty" referenced by spec.providers.gitea.secretRef`,
		},
		"every problem listed": {
			providers:   v1alpha1.Providers{GitHub: ref("nope", "token"), GitLab: ref("gh", "other")},
			wantMissing: `Secret "nope" referenced by spec.providers.github.secretRef not found; key "other" not found in Secret "gh" referenced by spec.providers.gitlab.secretRef`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR("/", noTLS)
			wr.Spec.Providers = tc.providers
			n := 0
			g := func() (string, error) { n++; return fmt.Sprintf("tok%d", n), nil }
			data, generated, err := SecretData(wr, tc.existing, refs, g)
			if checkErr := CheckSecretRefs(wr, refs); fmt.Sprint(checkErr) != fmt.Sprint(err) {
				t.Errorf("CheckSecretRefs = %v, SecretData = %v: want the same verdict", checkErr, err)
			}
			var missing *MissingSecretError
			switch {
			case tc.wantMissing != "":
				if !errors.As(err, &missing) || err.Error() != tc.wantMissing {
					t.Fatalf("err = %v, want missing %q", err, tc.wantMissing)
				}
				return
			case err != nil:
				t.Fatalf("SecretData: %v", err)
			}
			got := map[string]string{}
			for k, v := range data {
				got[k] = string(v)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("data = %v, want %v", got, tc.want)
			}
			if !slices.Equal(generated, tc.wantGenerated) {
				t.Errorf("generated = %v, want %v", generated, tc.wantGenerated)
			}
		})
	}
}

func TestSecret(t *testing.T) {
	cases := map[string]struct {
		secretName string
		generated  []string
		wantName   string
		wantAnno   string
	}{
		"default name":          {"", nil, "fleet-webhook", ""},
		"fleet's own secret":    {"gitjob-webhook", []string{"github", "gitlab"}, "gitjob-webhook", "github,gitlab"},
		"generated keys listed": {"", []string{"gogs"}, "fleet-webhook", "gogs"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := testWR("/", noTLS)
			wr.Spec.SecretName = tc.secretName
			s := Secret(wr, map[string][]byte{"github": []byte("x")}, tc.generated)
			if s.Name != tc.wantName || s.Namespace != wr.Namespace || s.Type != corev1.SecretTypeOpaque {
				t.Errorf("secret = %s/%s %s", s.Namespace, s.Name, s.Type)
			}
			if got := s.Annotations[AnnotationGeneratedKeys]; got != tc.wantAnno {
				t.Errorf("generated-keys = %q, want %q", got, tc.wantAnno)
			}
			if string(s.Data["github"]) != "x" || s.Labels[LabelInstance] != "fleet" {
				t.Errorf("data/labels = %v %v", s.Data, s.Labels)
			}
		})
	}
}

// An adopted Secret has the same content as an owned one but no owner
// reference, so deleting the WebhookReceiver never garbage-collects it.
func TestAdoptedSecret(t *testing.T) {
	wr := testWR("/", noTLS)
	wr.Spec.SecretName = "gitjob-webhook"
	data := map[string][]byte{"github": []byte("x")}
	owned, adopted := Secret(wr, data, []string{"github"}), AdoptedSecret(wr, data, []string{"github"})
	if len(owned.OwnerReferences) != 1 {
		t.Fatalf("owned Secret owner references = %+v", owned.OwnerReferences)
	}
	if len(adopted.OwnerReferences) != 0 {
		t.Errorf("adopted Secret owner references = %+v, want none", adopted.OwnerReferences)
	}
	adopted.OwnerReferences = owned.OwnerReferences
	if !equality.Semantic.DeepEqual(owned, adopted) {
		t.Errorf("adopted Secret differs beyond the owner reference:\n%+v\n%+v", owned, adopted)
	}
}
