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
	"github.com/prometheus/client_golang/prometheus"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

var pathSkips = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "webhook_operator_gitrepo_path_skips_total",
	Help: "GitRepos a push matched but did not trigger because targets.pathAware is set and no changed file is under their spec.paths or watch-paths.",
})

func init() {
	metrics.Registry.MustRegister(pathSkips)
}

// pathSkipSet tracks the GitRepos one request skipped for their paths.
type pathSkipSet struct {
	skips []push.Skip
	seen  map[string]bool
}

// skipForPaths reports whether a path-aware receiver passes over gr for ev:
// the push changed nothing under its spec.paths or watch-paths (see
// gitrepo.PathsChanged for the pushes that always trigger). A skipped
// GitRepo is remembered for the answer.
func (m *matcher) skipForPaths(gr *fleet.GitRepo, ev *push.Event) bool {
	if !m.scope.PathAware || gitrepo.PathsChanged(gr, ev) {
		return false
	}
	id := gr.Namespace + "/" + gr.Name
	m.why("%s: %s", id, gitrepo.ReasonNoPathChange)
	if m.pathSkips.seen == nil {
		m.pathSkips.seen = map[string]bool{}
	}
	if !m.pathSkips.seen[id] {
		m.pathSkips.seen[id] = true
		m.pathSkips.skips = append(m.pathSkips.skips, push.Skip{Namespace: gr.Namespace, Name: gr.Name, Reason: gitrepo.ReasonNoPathChange})
	}
	return true
}

// skipped are the GitRepos the request matched but did not trigger: those
// its own webhookSecret refused, and those skipped for their paths and not
// triggered by another of its events (counted in the metric once).
func (m *matcher) skipped() []push.Skip {
	out := append([]push.Skip(nil), m.secretSkips...)
	n := len(out)
	for _, s := range m.pathSkips.skips {
		if _, triggered := m.byKey[s.Namespace+"/"+s.Name]; !triggered {
			out = append(out, s)
		}
	}
	pathSkips.Add(float64(len(out) - n))
	return out
}
