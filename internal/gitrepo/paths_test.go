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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

func TestUnder(t *testing.T) {
	tests := map[string]struct {
		pattern, file string
		want          bool
	}{
		"file in the directory":          {"apps/a", "apps/a/x.yaml", true},
		"file deep below":                {"apps/a", "apps/a/sub/dir/x.yaml", true},
		"sibling directory":              {"apps/a", "apps/b/x.yaml", false},
		"directory name is a prefix":     {"apps/a", "apps/ab/x.yaml", false},
		"file above the directory":       {"apps/a", "apps/x.yaml", false},
		"leading slash, as Fleet allows": {"/apps/a", "apps/a/x.yaml", true},
		"leading ./":                     {"./apps/a", "apps/a/x.yaml", true},
		"trailing slash":                 {"apps/a/", "apps/a/x.yaml", true},
		"doubled slash":                  {"apps//a", "apps/a/x.yaml", true},
		"star matches one segment":       {"apps/*", "apps/a/x.yaml", true},
		"star does not cross slashes":    {"*/x.yaml", "apps/a/x.yaml", false},
		"star in a segment":              {"apps/team-*", "apps/team-a/x.yaml", true},
		"star in a segment, no match":    {"apps/team-*", "apps/other/x.yaml", false},
		"question mark":                  {"apps/?", "apps/a/x.yaml", true},
		"character class":                {"apps/[ab]", "apps/b/x.yaml", true},
		"character class, no match":      {"apps/[ab]", "apps/c/x.yaml", false},
		"glob then literal":              {"clusters/*/overlays", "clusters/prod/overlays/k.yaml", true},
		"glob then literal, no match":    {"clusters/*/overlays", "clusters/prod/base/k.yaml", false},
		"root":                           {"/", "anything/x.yaml", true},
		"dot":                            {".", "x.yaml", true},
		"file equal to the path":         {"charts/values.yaml", "charts/values.yaml", true},
		"case differs":                   {"apps/A", "apps/a/x.yaml", false},
		"malformed pattern matches":      {"apps/[", "other/x.yaml", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Under(tc.pattern, tc.file); got != tc.want {
				t.Fatalf("Under(%q, %q) = %v, want %v", tc.pattern, tc.file, got, tc.want)
			}
		})
	}
}

func TestPathsChanged(t *testing.T) {
	gr := func(watch string, paths ...string) *fleet.GitRepo {
		g := &fleet.GitRepo{Spec: fleet.GitRepoSpec{Paths: paths}}
		if watch != "" {
			g.ObjectMeta = metav1.ObjectMeta{Annotations: map[string]string{v1alpha1.AnnotationWatchPaths: watch}}
		}
		return g
	}
	changed := func(files ...string) *push.Event { return &push.Event{ChangedFiles: files, FilesComplete: true} }
	tests := map[string]struct {
		gr   *fleet.GitRepo
		ev   *push.Event
		want bool
	}{
		"under its path":                     {gr("", "apps/a"), changed("apps/a/x.yaml"), true},
		"not under its path":                 {gr("", "apps/b"), changed("apps/a/x.yaml"), false},
		"under its glob":                     {gr("", "apps/*"), changed("apps/a/x.yaml"), true},
		"under one of several paths":         {gr("", "apps/b", "apps/a"), changed("apps/a/x.yaml"), true},
		"one of several files":               {gr("", "apps/b"), changed("apps/a/x.yaml", "apps/b/y.yaml"), true},
		"no paths: whole repository":         {gr(""), changed("apps/a/x.yaml"), true},
		"incomplete list":                    {gr("", "apps/b"), &push.Event{ChangedFiles: []string{"apps/a/x.yaml"}}, true},
		"no list":                            {gr("", "apps/b"), &push.Event{}, true},
		"under a watch path":                 {gr("charts/", "apps/b"), changed("charts/common/values.yaml"), true},
		"under the second watch path":        {gr("charts/, values/common.yaml", "apps/b"), changed("values/common.yaml"), true},
		"watch glob":                         {gr("shared/*/values", "apps/b"), changed("shared/x/values/v.yaml"), true},
		"not under any watch path":           {gr("charts/", "apps/b"), changed("apps/a/x.yaml"), false},
		"empty watch entries are ignored":    {gr(" , ,", "apps/b"), changed("apps/a/x.yaml"), false},
		"removed file under its path counts": {gr("", "apps/b"), changed("apps/b/gone.yaml"), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := PathsChanged(tc.gr, tc.ev); got != tc.want {
				t.Fatalf("PathsChanged = %v, want %v", got, tc.want)
			}
		})
	}
}
