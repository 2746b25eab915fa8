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

package receiver

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// TestChangedFilesReachTheDispatcher: the files of every listed commit
// reach the dispatcher, from JSON and form-encoded bodies alike.
func TestChangedFilesReachTheDispatcher(t *testing.T) {
	for _, key := range []string{"github", "gitlab", "gitea", "gogs"} {
		for _, form := range []bool{false, true} {
			if form && key == "gitlab" {
				continue // GitLab sends JSON only.
			}
			t.Run(key+map[bool]string{false: " json", true: " form"}[form], func(t *testing.T) {
				ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
				p := gitsim.Push{Provider: key, RepoURL: "https://git.example.com/org/mono", Branch: "main", Commit: gitsim.RandomSHA(),
					Commits: []gitsim.Commit{{Added: []string{"apps/a/new.yaml"}}, {Modified: []string{"apps/b/x.yaml"}, Removed: []string{"apps/c/old.yaml"}}}}
				d, err := p.Delivery(secretOf(key))
				if err != nil {
					t.Fatal(err)
				}
				d.Form = form
				if r := do(t, d.Request(ts.URL)); r.code != http.StatusOK {
					t.Fatalf("status %d: %s", r.code, r.raw)
				}
				reqs := ts.d.requests()
				if len(reqs) != 1 || len(reqs[0].Events) != 1 {
					t.Fatalf("dispatched %+v, want one event", reqs)
				}
				ev := reqs[0].Events[0]
				want := []string{"apps/a/new.yaml", "apps/b/x.yaml", "apps/c/old.yaml"}
				if !ev.FilesComplete || !slices.Equal(ev.ChangedFiles, want) {
					t.Fatalf("files %q complete %v, want %q complete", ev.ChangedFiles, ev.FilesComplete, want)
				}
			})
		}
	}
}

// TestSkippedListedForAuthenticatedOnly: the answer names GitRepos skipped
// for their paths only to an authenticated request, like every GitRepo name.
func TestSkippedListedForAuthenticatedOnly(t *testing.T) {
	skipping := func(_ context.Context, req push.Request) (push.Result, error) {
		return push.Result{
			Written: []push.Trigger{{Namespace: "fleet-default", Name: "a", Commit: req.Events[0].Commit}},
			Skipped: []push.Skip{{Namespace: "fleet-default", Name: "b", Reason: "no change under spec.paths"}},
		}, nil
	}
	p := gitsim.Push{Provider: "github", RepoURL: "https://github.com/org/mono", Branch: "main", Commit: gitsim.RandomSHA(),
		Commits: gitsim.Changed("apps/a/x.yaml")}

	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	ts.d.fn = skipping
	req, err := p.NewRequest(context.Background(), ts.URL, secretOf("github"))
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, req)
	if r.code != http.StatusOK || r.body.Status != StatusTriggered ||
		len(r.body.Skipped) != 1 || r.body.Skipped[0] != (push.Skip{Namespace: "fleet-default", Name: "b", Reason: "no change under spec.paths"}) {
		t.Fatalf("authenticated answer %d %s, want b skipped", r.code, r.raw)
	}

	open := newTestServer(t, StaticSettings{Unsigned: map[string][]string{"github": {"github.com"}}}, Options{})
	open.d.fn = skipping
	req, err = p.NewRequest(context.Background(), open.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r = do(t, req)
	if r.code != http.StatusOK || len(r.body.Skipped) != 0 || strings.Contains(r.raw, `"b"`) {
		t.Fatalf("unauthenticated answer %d %s, want no GitRepo names", r.code, r.raw)
	}
}
