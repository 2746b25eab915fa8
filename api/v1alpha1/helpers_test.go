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
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSecretNameOrDefault(t *testing.T) {
	cases := map[string]struct {
		spec string
		want string
	}{
		"default is <name>-webhook": {"", "fleet-webhook"},
		"explicit name wins":        {"gitjob-webhook", "gitjob-webhook"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wr := &WebhookReceiver{ObjectMeta: metav1.ObjectMeta{Name: "fleet"}, Spec: WebhookReceiverSpec{SecretName: tc.spec}}
			if got := wr.SecretNameOrDefault(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEnabledProviders(t *testing.T) {
	gen := &ProviderSecret{Generate: true}
	cases := map[string]struct {
		providers Providers
		want      []string
	}{
		"none":              {Providers{}, nil},
		"fleet's key names": {Providers{BitbucketServer: gen, GitHub: gen}, []string{"github", "bitbucket-server"}},
		"all six in order": {
			Providers{Gitea: gen, Gogs: gen, BitbucketServer: gen, Bitbucket: gen, GitLab: gen, GitHub: gen},
			[]string{"github", "gitlab", "bitbucket", "bitbucket-server", "gogs", "gitea"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, p := range tc.providers.EnabledProviders() {
				got = append(got, p.Key)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
