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

package gitsim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

func TestDeliverySignsTheWayEachProviderDoes(t *testing.T) {
	secret := []byte("s3cret")
	payload := []byte(`{"ref":"refs/heads/main"}`)
	form := []byte("payload=" + url.QueryEscape(string(payload)))
	cases := map[string]struct {
		provider string
		form     bool
		header   string
		want     string
	}{
		"github":                  {v1alpha1.SecretKeyGitHub, false, "X-Hub-Signature-256", "sha256=" + gitsim.SignHex(secret, payload)},
		"github signs the form":   {v1alpha1.SecretKeyGitHub, true, "X-Hub-Signature-256", "sha256=" + gitsim.SignHex(secret, form)},
		"gitlab token":            {v1alpha1.SecretKeyGitLab, false, "X-Gitlab-Token", "s3cret"},
		"bitbucket cloud":         {v1alpha1.SecretKeyBitbucket, false, "X-Hub-Signature", "sha256=" + gitsim.SignHex(secret, payload)},
		"bitbucket server":        {v1alpha1.SecretKeyBitbucketServer, false, "X-Hub-Signature", "sha256=" + gitsim.SignHex(secret, payload)},
		"gogs no prefix":          {v1alpha1.SecretKeyGogs, false, "X-Gogs-Signature", gitsim.SignHex(secret, payload)},
		"gogs signs the JSON":     {v1alpha1.SecretKeyGogs, true, "X-Gogs-Signature", gitsim.SignHex(secret, payload)},
		"gitea":                   {v1alpha1.SecretKeyGitea, false, "X-Gitea-Signature", gitsim.SignHex(secret, payload)},
		"gitea as github":         {v1alpha1.SecretKeyGitea, false, "X-Hub-Signature-256", "sha256=" + gitsim.SignHex(secret, payload)},
		"gitea form, JSON signed": {v1alpha1.SecretKeyGitea, true, "X-Gitea-Signature", gitsim.SignHex(secret, payload)},
		"azure basic auth, default user": {v1alpha1.SecretKeyAzurePassword, false, "Authorization",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("webhook:s3cret"))},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := gitsim.Delivery{Provider: tc.provider, Event: "push", Payload: payload, Secret: secret, Form: tc.form}
			h, body := d.Build()
			if got := h.Get(tc.header); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
			if tc.form != (string(body) == string(form)) {
				t.Errorf("body %q, form-encoded: %v", body, tc.form)
			}
			d.Secret = nil
			if unsigned, _ := d.Build(); unsigned.Get(tc.header) != "" {
				t.Errorf("unsigned delivery carries %s", tc.header)
			}
		})
	}
}

// TestPushRoundTrip sends each provider's push through the receiver's own
// provider code: detected as that provider, verified with the secret, parsed
// back to the ref and commit that were pushed.
func TestPushRoundTrip(t *testing.T) {
	cases := map[string]gitsim.Push{
		"github branch":    {Provider: v1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/org/app", Branch: "main", DefaultBranch: "main"},
		"gitlab tag":       {Provider: v1alpha1.SecretKeyGitLab, RepoURL: "https://gitlab.com/org/app", Tag: "v1"},
		"bitbucket":        {Provider: v1alpha1.SecretKeyBitbucket, RepoURL: "https://bitbucket.org/org/app", Branch: "main"},
		"bitbucket server": {Provider: v1alpha1.SecretKeyBitbucketServer, RepoURL: "https://bbs.example.com/scm/prj/app", Branch: "dev"},
		"gogs":             {Provider: v1alpha1.SecretKeyGogs, RepoURL: "https://gogs.example.com/org/app", Branch: "main"},
		"gitea tag":        {Provider: v1alpha1.SecretKeyGitea, RepoURL: "https://gitea.example.com/org/app", Tag: "v2"},
		"azure":            {Provider: v1alpha1.SecretKeyAzurePassword, RepoURL: "https://dev.azure.com/org/fleet%20qa/_git/app", Branch: "main"},
		"azure legacy tag": {Provider: v1alpha1.SecretKeyAzurePassword, RepoURL: "https://org.visualstudio.com/project/_git/app", Tag: "v3"},
	}
	secret := []byte(gitsim.RandomToken())
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			p.Commit = gitsim.RandomSHA()
			d, err := p.Delivery(secret)
			if err != nil {
				t.Fatal(err)
			}
			h, body := d.Build()
			got := provider.Detect(provider.All(), h)
			if got == nil || got.Key() != p.Provider {
				t.Fatalf("detected %v, want %s", got, p.Provider)
			}
			verifyWith := secret
			if p.Provider == v1alpha1.SecretKeyAzurePassword { // the credential the Secret's keys make
				verifyWith, _ = provider.SecretFromData(got, map[string][]byte{"azure-username": []byte("webhook"), "azure-password": secret})
			}
			if err := got.Verify(h, body, body, verifyWith); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if err := got.Verify(h, body, body, []byte("other")); err == nil {
				t.Fatal("verified with the wrong secret")
			}
			evs, kind, err := got.Parse(got.Event(h), body)
			if err != nil || kind != provider.KindPush || len(evs) != 1 {
				t.Fatalf("parse: %v %v %v", evs, kind, err)
			}
			ev := evs[0]
			if ev.Commit != p.Commit || ev.Branch != p.Branch || ev.Tag != p.Tag || ev.Provider != p.Provider {
				t.Errorf("parsed %+v from %+v", ev, p)
			}
			if got.Delivery(h) != p.DeliveryID && len(got.Delivery(h)) != 32 {
				t.Errorf("delivery id %q", got.Delivery(h))
			}
		})
	}
}

func TestPushBodyCarriesRepoURLs(t *testing.T) {
	cases := map[string]struct {
		push gitsim.Push
		want []string // substrings of the JSON body
	}{
		"github branch": {gitsim.Push{Provider: v1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/org/app", Branch: "main", DefaultBranch: "main"},
			[]string{`"ref":"refs/heads/main"`, `"html_url":"https://github.com/org/app"`, `"ssh_url":"git@github.com:org/app.git"`, `"default_branch":"main"`}},
		"gitlab tag": {gitsim.Push{Provider: v1alpha1.SecretKeyGitLab, RepoURL: "https://gitlab.com/org/app", Tag: "v1"},
			[]string{`"ref":"refs/tags/v1"`, `"object_kind":"tag_push"`, `"git_http_url":"https://gitlab.com/org/app.git"`}},
		"bitbucket": {gitsim.Push{Provider: v1alpha1.SecretKeyBitbucket, RepoURL: "https://bitbucket.org/org/app", Branch: "main"},
			[]string{`"href":"https://bitbucket.org/org/app"`, `"name":"main"`, `"type":"branch"`}},
		"bitbucket server": {gitsim.Push{Provider: v1alpha1.SecretKeyBitbucketServer, RepoURL: "https://bbs.example.com/scm/prj/app", Branch: "main"},
			[]string{`"href":"https://bbs.example.com/scm/prj/app.git"`, `"refId":"refs/heads/main"`, `"key":"PRJ"`}},
		"gogs .git stripped": {gitsim.Push{Provider: v1alpha1.SecretKeyGogs, RepoURL: "https://gogs.example.com/org/app.git", Branch: "dev"},
			[]string{`"ref":"refs/heads/dev"`, `"clone_url":"https://gogs.example.com/org/app.git"`}},
		"azure, space in project": {gitsim.Push{Provider: v1alpha1.SecretKeyAzurePassword, RepoURL: "https://dev.azure.com/org/fleet%20qa/_git/app", Branch: "main", DefaultBranch: "main"},
			[]string{`"eventType":"git.push"`, `"name":"refs/heads/main"`, `"remoteUrl":"https://org@dev.azure.com/org/fleet%20qa/_git/app"`,
				`"sshUrl":"git@ssh.dev.azure.com:v3/org/fleet%20qa/app"`, `"defaultBranch":"refs/heads/main"`, `"name":"fleet qa"`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tc.push
			p.Commit = gitsim.RandomSHA()
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

func TestPushBodyRefusesBadInput(t *testing.T) {
	cases := map[string]gitsim.Push{
		"unknown provider": {Provider: "svn", RepoURL: "https://example.com/org/app"},
		"relative URL":     {Provider: v1alpha1.SecretKeyGitHub, RepoURL: "org/app"},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := p.Body(); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestCurlCommandQuotes(t *testing.T) {
	h, _ := gitsim.Delivery{Provider: v1alpha1.SecretKeyGitLab, Event: "Push Hook", Payload: []byte("{}"), Secret: []byte("it's")}.Build()
	cmd := gitsim.CurlCommand("http://127.0.0.1:1/", h, "/tmp/body file.json")
	for _, want := range []string{`-H 'X-Gitlab-Token: it'\''s'`, `--data-binary @'/tmp/body file.json'`, `-H 'X-Gitlab-Event: Push Hook'`} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %s:\n%s", want, cmd)
		}
	}
}

// Fleet's Bitbucket Cloud form: no signature, the hook's UUID as the key.
func TestBitbucketHookUUID(t *testing.T) {
	h, _ := gitsim.Delivery{Provider: v1alpha1.SecretKeyBitbucket, Event: "repo:push", Payload: []byte(`{}`), HookUUID: "{my-hook}"}.Build()
	if h.Get("X-Hook-UUID") != "{my-hook}" || h.Get("X-Hub-Signature") != "" {
		t.Fatalf("headers %v", h)
	}
}
