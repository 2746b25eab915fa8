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

package gitrepo

import (
	"testing"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
)

// Every URL form of one Azure DevOps repository has one index key, so a
// GitRepo spelling any of them matches a payload spelling any other.
func TestNormalizeURLAzureForms(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"dev.azure.com":                      {"https://dev.azure.com/org/project/_git/repo", "dev.azure.com/org/project/repo"},
		"dev.azure.com with org user":        {"https://org@dev.azure.com/org/project/_git/repo", "dev.azure.com/org/project/repo"},
		"dev.azure.com .git":                 {"https://dev.azure.com/org/project/_git/repo.git", "dev.azure.com/org/project/repo"},
		"visualstudio.com":                   {"https://org.visualstudio.com/project/_git/repo", "dev.azure.com/org/project/repo"},
		"visualstudio.com DefaultCollection": {"https://org.visualstudio.com/DefaultCollection/project/_git/repo", "dev.azure.com/org/project/repo"},
		"ssh scp-style":                      {"git@ssh.dev.azure.com:v3/org/project/repo", "dev.azure.com/org/project/repo"},
		"ssh scheme":                         {"ssh://git@ssh.dev.azure.com/v3/org/project/repo", "dev.azure.com/org/project/repo"},
		"legacy ssh":                         {"org@vs-ssh.visualstudio.com:v3/org/project/repo", "dev.azure.com/org/project/repo"},
		"case":                               {"https://Org@Dev.Azure.com/Org/Project/_git/Repo", "dev.azure.com/org/project/repo"},
		"space escaped":                      {"https://dev.azure.com/org/fleet%20qa/_git/repo", "dev.azure.com/org/fleet qa/repo"},
		"space literal":                      {"https://dev.azure.com/org/fleet qa/_git/repo", "dev.azure.com/org/fleet qa/repo"},
		"space visualstudio.com":             {"https://org.visualstudio.com/fleet%20qa/_git/repo", "dev.azure.com/org/fleet qa/repo"},
		"space visualstudio.com collection":  {"https://org.visualstudio.com/DefaultCollection/fleet%20qa/_git/my%20repo", "dev.azure.com/org/fleet qa/my repo"},
		"space ssh":                          {"git@ssh.dev.azure.com:v3/org/fleet%20qa/repo", "dev.azure.com/org/fleet qa/repo"},
		"project named like repo":            {"https://dev.azure.com/org/_git/repo", "dev.azure.com/org/repo/repo"},
		"test payload form":                  {"https://fabrikam.visualstudio.com/DefaultCollection/_git/Fabrikam-Git", "dev.azure.com/fabrikam/fabrikam-git/fabrikam-git"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := NormalizeURL(tc.in)
			if err != nil {
				t.Fatalf("NormalizeURL(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("NormalizeURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The forms above, as GitRepo spec.repo, all land on the index key a push
// of any of them looks up.
func TestIndexFuncAzureFormsShareAKey(t *testing.T) {
	forms := []string{
		"https://dev.azure.com/org/fleet%20qa/_git/repo",
		"https://org@dev.azure.com/org/fleet%20qa/_git/repo",
		"https://org.visualstudio.com/fleet qa/_git/repo",
		"https://org.visualstudio.com/DefaultCollection/fleet%20qa/_git/repo",
		"git@ssh.dev.azure.com:v3/org/fleet%20qa/repo",
	}
	want := IndexFunc(&fleet.GitRepo{Spec: fleet.GitRepoSpec{Repo: forms[0]}})
	if len(want) != 1 {
		t.Fatalf("IndexFunc(%q) = %v", forms[0], want)
	}
	for _, f := range forms[1:] {
		if got := IndexFunc(&fleet.GitRepo{Spec: fleet.GitRepoSpec{Repo: f}}); len(got) != 1 || got[0] != want[0] {
			t.Errorf("IndexFunc(%q) = %v, want %v", f, got, want)
		}
	}
}

func TestNormalizeURLAzureDistinct(t *testing.T) {
	tests := map[string]struct{ a, b string }{
		"other org":                    {"https://dev.azure.com/org1/project/_git/repo", "https://dev.azure.com/org2/project/_git/repo"},
		"other legacy org":             {"https://org1.visualstudio.com/project/_git/repo", "https://org2.visualstudio.com/project/_git/repo"},
		"repo suffix":                  {"https://dev.azure.com/org/project/_git/repo", "https://dev.azure.com/org/project/_git/repo-suffix"},
		"space vs dash":                {"https://dev.azure.com/org/fleet%20qa/_git/repo", "https://dev.azure.com/org/fleet-qa/_git/repo"},
		"look-alike host":              {"https://dev.azure.com/org/project/_git/repo", "https://dev.azure.com.evil.io/org/project/_git/repo"},
		"project shorthand vs other":   {"https://dev.azure.com/org/_git/repo", "https://dev.azure.com/org/project/_git/repo"},
		"v3 kept on other hosts":       {"git@git.example.com:v3/org/project/repo", "git@git.example.com:org/project/repo"},
		"collection kept on dev.azure": {"https://dev.azure.com/defaultcollection/project/_git/repo", "https://dev.azure.com/project/_git/repo"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, errA := NormalizeURL(tc.a)
			b, errB := NormalizeURL(tc.b)
			if errA != nil || errB != nil {
				t.Fatalf("unexpected errors: %v, %v", errA, errB)
			}
			if a == b {
				t.Fatalf("%q and %q both normalise to %q", tc.a, tc.b, a)
			}
		})
	}
}

func TestIsAzureHost(t *testing.T) {
	for host, want := range map[string]bool{
		"dev.azure.com": true, "ssh.dev.azure.com": true, "org.visualstudio.com": true,
		"vs-ssh.visualstudio.com": true, "github.com": false, "dev.azure.com.evil.io": false,
		"visualstudio.com.evil.io": false, "tfs.example.com": false,
	} {
		if got := IsAzureHost(host); got != want {
			t.Errorf("IsAzureHost(%q) = %v, want %v", host, got, want)
		}
	}
}
