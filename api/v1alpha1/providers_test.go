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
	"encoding/json"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSecretKeys(t *testing.T) {
	want := []string{"github", "gitlab", "bitbucket", "bitbucket-server", "gogs", "gitea", "azure-password"}
	if got := SecretKeys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want Fleet's keys %v", got, want)
	}
}

// TestSpecFieldMatchesJSON checks every field name against the JSON tag of
// spec.providers, so a message never names a field the API does not have.
func TestSpecFieldMatchesJSON(t *testing.T) {
	gen := &ProviderSecret{Generate: true}
	all := Providers{GitHub: gen, GitLab: gen, Bitbucket: gen, BitbucketServer: gen, Gogs: gen, Gitea: gen,
		AzureDevOps: &AzureDevOpsProvider{ProviderSecret: *gen}}
	raw, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		key  string
		want string
	}{
		"github":                      {SecretKeyGitHub, "github"},
		"bitbucket-server is camel":   {SecretKeyBitbucketServer, "bitbucketServer"},
		"gitea":                       {SecretKeyGitea, "gitea"},
		"azure's password key":        {SecretKeyAzurePassword, "azureDevOps"},
		"unknown key names no field":  {"azure", ""},
		"a field name is not its key": {"bitbucketServer", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := SpecField(tc.key)
			if got != tc.want {
				t.Fatalf("SpecField(%q) = %q, want %q", tc.key, got, tc.want)
			}
			if _, ok := fields[got]; got != "" && !ok {
				t.Fatalf("spec.providers has no JSON field %q", got)
			}
		})
	}
	for _, k := range SecretKeys() {
		if _, ok := fields[SpecField(k)]; !ok {
			t.Errorf("key %q: field %q is not a JSON field of spec.providers", k, SpecField(k))
		}
	}
}

func TestTargetsCrossNamespace(t *testing.T) {
	cases := map[string]struct {
		targets Targets
		want    bool
	}{
		"own namespace only":              {Targets{}, false},
		"a GitRepo selector stays inside": {Targets{Selector: &metav1.LabelSelector{}}, false},
		"an empty namespace selector":     {Targets{NamespaceSelector: &metav1.LabelSelector{}}, true},
		"a namespace selector with labels": {Targets{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"team": "a"},
		}}, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.targets.CrossNamespace(); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
