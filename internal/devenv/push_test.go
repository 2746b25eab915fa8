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

package devenv

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPushHeadersSignBody(t *testing.T) {
	secret := []byte("s3cret")
	cases := map[string]struct {
		provider string
		header   string
		// want builds the expected header value from the body's hex HMAC.
		want func(hexSig string) string
	}{
		"github":           {GitHub, "X-Hub-Signature-256", func(s string) string { return "sha256=" + s }},
		"gitlab token":     {GitLab, "X-Gitlab-Token", func(string) string { return "s3cret" }},
		"bitbucket cloud":  {Bitbucket, "X-Hub-Signature", func(s string) string { return "sha256=" + s }},
		"bitbucket server": {BitbucketServer, "X-Hub-Signature", func(s string) string { return "sha256=" + s }},
		"gogs no prefix":   {Gogs, "X-Gogs-Signature", func(s string) string { return s }},
		"gitea":            {Gitea, "X-Gitea-Signature", func(s string) string { return s }},
		"gitea as github":  {Gitea, "X-Hub-Signature-256", func(s string) string { return "sha256=" + s }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := Push{Provider: tc.provider, RepoURL: "https://git.example.com/org/repo", Branch: "main", Commit: RandomSHA()}
			body, err := p.Body()
			if err != nil {
				t.Fatal(err)
			}
			h := p.Headers(body, secret)
			if got, want := h.Get(tc.header), tc.want(HexHMAC(secret, body)); got != want {
				t.Errorf("%s = %q, want %q", tc.header, got, want)
			}
			if unsigned := p.Headers(body, nil); unsigned.Get(tc.header) != "" {
				t.Errorf("unsigned request carries %s", tc.header)
			}
		})
	}
}

func TestPushBodyCarriesRepoRefAndCommit(t *testing.T) {
	cases := map[string]struct {
		provider string
		push     Push
		want     []string // substrings of the JSON body
	}{
		"github branch": {GitHub, Push{RepoURL: "https://github.com/org/app", Branch: "main", DefaultBranch: "main"},
			[]string{`"ref":"refs/heads/main"`, `"html_url":"https://github.com/org/app"`, `"ssh_url":"git@github.com:org/app.git"`, `"default_branch":"main"`}},
		"gitlab tag": {GitLab, Push{RepoURL: "https://gitlab.com/org/app", Tag: "v1"},
			[]string{`"ref":"refs/tags/v1"`, `"object_kind":"tag_push"`, `"git_http_url":"https://gitlab.com/org/app.git"`}},
		"bitbucket": {Bitbucket, Push{RepoURL: "https://bitbucket.org/org/app", Branch: "main"},
			[]string{`"href":"https://bitbucket.org/org/app"`, `"name":"main"`, `"type":"branch"`}},
		"bitbucket server": {BitbucketServer, Push{RepoURL: "https://bbs.example.com/scm/prj/app", Branch: "main"},
			[]string{`"href":"https://bbs.example.com/scm/prj/app.git"`, `"refId":"refs/heads/main"`, `"key":"PRJ"`}},
		"gogs": {Gogs, Push{RepoURL: "https://gogs.example.com/org/app", Branch: "dev"},
			[]string{`"ref":"refs/heads/dev"`, `"clone_url":"https://gogs.example.com/org/app.git"`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tc.push
			p.Provider, p.Commit = tc.provider, RandomSHA()
			body, err := p.Body()
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(body) {
				t.Fatalf("invalid JSON: %s", body)
			}
			for _, w := range append(tc.want, p.Commit) {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
		})
	}
}

func TestSumMetric(t *testing.T) {
	text := []byte(`# HELP apiserver_request_total x
apiserver_request_total{code="200",resource="gitrepos",subresource="status",verb="PATCH"} 7
apiserver_request_total{code="200",resource="gitrepos",subresource="",verb="PATCH"} 2
apiserver_request_total{code="200",resource="gitrepos",subresource="",verb="GET"} 5
apiserver_request_total_other{resource="gitrepos",verb="PATCH"} 100
`)
	cases := map[string]struct {
		match map[string]string
		want  float64
	}{
		"every PATCH":     {map[string]string{"resource": "gitrepos", "verb": "PATCH"}, 9},
		"status only":     {map[string]string{"subresource": "status"}, 7},
		"no match":        {map[string]string{"verb": "DELETE"}, 0},
		"all of the name": {nil, 14},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := SumMetric(text, "apiserver_request_total", tc.match)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCurlCommandQuotes(t *testing.T) {
	h := Push{Provider: GitLab}.Headers([]byte("{}"), []byte("it's"))
	cmd := CurlCommand("http://127.0.0.1:1/", h, "/tmp/body file.json")
	for _, want := range []string{`-H 'X-Gitlab-Token: it'\''s'`, `--data-binary @'/tmp/body file.json'`, `-H 'X-Gitlab-Event: Push Hook'`} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %s:\n%s", want, cmd)
		}
	}
}
