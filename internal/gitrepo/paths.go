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
	"path"
	"strings"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// ReasonNoPathChange is why a path-aware receiver skips a GitRepo.
const ReasonNoPathChange = "no change under spec.paths"

// PathsChanged reports whether a push concerns the GitRepo under path-aware
// targets: always when the GitRepo has no spec.paths (it deploys the whole
// repository) or the push's file list is not known to be complete; else
// when a changed file lies under one of its spec.paths or of the paths in
// its AnnotationWatchPaths annotation.
func PathsChanged(gr *fleet.GitRepo, ev *push.Event) bool {
	if len(gr.Spec.Paths) == 0 || !ev.FilesComplete {
		return true
	}
	if anyUnder(gr.Spec.Paths, ev.ChangedFiles) {
		return true
	}
	watch := gr.Annotations[v1alpha1.AnnotationWatchPaths]
	for watch != "" {
		var p string
		p, watch, _ = strings.Cut(watch, ",")
		if p = strings.TrimSpace(p); p != "" && anyUnder([]string{p}, ev.ChangedFiles) {
			return true
		}
	}
	return false
}

func anyUnder(patterns, files []string) bool {
	for _, p := range patterns {
		for _, f := range files {
			if Under(p, f) {
				return true
			}
		}
	}
	return false
}

// Under reports whether the repository file lies under the path pattern,
// read as Fleet reads spec.paths: relative to the repository root (leading
// slashes dropped, "./" and trailing slashes allowed), each pattern expanded
// with filepath.Glob (so '*', '?' and '[...]' match within one path segment
// and there is no '**'), and each matching directory walked down to every
// file below it. The pattern is therefore matched segment by segment against
// the file's leading segments. A file equal to the pattern also counts
// (Fleet only walks directories, but a watch path may name a file), and a
// malformed pattern matches everything: erring towards a trigger costs a
// clone, erring the other way misses a change.
func Under(pattern, file string) bool {
	pattern = path.Clean("/" + strings.TrimSpace(pattern))[1:]
	if pattern == "" {
		return true
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return true
	}
	for pattern != "" {
		var pseg, fseg string
		pseg, pattern, _ = strings.Cut(pattern, "/")
		if file == "" {
			return false
		}
		fseg, file, _ = strings.Cut(file, "/")
		if ok, _ := path.Match(pseg, fseg); !ok {
			return false
		}
	}
	return true
}
