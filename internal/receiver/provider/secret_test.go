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

package provider_test

import (
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// Secrets laid out like Fleet's gitjob-webhook give every provider the
// secret Fleet would check its deliveries with.
func TestSecretFromData(t *testing.T) {
	fleetSecret := map[string][]byte{
		"github": []byte("gh"), "bitbucket": []byte("{hook-uuid}"), "gogs": []byte("gg"),
		"azure-username": []byte("fleet"), "azure-password": []byte("pw"),
	}
	tests := map[string]struct {
		p    provider.Provider
		data map[string][]byte
		want string // "" for none
	}{
		"github":                     {provider.GitHub{}, fleetSecret, "gh"},
		"gitlab absent":              {provider.GitLab{}, fleetSecret, ""},
		"bitbucket hook uuid":        {provider.BitbucketCloud{}, fleetSecret, "{hook-uuid}"},
		"gitea falls back to gogs":   {provider.Gitea{}, fleetSecret, "gg"},
		"gitea key wins":             {provider.Gitea{}, map[string][]byte{"gitea": []byte("gt"), "gogs": []byte("gg")}, "gt"},
		"gitea empty key falls back": {provider.Gitea{}, map[string][]byte{"gitea": {}, "gogs": []byte("gg")}, "gg"},
		"gitea neither":              {provider.Gitea{}, map[string][]byte{"github": []byte("gh")}, ""},
		"gogs never takes gitea":     {provider.Gogs{}, map[string][]byte{"gitea": []byte("gt")}, ""},
		"azure username:password":    {provider.AzureDevOps{}, fleetSecret, "fleet:pw"},
		"azure without username":     {provider.AzureDevOps{}, map[string][]byte{"azure-password": []byte("pw")}, ""},
		"azure without password":     {provider.AzureDevOps{}, map[string][]byte{"azure-username": []byte("fleet")}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := provider.SecretFromData(tc.p, tc.data)
			if ok != (tc.want != "") || string(got) != tc.want {
				t.Fatalf("SecretFromData = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestEnabledBy(t *testing.T) {
	only := func(keys ...string) func(string) bool {
		return func(k string) bool {
			for _, o := range keys {
				if o == k {
					return true
				}
			}
			return false
		}
	}
	tests := map[string]struct {
		p       provider.Provider
		enabled func(string) bool
		want    bool
	}{
		"own key":               {provider.GitHub{}, only("github"), true},
		"other key":             {provider.GitHub{}, only("gitlab"), false},
		"gitea by gogs (Fleet)": {provider.Gitea{}, only("gogs"), true},
		"gitea by gitea":        {provider.Gitea{}, only("gitea"), true},
		"gogs not by gitea":     {provider.Gogs{}, only("gitea"), false},
		"azure by its key":      {provider.AzureDevOps{}, only("azure-password"), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := provider.EnabledBy(tc.p, tc.enabled); got != tc.want {
				t.Fatalf("EnabledBy = %v, want %v", got, tc.want)
			}
		})
	}
}
