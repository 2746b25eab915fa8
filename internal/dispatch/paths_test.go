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

package dispatch

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

const monorepo = "https://git.example.com/org/mono"

// monorepoGitRepos are GitRepos on one repository with different paths.
func monorepoGitRepos() []*fleet.GitRepo {
	gr := func(name string, paths ...string) *fleet.GitRepo {
		g := testGitRepo(name, monorepo, "main")
		g.Spec.Paths = paths
		return g
	}
	charts := gr("b-charts", "apps/b")
	charts.Annotations = map[string]string{v1alpha1.AnnotationWatchPaths: "charts/"}
	return []*fleet.GitRepo{gr("a", "apps/a"), gr("b", "apps/b"), gr("star", "apps/*"), gr("whole"), charts}
}

// manyCommits is a push of n commits, the last one touching apps/a: more
// than any provider lists.
func manyCommits(n int) []gitsim.Commit {
	out := make([]gitsim.Commit, n)
	for i := range out {
		out[i].Modified = []string{fmt.Sprintf("docs/%d.md", i)}
	}
	out[n-1].Modified = []string{"apps/a/x.yaml"}
	return out
}

// TestPathAware: a path-aware receiver triggers only the GitRepos whose
// paths a push touched, for pushes shaped like each provider's payloads
// (built by gitsim, parsed by the provider), and everything when the
// provider gives no file list or the list may be incomplete.
func TestPathAware(t *testing.T) {
	all := []string{"a", "b", "b-charts", "star", "whole"}
	fileLists := map[string]bool{"github": true, "gitlab": true, "gitea": true, "gogs": true}
	cases := map[string]struct {
		push      gitsim.Push
		notAware  bool
		triggered []string // with file lists; without, every GitRepo
	}{
		"apps/a/x.yaml changed": {push: gitsim.Push{Commits: gitsim.Changed("apps/a/x.yaml")},
			triggered: []string{"a", "star", "whole"}},
		"apps/a/x.yaml removed": {push: gitsim.Push{Commits: []gitsim.Commit{{Removed: []string{"apps/a/x.yaml"}}}},
			triggered: []string{"a", "star", "whole"}},
		"charts/common/values.yaml changed: watch-paths": {push: gitsim.Push{Commits: gitsim.Changed("charts/common/values.yaml")},
			triggered: []string{"b-charts", "whole"}},
		"truncated commit list":       {push: gitsim.Push{Commits: manyCommits(25)}, triggered: all},
		"new branch":                  {push: gitsim.Push{Created: true, Commits: gitsim.Changed("apps/a/x.yaml")}, triggered: all},
		"no commits in the payload":   {push: gitsim.Push{}, triggered: all},
		"receiver is not path-aware":  {push: gitsim.Push{Commits: gitsim.Changed("apps/a/x.yaml")}, notAware: true, triggered: all},
		"a file outside every path":   {push: gitsim.Push{Commits: gitsim.Changed("README.md")}, triggered: []string{"whole"}},
		"files under two GitRepos":    {push: gitsim.Push{Commits: gitsim.Changed("apps/a/x.yaml", "apps/b/y.yaml")}, triggered: []string{"a", "b", "b-charts", "star", "whole"}},
		"GitHub force push (flagged)": {push: gitsim.Push{Provider: "github", Forced: true, Commits: gitsim.Changed("apps/a/x.yaml")}, triggered: all},
	}
	for name, tc := range cases {
		for _, p := range provider.All() {
			if tc.push.Provider != "" && tc.push.Provider != p.Key() {
				continue
			}
			t.Run(name+" "+p.Key(), func(t *testing.T) {
				want := tc.triggered
				if !fileLists[p.Key()] {
					want = all
				}
				var skipped []string
				for _, g := range all {
					if !slices.Contains(want, g) {
						skipped = append(skipped, g)
					}
				}
				checkPathAware(t, p, tc.push, !tc.notAware, want, skipped)
			})
		}
	}
}

func checkPathAware(t *testing.T, p provider.Provider, gp gitsim.Push, aware bool, wantTriggered, wantSkipped []string) {
	t.Helper()
	grs := monorepoGitRepos()
	objs := make([]client.Object, len(grs))
	for i, g := range grs {
		objs[i] = g
	}
	fe := newFakeEnv(t, Options{}, objs...)
	setPathAware(t, fe, aware)
	defer fe.run()()

	gp.Provider, gp.RepoURL, gp.Branch, gp.DefaultBranch, gp.Commit = p.Key(), monorepo, "main", "main", gitsim.RandomSHA()
	body, err := gp.Body()
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := p.Parse(gp.Event(), body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	skipsBefore := testutil.ToFloat64(pathSkips)
	res, err := fe.d.Dispatch(context.Background(), push.Request{Events: evs, Authenticated: true})
	if err != nil {
		t.Fatal(err)
	}
	var triggered, skipped []string
	for _, w := range res.Written {
		triggered = append(triggered, w.Name)
	}
	for _, s := range res.Skipped {
		if s.Reason != gitrepo.ReasonNoPathChange || s.Namespace != testNS {
			t.Errorf("skip %+v, want reason %q", s, gitrepo.ReasonNoPathChange)
		}
		skipped = append(skipped, s.Name)
	}
	slices.Sort(triggered)
	slices.Sort(skipped)
	if !slices.Equal(triggered, wantTriggered) || !slices.Equal(skipped, wantSkipped) || len(res.Pending) != 0 {
		t.Fatalf("triggered %v skipped %v pending %v, want triggered %v skipped %v", triggered, skipped, res.Pending, wantTriggered, wantSkipped)
	}
	if got := testutil.ToFloat64(pathSkips) - skipsBefore; got != float64(len(wantSkipped)) {
		t.Errorf("path skips metric +%v, want +%d", got, len(wantSkipped))
	}
	for _, name := range wantSkipped {
		if c := fe.gitRepo(t, name).Status.WebhookCommit; c != "" {
			t.Errorf("skipped GitRepo %s was written (webhookCommit %q)", name, c)
		}
	}
	if s, _ := fe.counts(); s != len(wantTriggered) {
		t.Errorf("%d status writes, want %d", s, len(wantTriggered))
	}
}

func setPathAware(t *testing.T, fe *fakeEnv, aware bool) {
	t.Helper()
	wr := testReceiver()
	if err := fe.c.Get(context.Background(), client.ObjectKeyFromObject(wr), wr); err != nil {
		t.Fatal(err)
	}
	wr.Spec.Targets.PathAware = aware
	if err := fe.c.Update(context.Background(), wr); err != nil {
		t.Fatal(err)
	}
}

// TestPathAwareSkipLosesToATriggerOfTheSameRequest: a request with several
// events (Bitbucket changes several refs at once) lists a GitRepo as skipped
// only when none of its events triggered it.
func TestPathAwareSkipLosesToATriggerOfTheSameRequest(t *testing.T) {
	g := testGitRepo("b", monorepo, "main")
	g.Spec.Paths = []string{"apps/b"}
	fe := newFakeEnv(t, Options{}, g)
	setPathAware(t, fe, true)
	defer fe.run()()
	ev := func(files ...string) push.Event {
		return push.Event{Provider: "github", RepoURLs: []string{monorepo}, Ref: "refs/heads/main", Branch: "main",
			Commit: gitsim.RandomSHA(), ChangedFiles: files, FilesComplete: true}
	}
	res, err := fe.d.Dispatch(context.Background(), push.Request{Authenticated: true,
		Events: []push.Event{ev("apps/a/x.yaml"), ev("apps/b/x.yaml"), ev("apps/a/y.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || len(res.Skipped) != 0 {
		t.Fatalf("result %+v, want b written and nothing skipped", res)
	}
}
