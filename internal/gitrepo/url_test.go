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
	"strings"
	"testing"
)

func TestNormalizeURL(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
	}{
		"https with .git":                  {"https://github.com/org/repo.git", "github.com/org/repo"},
		"https without .git":               {"https://github.com/org/repo", "github.com/org/repo"},
		"trailing slash":                   {"https://github.com/org/repo/", "github.com/org/repo"},
		".git and trailing slash":          {"https://github.com/org/repo.git/", "github.com/org/repo"},
		"upper-case host":                  {"https://GitHub.COM/org/repo", "github.com/org/repo"},
		"upper-case path":                  {"https://github.com/Org/Repo.GIT", "github.com/org/repo"},
		"http":                             {"http://github.com/org/repo", "github.com/org/repo"},
		"https port":                       {"https://git.example.com:8443/org/repo.git", "git.example.com/org/repo"},
		"user in https":                    {"https://user:pw@github.com/org/repo.git", "github.com/org/repo"},
		"scp-style":                        {"git@github.com:org/repo.git", "github.com/org/repo"},
		"scp-style without user":           {"github.com:org/repo", "github.com/org/repo"},
		"ssh scheme":                       {"ssh://git@github.com/org/repo.git", "github.com/org/repo"},
		"ssh port 22":                      {"ssh://git@github.com:22/org/repo", "github.com/org/repo"},
		"ssh.github.com 443":               {"ssh://git@ssh.github.com:443/org/repo.git", "github.com/org/repo"},
		"git scheme":                       {"git://github.com/org/repo.git", "github.com/org/repo"},
		"bare host/path":                   {"github.com/org/repo", "github.com/org/repo"},
		"query and fragment":               {"https://github.com/org/repo?tab=readme#top", "github.com/org/repo"},
		"double slash":                     {"https://github.com//org//repo", "github.com/org/repo"},
		"gitlab subgroups https":           {"https://gitlab.com/group/sub/repo.git", "gitlab.com/group/sub/repo"},
		"gitlab subgroups scp":             {"git@gitlab.com:group/sub/repo.git", "gitlab.com/group/sub/repo"},
		"gitlab altssh":                    {"ssh://git@altssh.gitlab.com:443/group/sub/repo.git", "gitlab.com/group/sub/repo"},
		"bitbucket server http clone kept": {"https://bitbucket.example.com/scm/PROJ/repo.git", "bitbucket.example.com/scm/proj/repo"},
		"bitbucket server ssh clone":       {"ssh://git@bitbucket.example.com:7999/proj/repo.git", "bitbucket.example.com/proj/repo"},
		"bitbucket cloud":                  {"git@bitbucket.org:team/repo.git", "bitbucket.org/team/repo"},
		"azure https":                      {"https://org@dev.azure.com/org/project/_git/repo", "dev.azure.com/org/project/repo"},
		"azure ssh":                        {"git@ssh.dev.azure.com:v3/org/project/repo", "dev.azure.com/org/project/repo"},
		"azure legacy":                     {"https://org.visualstudio.com/project/_git/repo", "dev.azure.com/org/project/repo"},
		"azure legacy collection":          {"https://org.visualstudio.com/DefaultCollection/project/_git/repo", "dev.azure.com/org/project/repo"},
		"azure legacy ssh":                 {"org@vs-ssh.visualstudio.com:v3/org/project/repo", "dev.azure.com/org/project/repo"},
		"azure server keeps _git":          {"https://tfs.example.com/tfs/collection/project/_git/repo", "tfs.example.com/tfs/collection/project/_git/repo"},
		"regex metacharacters kept":        {"https://github.com/org/re.po+(x)", "github.com/org/re.po+(x)"},
		"look-alike host kept":             {"https://github.com.evil.io/org/repo", "github.com.evil.io/org/repo"},
		"userinfo trick":                   {"https://github.com@evil.io/org/repo", "evil.io/org/repo"},
		"ipv6 scp":                         {"git@[::1]:org/repo.git", "::1/org/repo"},
		"ipv6 url":                         {"ssh://git@[::1]:2222/org/repo.git", "::1/org/repo"},
		"surrounding space":                {"  https://github.com/org/repo \n", "github.com/org/repo"},
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

func TestNormalizeURLDistinct(t *testing.T) {
	tests := map[string]struct{ a, b string }{
		"repo vs repo-suffix":       {"https://github.com/org/repo", "https://github.com/org/repo-suffix"},
		"repo vs prefix-repo":       {"https://github.com/org/repo", "https://github.com/org/my-repo"},
		"org vs org2":               {"https://github.com/org/repo", "https://github.com/org2/repo"},
		"nested under other org":    {"https://github.com/org/repo", "https://gitlab.com/other/org/repo"},
		"gitlab parent vs subgroup": {"https://gitlab.com/group/repo", "https://gitlab.com/group/sub/repo"},
		"regex dot":                 {"https://github.com/org/re.po", "https://github.com/org/rexpo"},
		"regex star":                {"https://github.com/org/repo.*", "https://github.com/org/repo"},
		"look-alike host":           {"https://github.com/org/repo", "https://github.com.evil.io/org/repo"},
		"look-alike host prefix":    {"https://github.com/org/repo", "https://evilgithub.com/org/repo"},
		"userinfo trick":            {"https://github.com/org/repo", "https://github.com@evil.io/org/repo"},
		"different hosts":           {"https://github.com/org/repo", "https://gitlab.com/org/repo"},
		"scm kept on gitlab.com":    {"https://gitlab.com/scm/org/repo", "https://gitlab.com/org/repo"},
		"azure other project":       {"https://dev.azure.com/org/p1/_git/repo", "https://dev.azure.com/org/p2/_git/repo"},
		"bitbucket other project":   {"https://bb.example.com/scm/p1/repo.git", "https://bb.example.com/scm/p2/repo.git"},
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

func TestNormalizeURLErrors(t *testing.T) {
	tests := map[string]string{
		"empty":              "",
		"spaces":             "   ",
		"no path":            "https://github.com",
		"only .git":          "https://github.com/.git",
		"file scheme":        "file:///srv/git/repo.git",
		"local path":         "/srv/git/repo.git",
		"relative segment":   "https://github.com/org/../other/repo",
		"bare word":          "repo",
		"unterminated ipv6":  "git@[::1:org/repo",
		"unparseable scheme": "https://[::1/org/repo",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := NormalizeURL(in); err == nil {
				t.Fatalf("NormalizeURL(%q) = %q, want an error", in, got)
			}
		})
	}
}

// Paths that only look like another provider's layout on a generic host are
// different repositories: the Bitbucket Server and Azure DevOps rewrites
// belong to deliveries of those providers, never to the plain key.
func TestNormalizeURLSelfHostedLookAlikes(t *testing.T) {
	tests := map[string][]string{
		"bitbucket scm, browse and azure _git on gitlab": {
			"https://gitlab.example.com/team/app",
			"https://gitlab.example.com/scm/team/app",
			"https://gitlab.example.com/projects/team/repos/app",
			"https://gitlab.example.com/projects/team/repos/app/browse",
			"https://gitlab.example.com/team/_git/app",
		},
		"bitbucket personal forms": {
			"https://git.example.com/~alice/app",
			"https://git.example.com/scm/~alice/app",
			"https://git.example.com/users/alice/repos/app",
		},
		"ssh forms": {
			"git@git.example.com:team/app.git",
			"ssh://git@git.example.com:7999/scm/team/app.git",
			"git@git.example.com:team/_git/app",
		},
	}
	for name, urls := range tests {
		t.Run(name, func(t *testing.T) {
			seen := map[string]string{}
			for _, u := range urls {
				key, err := NormalizeURL(u)
				if err != nil {
					t.Fatalf("NormalizeURL(%q): %v", u, err)
				}
				if other, ok := seen[key]; ok {
					t.Errorf("%q and %q both normalise to %q", other, u, key)
				}
				seen[key] = u
			}
		})
	}
}

// TestKeys covers the keys a delivery looks GitRepos up by: Bitbucket
// Server's forms of one repository only for a Bitbucket Server delivery.
func TestKeys(t *testing.T) {
	bbs := []string{
		"bitbucket.example.com/scm/proj/repo", "bitbucket.example.com/proj/repo",
		"bitbucket.example.com/projects/proj/repos/repo", "bitbucket.example.com/projects/proj/repos/repo/browse",
	}
	personal := []string{
		"bitbucket.example.com/scm/~alice/repo", "bitbucket.example.com/~alice/repo",
		"bitbucket.example.com/users/alice/repos/repo", "bitbucket.example.com/users/alice/repos/repo/browse",
	}
	tests := map[string]struct {
		in     string
		layout Layout
		want   []string
	}{
		"plain keeps the path":        {"https://gitlab.example.com/scm/team/app.git", LayoutPlain, []string{"gitlab.example.com/scm/team/app"}},
		"bitbucket server http clone": {"https://bitbucket.example.com/scm/PROJ/repo.git", LayoutBitbucketServer, bbs},
		"bitbucket server ssh clone": {"ssh://git@bitbucket.example.com:7999/proj/repo.git", LayoutBitbucketServer,
			[]string{bbs[1], bbs[0], bbs[2], bbs[3]}},
		"bitbucket server browse": {"https://bitbucket.example.com/projects/PROJ/repos/repo/browse", LayoutBitbucketServer,
			[]string{bbs[3], bbs[0], bbs[1], bbs[2]}},
		"bitbucket server self": {"https://bitbucket.example.com/projects/PROJ/repos/repo", LayoutBitbucketServer,
			[]string{bbs[2], bbs[0], bbs[1], bbs[3]}},
		"bitbucket server personal": {"https://bitbucket.example.com/scm/~alice/repo.git", LayoutBitbucketServer, personal},
		"bitbucket server personal ui": {"https://bitbucket.example.com/users/alice/repos/repo/browse", LayoutBitbucketServer,
			[]string{personal[3], personal[0], personal[1], personal[2]}},
		"bitbucket server context path": {"https://example.com/bitbucket/scm/proj/repo.git", LayoutBitbucketServer, []string{
			"example.com/bitbucket/scm/proj/repo", "example.com/proj/repo",
			"example.com/bitbucket/projects/proj/repos/repo", "example.com/bitbucket/projects/proj/repos/repo/browse"}},
		"bitbucket server other layout": {"https://bitbucket.example.com/a/b/c/d/e/f", LayoutBitbucketServer,
			[]string{"bitbucket.example.com/a/b/c/d/e/f"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Keys(tc.in, tc.layout)
			if err != nil {
				t.Fatalf("Keys(%q): %v", tc.in, err)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("Keys(%q) =\n %q\nwant\n %q", tc.in, got, tc.want)
			}
		})
	}
	if LayoutOf("bitbucket-server") != LayoutBitbucketServer || LayoutOf("gitlab") != LayoutPlain {
		t.Error("LayoutOf does not map bitbucket-server alone to its layout")
	}
}

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"Git.Internal.Example.": "git.internal.example",
		"ssh.github.com":        "github.com",
		" gitlab.com ":          "gitlab.com",
	} {
		if got := NormalizeHost(in); got != want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", in, got, want)
		}
	}
}
