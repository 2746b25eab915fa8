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
	"net/http"
	"strings"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// fuzzSecret signs the seeds; a fuzzed signature must never verify unless
// it is the right one.
var fuzzSecret = []byte("fuzz:secret") // with a colon: an Azure basic auth credential too

// fuzzProvider parses and verifies arbitrary input: no panic, and whatever
// parses as a push is a well-formed event. Seed corpora:
// testdata/fuzz/<FuzzName>, made from the provider's fixtures.
func fuzzProvider(f *testing.F, p provider.Provider, seeds map[string]string) {
	for fx, event := range seeds {
		payload := fixture(f, fx)
		h, _ := gitsim.Delivery{Provider: p.Key(), Event: event, Payload: payload, Secret: fuzzSecret}.Build()
		f.Add(event, payload, signatureOf(h))
	}
	f.Fuzz(func(t *testing.T, event string, payload []byte, sig string) {
		evs, kind, err := p.Parse(event, payload)
		if err == nil && kind == provider.KindPush {
			for _, e := range evs {
				if e.Provider != p.Key() || len(e.RepoURLs) == 0 || e.Ref == "" || (!e.Deleted && e.Commit == "") {
					t.Fatalf("ill-formed event %+v", e)
				}
				if (e.Branch != "" && !strings.HasSuffix(e.Ref, e.Branch)) || (e.Tag != "" && !strings.HasSuffix(e.Ref, e.Tag)) {
					t.Fatalf("branch/tag %q/%q do not match ref %q", e.Branch, e.Tag, e.Ref)
				}
			}
		}
		if kind != provider.KindPush && len(evs) != 0 {
			t.Fatalf("%v with events", kind)
		}
		// A fuzzed signature verifies only if it is the real one.
		h, _ := gitsim.Delivery{Provider: p.Key(), Event: event, Payload: payload, Secret: fuzzSecret}.Build()
		want := signatureOf(h)
		setSignature(h, sig)
		if err := p.Verify(h, payload, payload, fuzzSecret); err == nil && !strings.EqualFold(sig, want) {
			t.Fatalf("signature %q verified, want %q", sig, want)
		}
	})
}

// sigHeader is the header each provider's Verify reads.
func sigHeader(h http.Header) string {
	for _, k := range []string{"X-Gitea-Signature", "X-Gogs-Signature", "X-Hub-Signature-256", "X-Gitlab-Token", "X-Hub-Signature", "Authorization"} {
		if h.Get(k) != "" {
			return k
		}
	}
	return ""
}

func signatureOf(h http.Header) string { return h.Get(sigHeader(h)) }

func setSignature(h http.Header, sig string) { h.Set(sigHeader(h), sig) }

func FuzzGitHub(f *testing.F) {
	fuzzProvider(f, provider.GitHub{}, map[string]string{"github/push.json": "push", "github/push_tag.json": "push",
		"github/push_deleted.json": "push", "github/ping.json": "ping", "github/issues.json": "issues"})
}

func FuzzGitLab(f *testing.F) {
	fuzzProvider(f, provider.GitLab{}, map[string]string{"gitlab/push.json": "Push Hook", "gitlab/tag_push.json": "Tag Push Hook",
		"gitlab/push_deleted.json": "Push Hook", "gitlab/system_push.json": "System Hook", "gitlab/system_project_create.json": "System Hook"})
}

func FuzzBitbucket(f *testing.F) {
	fuzzProvider(f, provider.BitbucketCloud{}, map[string]string{"bitbucket/push.json": "repo:push",
		"bitbucket/push_deleted.json": "repo:push", "bitbucket/push_tag.json": "repo:push", "bitbucket/issue_created.json": "issue:created"})
}

func FuzzBitbucketServer(f *testing.F) {
	fuzzProvider(f, provider.BitbucketServer{}, map[string]string{"bitbucket-server/refs_changed.json": "repo:refs_changed",
		"bitbucket-server/refs_changed_deleted.json": "repo:refs_changed", "bitbucket-server/ping.json": "diagnostics:ping",
		"bitbucket-server/pr_opened.json": "pr:opened"})
}

func FuzzGogs(f *testing.F) {
	fuzzProvider(f, provider.Gogs{}, map[string]string{"gogs/push.json": "push", "gogs/push_tag.json": "push",
		"gogs/push_deleted.json": "push", "gogs/delete.json": "delete"})
}

func FuzzGitea(f *testing.F) {
	fuzzProvider(f, provider.Gitea{}, map[string]string{"gitea/push.json": "push", "gitea/push_tag.json": "push",
		"gitea/push_deleted.json": "push", "gitea/delete.json": "delete"})
}

func FuzzAzureDevOps(f *testing.F) {
	fuzzProvider(f, provider.AzureDevOps{}, map[string]string{"azure/push.json": "", "azure/push_tag.json": "",
		"azure/push_deleted.json": "", "azure/push_multi.json": "", "azure/test_sample.json": "", "azure/pr_created.json": ""})
}
