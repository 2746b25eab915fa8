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
	"fmt"
	"slices"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// commits is a push of n commits, commit i modifying apps/<i>/x.yaml.
func commits(n int) []gitsim.Commit {
	out := make([]gitsim.Commit, n)
	for i := range out {
		out[i].Modified = []string{fmt.Sprintf("apps/%d/x.yaml", i)}
	}
	return out
}

// TestChangedFiles: which pushes give a complete file list, per provider,
// with payloads shaped like each provider's (gitsim).
func TestChangedFiles(t *testing.T) {
	type want = filesWant
	incomplete := want{}
	one := want{files: []string{"apps/a/x.yaml"}, complete: true}
	fileLists := []string{"github", "gitlab", "gitea", "gogs"}
	cases := map[string]struct {
		push gitsim.Push
		// want per provider; providers not named get incomplete.
		want map[string]want
	}{
		"one commit": {push: gitsim.Push{Commits: gitsim.Changed("apps/a/x.yaml")},
			want: map[string]want{"github": one, "gitlab": one, "gitea": one, "gogs": one}},
		"added, modified and removed over two commits, sorted and distinct": {
			push: gitsim.Push{Commits: []gitsim.Commit{
				{Added: []string{"b/new.yaml"}, Removed: []string{"a/old.yaml"}},
				{Modified: []string{"b/new.yaml", "c/x.yaml"}, Removed: []string{"d/gone.yaml"}},
			}},
			want: each(fileLists, want{files: []string{"a/old.yaml", "b/new.yaml", "c/x.yaml", "d/gone.yaml"}, complete: true})},
		"no commits key":                 {push: gitsim.Push{}},
		"empty commit list (tag, reset)": {push: gitsim.Push{Commits: []gitsim.Commit{}}},
		"commits listing no files":       {push: gitsim.Push{Commits: []gitsim.Commit{{}}}},
		"created ref":                    {push: gitsim.Push{Created: true, Commits: gitsim.Changed("apps/a/x.yaml")}},
		"forced push, where the payload says so": {push: gitsim.Push{Forced: true, Commits: gitsim.Changed("apps/a/x.yaml")},
			want: map[string]want{"gitlab": one, "gitea": one, "gogs": one}},
		"25 commits: cut by every provider": {push: gitsim.Push{Commits: commits(25)}},
		"5 commits: Gogs may have cut, Gitea says the total": {push: gitsim.Push{Commits: commits(5)},
			want: each([]string{"github", "gitlab", "gitea"}, want{files: paths(5), complete: true})},
		"more files than kept: incomplete": {push: gitsim.Push{Commits: []gitsim.Commit{{Added: manyFiles(provider.MaxChangedFiles + 1)}}}},
		"as many files as kept": {push: gitsim.Push{Commits: []gitsim.Commit{{Added: manyFiles(provider.MaxChangedFiles)}}},
			want: each(fileLists, want{files: manyFiles(provider.MaxChangedFiles), complete: true})},
		"6 commits: Gitea cut at 5": {push: gitsim.Push{Commits: commits(6)},
			want: each([]string{"github", "gitlab"}, want{files: paths(6), complete: true})},
	}
	for name, tc := range cases {
		for _, p := range provider.All() {
			t.Run(name+" "+p.Key(), func(t *testing.T) {
				push := tc.push
				push.Provider, push.RepoURL, push.Branch, push.Commit = p.Key(), "https://git.example.com/org/mono", "main", gitsim.RandomSHA()
				body, err := push.Body()
				if err != nil {
					t.Fatal(err)
				}
				evs, _, err := p.Parse(push.Event(), body)
				if err != nil || len(evs) != 1 {
					t.Fatalf("Parse: %v, %d events", err, len(evs))
				}
				w, ok := tc.want[p.Key()]
				if !ok {
					w = incomplete
				}
				if evs[0].FilesComplete != w.complete || !slices.Equal(evs[0].ChangedFiles, w.files) {
					t.Fatalf("files %q complete %v, want %q complete %v", evs[0].ChangedFiles, evs[0].FilesComplete, w.files, w.complete)
				}
			})
		}
	}
}

// filesWant is a push's expected ChangedFiles and FilesComplete.
type filesWant struct {
	files    []string
	complete bool
}

// each expects w from every provider named.
func each(providers []string, w filesWant) map[string]filesWant {
	out := map[string]filesWant{}
	for _, p := range providers {
		out[p] = w
	}
	return out
}

func paths(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("apps/%d/x.yaml", i)
	}
	slices.Sort(out)
	return out
}

// manyFiles is n distinct paths, sorted.
func manyFiles(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("f/%06d.yaml", i)
	}
	return out
}
