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
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetect(t *testing.T) {
	push := func(key, event string, secret []byte) gitsim.Delivery {
		return gitsim.Delivery{Provider: key, Event: event, Payload: []byte(`{}`), Secret: secret}
	}
	signed := []byte("s")
	cases := map[string]struct {
		delivery gitsim.Delivery
		// edit changes the headers before detection (may be nil).
		edit func(http.Header)
		// want is the detected provider's key, "" for none.
		want string
		// wantID is the delivery id read back, "" to not check it.
		wantID string
	}{
		"github":           {delivery: push("github", "push", signed), want: "github", wantID: gitsim.DeliveryID},
		"gitlab":           {delivery: push("gitlab", "push", signed), want: "gitlab", wantID: gitsim.DeliveryID},
		"bitbucket":        {delivery: push("bitbucket", "push", signed), want: "bitbucket", wantID: gitsim.DeliveryID},
		"bitbucket-server": {delivery: push("bitbucket-server", "push", signed), want: "bitbucket-server", wantID: gitsim.DeliveryID},
		"gogs":             {delivery: push("gogs", "push", signed), want: "gogs", wantID: gitsim.DeliveryID},
		"gitea":            {delivery: push("gitea", "push", signed), want: "gitea", wantID: gitsim.DeliveryID},
		"azure devops":     {delivery: push("azure-password", "git.push", signed), want: "azure-password", wantID: gitsim.DeliveryID},
		"azure subscription id only": {delivery: push("azure-password", "git.push", nil),
			edit: func(h http.Header) { h.Del("X-Vss-ActivityId") }, want: "azure-password"},
		"bitbucket cloud without hook uuid": {delivery: push("bitbucket", "repo:push", nil),
			edit: func(h http.Header) { h.Del("X-Hook-UUID") }, want: "bitbucket"},
		"forgejo only": {delivery: push("github", "push", nil),
			edit: func(h http.Header) { h.Set("X-Forgejo-Event", "push") }, want: "gitea"},
		"none": {delivery: push("github", "push", nil),
			edit: func(h http.Header) { h.Del("X-GitHub-Event") }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h, _ := tc.delivery.Build()
			if tc.edit != nil {
				tc.edit(h)
			}
			p := provider.Detect(provider.All(), h)
			if tc.want == "" {
				if p != nil {
					t.Fatalf("Detect = %s, want none", p.Key())
				}
				return
			}
			if p == nil || p.Key() != tc.want {
				t.Fatalf("Detect = %v, want %s", p, tc.want)
			}
			if got := p.Delivery(h); tc.wantID != "" && got != tc.wantID {
				t.Errorf("Delivery = %q, want %q", got, tc.wantID)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	// A colon makes it an Azure DevOps basic auth credential too.
	secret := []byte("webhook:s3cr3t")
	payload := fixture(t, "github/push.json")
	type tc struct {
		provider string
		form     bool
		mutate   func(h map[string][]string, body []byte) []byte
		secret   []byte
		wantErr  error
	}
	cases := map[string]tc{}
	for _, p := range provider.All() {
		k := p.Key()
		cases[k+" valid"] = tc{provider: k}
		cases[k+" wrong secret"] = tc{provider: k, secret: []byte("other"), wantErr: provider.ErrBadSignature}
		cases[k+" missing signature"] = tc{provider: k, secret: []byte{}, wantErr: provider.ErrMissingSignature}
		if k == "bitbucket" { // Bitbucket always sends X-Hook-UUID: an unsigned delivery is checked by it
			cases[k+" missing signature"] = tc{provider: k, secret: []byte{}, wantErr: provider.ErrBadSignature}
		}
		if k != "gitlab" && k != "azure-password" { // GitLab's token and Azure's basic auth do not cover the body.
			cases[k+" tampered body"] = tc{provider: k, wantErr: provider.ErrBadSignature,
				mutate: func(_ map[string][]string, b []byte) []byte { return append(b[:len(b)-2:len(b)-2], ' ', '}') }}
		}
	}
	for _, k := range []string{"github", "gogs", "gitea"} {
		cases[k+" form"] = tc{provider: k, form: true}
	}
	cases["github sha1 only refused"] = tc{provider: "github", wantErr: provider.ErrMissingSignature,
		mutate: func(h map[string][]string, b []byte) []byte { delete(h, "X-Hub-Signature-256"); return b }}
	cases["github sha256 prefix required"] = tc{provider: "github", wantErr: provider.ErrBadSignature,
		mutate: func(h map[string][]string, b []byte) []byte {
			h["X-Hub-Signature-256"] = []string{h["X-Hub-Signature-256"][0][len("sha256="):]}
			return b
		}}
	cases["bitbucket non-hex"] = tc{provider: "bitbucket", wantErr: provider.ErrBadSignature,
		mutate: func(h map[string][]string, b []byte) []byte { h["X-Hub-Signature"] = []string{"sha256=zz"}; return b }}
	// Fleet's Bitbucket Cloud check: unsigned, X-Hook-UUID is the key.
	cases["bitbucket hook uuid"] = tc{provider: "bitbucket", secret: []byte{},
		mutate: func(h map[string][]string, b []byte) []byte { h["X-Hook-Uuid"] = []string{string(secret)}; return b }}
	cases["bitbucket other hook uuid"] = tc{provider: "bitbucket", secret: []byte{}, wantErr: provider.ErrBadSignature,
		mutate: func(h map[string][]string, b []byte) []byte { h["X-Hook-Uuid"] = []string{"{another-hook}"}; return b }}
	cases["bitbucket hook uuid does not excuse a bad signature"] = tc{provider: "bitbucket", secret: []byte("other"), wantErr: provider.ErrBadSignature,
		mutate: func(h map[string][]string, b []byte) []byte { h["X-Hook-Uuid"] = []string{string(secret)}; return b }}
	cases["bitbucket neither"] = tc{provider: "bitbucket", secret: []byte{}, wantErr: provider.ErrMissingSignature,
		mutate: func(h map[string][]string, b []byte) []byte { delete(h, "X-Hook-Uuid"); return b }}
	cases["azure wrong username"] = tc{provider: "azure-password", secret: []byte("fleet:s3cr3t"), wantErr: provider.ErrBadSignature}
	cases["azure empty password"] = tc{provider: "azure-password", secret: []byte("webhook:"), wantErr: provider.ErrBadSignature}
	cases["azure not basic"] = tc{provider: "azure-password", wantErr: provider.ErrMissingSignature,
		mutate: func(h map[string][]string, b []byte) []byte {
			h["Authorization"] = []string{"Bearer " + string(secret)}
			return b
		}}
	cases["azure lower-case scheme"] = tc{provider: "azure-password",
		mutate: func(h map[string][]string, b []byte) []byte {
			h["Authorization"] = []string{"basic" + h["Authorization"][0][len("Basic"):]}
			return b
		}}

	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			signWith := secret
			if c.secret != nil {
				signWith = c.secret
				if len(c.secret) == 0 {
					signWith = nil
				}
			}
			h, body := gitsim.Delivery{Provider: c.provider, Event: "push", Payload: payload, Secret: signWith, Form: c.form}.Build()
			if c.mutate != nil {
				body = c.mutate(h, body)
			}
			p := provider.Detect(provider.All(), h)
			jsonPayload := body
			if c.form {
				jsonPayload = payload
			}
			err := p.Verify(h, body, jsonPayload, secret)
			if c.wantErr == nil && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, c.wantErr)
			}
		})
	}
}

// TestVerifyBeforeBody: the check on the headers alone, before the body is
// read, tells a missing signature from a present one, and never passes a
// body signature it has no body to check (an empty body's included).
func TestVerifyBeforeBody(t *testing.T) {
	secret := []byte("s3cr3t")
	for _, k := range []string{"github", "bitbucket", "bitbucket-server", "gogs", "gitea"} {
		for name, c := range map[string]struct {
			signed  bool
			wantErr error
		}{"signed": {true, provider.ErrBadSignature}, "unsigned": {false, provider.ErrMissingSignature}} {
			t.Run(k+" "+name, func(t *testing.T) {
				d := gitsim.Delivery{Provider: k, Event: "push", Payload: []byte{}}
				if c.signed {
					d.Secret = secret
				}
				h, _ := d.Build()
				if k == "bitbucket" {
					h.Del("X-Hook-UUID") // else the UUID check applies, not the signature's
				}
				p := provider.Detect(provider.All(), h)
				if err := p.Verify(h, nil, nil, secret); !errors.Is(err, c.wantErr) {
					t.Fatalf("Verify before the body = %v, want %v", err, c.wantErr)
				}
			})
		}
	}
}

func TestParse(t *testing.T) {
	gh := []string{"https://github.com/example-org/fleet-examples", "https://github.com/example-org/fleet-examples.git", "git@github.com:example-org/fleet-examples.git"}
	gl := []string{"https://gitlab.example.com/mike/diaspora", "https://gitlab.example.com/mike/diaspora.git", "git@gitlab.example.com:mike/diaspora.git"}
	bb := []string{"https://bitbucket.org/example-team/fleet-config"}
	bbs := []string{"ssh://git@bitbucket.example.com:7999/ops/fleet-config.git", "https://bitbucket.example.com/scm/ops/fleet-config.git", "https://bitbucket.example.com/projects/OPS/repos/fleet-config/browse"}
	gitea := []string{"https://gitea.example.com/ops/fleet-config", "https://gitea.example.com/ops/fleet-config.git", "git@gitea.example.com:ops/fleet-config.git"}
	gogs := []string{"https://gogs.example.com/ops/fleet-config", "https://gogs.example.com/ops/fleet-config.git", "git@gogs.example.com:ops/fleet-config.git"}
	azure := []string{"https://example-org@dev.azure.com/example-org/fleet%20qa/_git/fleet-examples",
		"git@ssh.dev.azure.com:v3/example-org/fleet%20qa/fleet-examples", "https://dev.azure.com/example-org/fleet%20qa/_git/fleet-examples"}

	cases := map[string]struct {
		provider provider.Provider
		event    string
		fixture  string
		kind     provider.Kind
		want     []push.Event
		wantErr  bool
	}{
		"github push": {provider.GitHub{}, "push", "github/push.json", provider.KindPush, []push.Event{{
			Provider: "github", RepoURLs: gh, Ref: "refs/heads/main", Branch: "main",
			Commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", DefaultBranch: "main",
			ChangedFiles: []string{"multi-cluster/kustomize/fleet.yaml", "multi-cluster/kustomize/overlays/staging/kustomization.yaml",
				"single-cluster/helm/fleet.yaml"}, FilesComplete: true}}, false},
		"github tag": {provider.GitHub{}, "push", "github/push_tag.json", provider.KindPush, []push.Event{{
			Provider: "github", RepoURLs: gh, Ref: "refs/tags/v1.4.0", Tag: "v1.4.0",
			Commit: "7c1f0d8e9a3b2c4d5e6f708192a3b4c5d6e7f801", DefaultBranch: "main"}}, false},
		"github deleted": {provider.GitHub{}, "push", "github/push_deleted.json", provider.KindPush, []push.Event{{
			Provider: "github", RepoURLs: gh, Ref: "refs/heads/feature/old", Branch: "feature/old",
			DefaultBranch: "main", Deleted: true}}, false},
		"github ping":                     {provider.GitHub{}, "ping", "github/ping.json", provider.KindPing, nil, false},
		"github issues":                   {provider.GitHub{}, "issues", "github/issues.json", provider.KindIgnored, nil, false},
		"github push of an issue payload": {provider.GitHub{}, "push", "github/issues.json", provider.KindPush, nil, true},
		"gitlab push": {provider.GitLab{}, "Push Hook", "gitlab/push.json", provider.KindPush, []push.Event{{
			Provider: "gitlab", RepoURLs: gl, Ref: "refs/heads/main", Branch: "main",
			Commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", DefaultBranch: "main",
			ChangedFiles: []string{"CHANGELOG", "app/controller/application.rb"}, FilesComplete: true}}, false},
		"gitlab tag uses checkout_sha": {provider.GitLab{}, "Tag Push Hook", "gitlab/tag_push.json", provider.KindPush, []push.Event{{
			Provider: "gitlab", RepoURLs: gl, Ref: "refs/tags/v1.0.0", Tag: "v1.0.0",
			Commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", DefaultBranch: "main"}}, false},
		"gitlab deleted": {provider.GitLab{}, "Push Hook", "gitlab/push_deleted.json", provider.KindPush, []push.Event{{
			Provider: "gitlab", RepoURLs: gl, Ref: "refs/heads/feature/old", Branch: "feature/old",
			DefaultBranch: "main", Deleted: true}}, false},
		"gitlab system hook push": {provider.GitLab{}, "System Hook", "gitlab/system_push.json", provider.KindPush, []push.Event{{
			Provider: "gitlab", RepoURLs: gl, Ref: "refs/heads/main", Branch: "main",
			Commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", DefaultBranch: "main",
			ChangedFiles: []string{"CHANGELOG", "app/controller/application.rb"}, FilesComplete: true}}, false},
		"gitlab system hook other": {provider.GitLab{}, "System Hook", "gitlab/system_project_create.json", provider.KindIgnored, nil, false},
		"gitlab issue":             {provider.GitLab{}, "Issue Hook", "gitlab/issue.json", provider.KindIgnored, nil, false},
		"bitbucket every change": {provider.BitbucketCloud{}, "repo:push", "bitbucket/push.json", provider.KindPush, []push.Event{
			{Provider: "bitbucket", RepoURLs: bb, Ref: "refs/heads/main", Branch: "main", Commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
			{Provider: "bitbucket", RepoURLs: bb, Ref: "refs/tags/v2.3.0", Tag: "v2.3.0", Commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
		}, false},
		"bitbucket deleted": {provider.BitbucketCloud{}, "repo:push", "bitbucket/push_deleted.json", provider.KindPush, []push.Event{
			{Provider: "bitbucket", RepoURLs: bb, Ref: "refs/heads/feature/old", Branch: "feature/old", Deleted: true},
		}, false},
		"bitbucket issue": {provider.BitbucketCloud{}, "issue:created", "bitbucket/issue_created.json", provider.KindIgnored, nil, false},
		"bitbucket server every change": {provider.BitbucketServer{}, "repo:refs_changed", "bitbucket-server/refs_changed.json", provider.KindPush, []push.Event{
			{Provider: "bitbucket-server", RepoURLs: bbs, Ref: "refs/heads/main", Branch: "main", Commit: "178864a7d521b6f5e720b386b2c2b0ef8563e0dc"},
			{Provider: "bitbucket-server", RepoURLs: bbs, Ref: "refs/tags/v2.3.0", Tag: "v2.3.0", Commit: "178864a7d521b6f5e720b386b2c2b0ef8563e0dc"},
		}, false},
		"bitbucket server deleted": {provider.BitbucketServer{}, "repo:refs_changed", "bitbucket-server/refs_changed_deleted.json", provider.KindPush, []push.Event{
			{Provider: "bitbucket-server", RepoURLs: bbs, Ref: "refs/heads/feature/old", Branch: "feature/old", Deleted: true},
		}, false},
		"bitbucket server ping": {provider.BitbucketServer{}, "diagnostics:ping", "bitbucket-server/ping.json", provider.KindPing, nil, false},
		"bitbucket server pr":   {provider.BitbucketServer{}, "pr:opened", "bitbucket-server/pr_opened.json", provider.KindIgnored, nil, false},
		"gitea push": {provider.Gitea{}, "push", "gitea/push.json", provider.KindPush, []push.Event{{
			Provider: "gitea", RepoURLs: gitea, Ref: "refs/heads/main", Branch: "main",
			Commit: "bffeb74224043ba2feb48d137756c8a9331c449a", DefaultBranch: "main",
			ChangedFiles: []string{"fleet.yaml", "overlays/staging/kustomization.yaml"}, FilesComplete: true}}, false},
		"gitea tag": {provider.Gitea{}, "push", "gitea/push_tag.json", provider.KindPush, []push.Event{{
			Provider: "gitea", RepoURLs: gitea, Ref: "refs/tags/v2.3.0", Tag: "v2.3.0",
			Commit: "bffeb74224043ba2feb48d137756c8a9331c449a", DefaultBranch: "main"}}, false},
		"gitea deleted": {provider.Gitea{}, "push", "gitea/push_deleted.json", provider.KindPush, []push.Event{{
			Provider: "gitea", RepoURLs: gitea, Ref: "refs/heads/feature/old", Branch: "feature/old",
			DefaultBranch: "main", Deleted: true}}, false},
		"gitea delete event": {provider.Gitea{}, "delete", "gitea/delete.json", provider.KindIgnored, nil, false},
		"gogs push": {provider.Gogs{}, "push", "gogs/push.json", provider.KindPush, []push.Event{{
			Provider: "gogs", RepoURLs: gogs, Ref: "refs/heads/main", Branch: "main",
			Commit: "bffeb74224043ba2feb48d137756c8a9331c449a", DefaultBranch: "main",
			ChangedFiles: []string{"fleet.yaml", "overlays/staging/kustomization.yaml"}, FilesComplete: true}}, false},
		"gogs tag": {provider.Gogs{}, "push", "gogs/push_tag.json", provider.KindPush, []push.Event{{
			Provider: "gogs", RepoURLs: gogs, Ref: "refs/tags/v2.3.0", Tag: "v2.3.0",
			Commit: "bffeb74224043ba2feb48d137756c8a9331c449a", DefaultBranch: "main"}}, false},
		"gogs deleted": {provider.Gogs{}, "push", "gogs/push_deleted.json", provider.KindPush, []push.Event{{
			Provider: "gogs", RepoURLs: gogs, Ref: "refs/heads/feature/old", Branch: "feature/old",
			DefaultBranch: "main", Deleted: true}}, false},
		"gogs delete event": {provider.Gogs{}, "delete", "gogs/delete.json", provider.KindIgnored, nil, false},
		"azure push": {provider.AzureDevOps{}, "", "azure/push.json", provider.KindPush, []push.Event{{
			Provider: "azure-password", RepoURLs: azure, Ref: "refs/heads/main", Branch: "main",
			Commit: "3f6c1a9e2b7d4c8e0a5f1b3d7e9c2a4f6b8d0e1c", DefaultBranch: "main"}}, false},
		"azure tag": {provider.AzureDevOps{}, "", "azure/push_tag.json", provider.KindPush, []push.Event{{
			Provider: "azure-password", RepoURLs: azure, Ref: "refs/tags/v1.2.0", Tag: "v1.2.0",
			Commit: "3f6c1a9e2b7d4c8e0a5f1b3d7e9c2a4f6b8d0e1c", DefaultBranch: "main"}}, false},
		"azure deleted": {provider.AzureDevOps{}, "", "azure/push_deleted.json", provider.KindPush, []push.Event{{
			Provider: "azure-password", RepoURLs: azure, Ref: "refs/heads/old-feature", Branch: "old-feature",
			DefaultBranch: "main", Deleted: true}}, false},
		"azure every ref update": {provider.AzureDevOps{}, "", "azure/push_multi.json", provider.KindPush, []push.Event{
			{Provider: "azure-password", RepoURLs: azure, Ref: "refs/heads/main", Branch: "main",
				Commit: "3f6c1a9e2b7d4c8e0a5f1b3d7e9c2a4f6b8d0e1c", DefaultBranch: "main"},
			{Provider: "azure-password", RepoURLs: azure, Ref: "refs/tags/v1.2.0", Tag: "v1.2.0",
				Commit: "3f6c1a9e2b7d4c8e0a5f1b3d7e9c2a4f6b8d0e1c", DefaultBranch: "main"},
			{Provider: "azure-password", RepoURLs: azure, Ref: "refs/heads/old-feature", Branch: "old-feature",
				DefaultBranch: "main", Deleted: true},
		}, false},
		"azure test button sample": {provider.AzureDevOps{}, "", "azure/test_sample.json", provider.KindPush, []push.Event{{
			Provider: "azure-password", RepoURLs: []string{"https://fabrikam-fiber-inc.visualstudio.com/DefaultCollection/_git/Fabrikam-Fiber-Git"},
			Ref: "refs/heads/master", Branch: "master", Commit: "33b55f7cb7e7e245323987634f960cf4a6e6bc74", DefaultBranch: "master"}}, false},
		"azure pull request": {provider.AzureDevOps{}, "", "azure/pr_created.json", provider.KindIgnored, nil, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, kind, err := c.provider.Parse(c.event, fixture(t, c.fixture))
			if c.wantErr {
				if !errors.Is(err, provider.ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if kind != c.kind {
				t.Errorf("kind = %v, want %v", kind, c.kind)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("events:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, p := range provider.All() {
		event := p.Events()[0]
		for name, body := range map[string]string{
			"truncated": `{"ref": "refs/heads/main", "repository": {`,
			"empty":     ``,
			"array":     `[]`,
			"null":      `null`,
			"no repo":   `{"ref":"refs/heads/main","after":"abc","changes":[{"refId":"refs/heads/main","toHash":"abc"}],"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"abc"}}}]}}`,
		} {
			t.Run(p.Key()+" "+name, func(t *testing.T) {
				_, _, err := p.Parse(event, []byte(body))
				if !errors.Is(err, provider.ErrMalformed) {
					t.Fatalf("Parse = %v, want ErrMalformed", err)
				}
			})
		}
	}
}
