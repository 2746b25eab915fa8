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

package v1alpha1

// AnnotationWatchPaths is set by users on a Fleet GitRepo: comma-separated
// paths or globs, relative to the repository root, whose changes trigger the
// GitRepo under targets.pathAware besides its spec.paths (a shared chart, a
// common values file its bundles read from outside their paths).
const AnnotationWatchPaths = "gitops.webhook-operator.dev/watch-paths"
