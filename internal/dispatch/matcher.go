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
	"strings"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/gitrepo"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// trigger is one matched GitRepo of one request.
type trigger struct {
	key, namespace, name string
	commit, provider     string
	// webhookCommit and pollingSettled are the GitRepo as the cache shows
	// it; liveEqual is set once the live GitRepo is known to need no write
	// for this push.
	webhookCommit  string
	pollingSettled bool
	liveEqual      bool
}

// matcher matches one request's events to GitRepos: by the repo-URL index,
// then targets, ref rules and the GitRepo's own spec.webhookSecret.
type matcher struct {
	// client reads GitRepos (indexed by gitrepo.IndexRepoURL) and Namespaces
	// from the cache.
	client client.Reader
	// secrets reads spec.webhookSecret Secrets (Options.WebhookSecrets).
	secrets SecretGetter
	scope   gitrepo.Scope
	// allNamespaces says the cache holds GitRepos of every namespace;
	// namespaceLabels that it holds Namespaces (see Options).
	allNamespaces, namespaceLabels bool
	log                            logr.Logger

	req      *push.Request
	triggers []*trigger
	// secretSkips are matched GitRepos whose own webhookSecret refused the
	// delivery.
	secretSkips []push.Skip
	byKey       map[string]*trigger
	looked      []string // normalised repo URLs looked up
	reasons     []string
	nsLabels    map[string]map[string]string
	verified    map[secretCheck]verdict
	// pathSkips are GitRepos passed over by path-aware targets.
	pathSkips pathSkipSet
	// transient is a lookup error that is not an answer (timeout, 5xx):
	// the request fails with 503 so the Git host can redeliver, instead of
	// a 200 "nothing matched" that would lose the trigger.
	transient error
	// undecided are matched GitRepos whose own webhookSecret could not be
	// read right now; unloadedErr is the first such read's error.
	undecided   []push.Skip
	unloadedErr error
}

const maxReasons = 8

// matchAll matches every event of req; later events of the request win for
// a GitRepo matched twice.
func (m *matcher) matchAll(ctx context.Context, req *push.Request) {
	m.req = req
	for i := range req.Events {
		m.match(ctx, &req.Events[i])
	}
}

func (m *matcher) why(format string, args ...any) {
	if len(m.reasons) < maxReasons {
		m.reasons = append(m.reasons, fmt.Sprintf(format, args...))
	}
}

// listsAllNamespaces says whether lookups span namespaces: only for a
// cross-namespace receiver whose cache can see them.
func (m *matcher) listsAllNamespaces() bool {
	return m.scope.CrossNamespace() && m.allNamespaces
}

func (m *matcher) match(ctx context.Context, ev *push.Event) {
	if ev.Deleted {
		m.why("%s deleted: deleted refs never trigger", ev.Ref)
		return
	}
	seen := map[string]bool{}
	layout := gitrepo.LayoutOf(ev.Provider)
	for _, u := range ev.RepoURLs {
		keys, err := gitrepo.Keys(u, layout)
		if err != nil {
			continue
		}
		// Answers name the repository as the payload does, not every
		// form the provider's layout adds.
		if !slices.Contains(m.looked, keys[0]) {
			m.looked = append(m.looked, keys[0])
		}
		for _, key := range keys {
			if !seen[key] {
				seen[key] = true
				m.lookup(ctx, key, ev)
			}
		}
	}
}

// lookup considers the GitRepos indexed under one normalised repository key.
func (m *matcher) lookup(ctx context.Context, key string, ev *push.Event) {
	// Off its provider's hosts, an unsigned delivery can still trigger the
	// GitRepos whose own webhookSecret verifies it, and no other.
	hostOK := m.hostAllowed(key)
	if !hostOK {
		m.why("%s: an unsigned %s delivery may only trigger GitRepos on hosts %s", key, ev.Provider, strings.Join(m.req.Hosts, ", "))
	}
	// The index is listed across namespaces (see SetupIndexes); a
	// receiver that does not span them keeps its own namespace here.
	var list fleet.GitRepoList
	if err := m.client.List(ctx, &list, client.MatchingFields{gitrepo.IndexRepoURL: key}); err != nil {
		m.transient = fmt.Errorf("listing GitRepos for %s: %w", key, err)
		return
	}
	all := m.listsAllNamespaces()
	for i := range list.Items {
		if !all && list.Items[i].Namespace != m.scope.Namespace {
			continue
		}
		if hostOK || list.Items[i].Spec.WebhookSecret != "" {
			m.consider(ctx, &list.Items[i], ev)
		}
	}
}

// hostAllowed reports whether this request may trigger GitRepos under the
// normalised repository key: an authenticated one always, one left to the
// GitRepos' own secrets too (each must verify it), an unsigned one only on
// the hosts its provider allows unsigned deliveries for.
func (m *matcher) hostAllowed(key string) bool {
	if m.req.Authenticated || m.req.OwnSecretsOnly {
		return true
	}
	host, _, _ := strings.Cut(key, "/")
	return slices.Contains(m.req.Hosts, host)
}

func (m *matcher) consider(ctx context.Context, gr *fleet.GitRepo, ev *push.Event) {
	id := gr.Namespace + "/" + gr.Name
	// GitRepos outside the targets are never named in an answer: only in
	// the debug log.
	if !m.scope.AllowsNamespace(gr.Namespace, m.namespaceLabelsOf(ctx, gr.Namespace)) {
		m.log.V(1).Info("GitRepo passed over: namespace not in targets.namespaceSelector", "gitrepo", id)
		return
	}
	if !m.scope.Selects(gr) {
		m.log.V(1).Info("GitRepo passed over: labels not in targets.selector", "gitrepo", id)
		return
	}
	if ok, why := gitrepo.MatchRef(&gr.Spec, ev); !ok {
		m.why("%s: %s", id, why)
		return
	}
	if why := m.authorize(ctx, gr); why != "" {
		m.skip(gr, why)
		return
	}
	if m.skipForPaths(gr, ev) {
		return
	}
	t := &trigger{
		key: id, namespace: gr.Namespace, name: gr.Name,
		commit: ev.Commit, provider: ev.Provider,
		webhookCommit: gr.Status.WebhookCommit, pollingSettled: pollingSettled(&gr.Spec),
	}
	if m.byKey == nil {
		m.byKey = map[string]*trigger{}
	}
	if old, ok := m.byKey[id]; ok {
		*old = *t // a later event of the same request wins
		return
	}
	m.byKey[id] = t
	m.triggers = append(m.triggers, t)
}

// namespaceLabelsOf returns a namespace's labels for namespaceSelector, or
// nil when they cannot be read (then only its name label is assumed).
func (m *matcher) namespaceLabelsOf(ctx context.Context, ns string) map[string]string {
	if !m.scope.CrossNamespace() || !m.namespaceLabels {
		return nil
	}
	if l, ok := m.nsLabels[ns]; ok {
		return l
	}
	var n corev1.Namespace
	var l map[string]string
	if err := m.client.Get(ctx, types.NamespacedName{Name: ns}, &n); err != nil {
		m.log.Error(err, "reading namespace labels; matching on its name only", "namespace", ns)
	} else {
		l = n.Labels
		if l == nil {
			l = map[string]string{}
		}
	}
	if m.nsLabels == nil {
		m.nsLabels = map[string]map[string]string{}
	}
	m.nsLabels[ns] = l
	return l
}

// unmatched says why nothing matched: the repos looked up, the refs pushed,
// and the first reasons GitRepos were passed over.
func (m *matcher) unmatched() string {
	var b strings.Builder
	b.WriteString("no GitRepo matched")
	if len(m.looked) > 0 {
		fmt.Fprintf(&b, " repo %s", strings.Join(m.looked, ", "))
	}
	var refs []string
	for _, ev := range m.req.Events {
		switch {
		case ev.Branch != "":
			refs = append(refs, "branch "+ev.Branch)
		case ev.Tag != "":
			refs = append(refs, "tag "+ev.Tag)
		case ev.Ref != "":
			refs = append(refs, ev.Ref)
		}
	}
	if len(refs) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(refs, ", "))
	}
	if len(m.reasons) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(m.reasons, "; "))
	} else if len(m.looked) > 0 {
		fmt.Fprintf(&b, ": no GitRepo in %s has this spec.repo", m.scopeText())
	}
	return b.String()
}

func (m *matcher) scopeText() string {
	if m.listsAllNamespaces() {
		return "the targeted namespaces"
	}
	return "namespace " + m.scope.Namespace
}
