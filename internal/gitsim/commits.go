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

package gitsim

import (
	"fmt"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Commit is one commit of a push and the files it changed.
type Commit struct {
	// ID is the commit's SHA; random when empty.
	ID                       string
	Added, Modified, Removed []string
}

// Changed is a push's commit list with one commit modifying files.
func Changed(files ...string) []Commit { return []Commit{{Modified: files}} }

// Commit list caps of the providers' push payloads: GitHub and GitLab list
// at most 20 commits, Gitea and Gogs at most [ui] FEED_MAX_COMMIT_NUM
// (default 5). GitLab (total_commits_count) and Gitea (total_commits) also
// say how many the push had; GitHub and Gogs do not.
const (
	githubListCap = 20
	gitlabListCap = 20
	giteaListCap  = 5
)

// listedCommits is the commits array of a GitHub, GitLab, Gitea or Gogs
// payload for p: at most the provider's cap, newest first as the hosts list
// them, each with its file lists (always present, possibly empty). It is
// nil when p has no Commits: the payload then has no commits key, as a
// simulated push always had.
func listedCommits(p Push, r repo) []any {
	if p.Commits == nil {
		return nil
	}
	listCap := map[string]int{
		v1alpha1.SecretKeyGitHub: githubListCap, v1alpha1.SecretKeyGitLab: gitlabListCap,
		v1alpha1.SecretKeyGitea: giteaListCap, v1alpha1.SecretKeyGogs: giteaListCap,
	}[p.Provider]
	out := []any{}
	for i := len(p.Commits) - 1; i >= 0 && len(out) < listCap; i-- {
		c := p.Commits[i]
		id := c.ID
		if id == "" {
			id = RandomSHA()
		}
		if i == len(p.Commits)-1 && p.Commit != "" {
			id = p.Commit
		}
		out = append(out, map[string]any{
			"id": id, "message": fmt.Sprintf("simulated commit %d", i+1),
			"timestamp": "2026-11-26T18:00:00Z", "url": r.web + "/commit/" + id,
			"author":   map[string]any{"name": "gitsim", "email": "gitsim@example.com"},
			"added":    nonNil(c.Added),
			"modified": nonNil(c.Modified),
			"removed":  nonNil(c.Removed),
		})
	}
	return out
}

// nonNil keeps an empty file list an empty JSON array, as the hosts send it.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// before is the ref's commit before the push: all zeros for a created ref.
func (p Push) before() string {
	if p.Created {
		return "0000000000000000000000000000000000000000"
	}
	return beforeSHA
}
