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

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// The monorepo scenario: many GitRepos on one repository, each deploying
// its own path, and pushes that each touch one path. Without
// targets.pathAware every push triggers every GitRepo; with it, one.
const (
	monoRepo = "monorepo"
	monoSet  = "mono"
)

func monoName(i int) string { return fmt.Sprintf("mono-%03d", i) }
func monoPath(i int) string { return fmt.Sprintf("apps/team-%03d", i) }

// monoResult is one monorepo run.
type monoResult struct {
	pathAware       bool
	clients         int
	planned, sent   int
	elapsed         time.Duration
	latencies       []time.Duration
	non2xx          int
	writes          writes
	landed, checked int
	rssKB, hwmKB    int
}

// runMonorepo creates o.monoRepos GitRepos on one repository, one path
// each, and sends the same o.monoPushes pushes (push k touching
// monoPath(k % monoRepos)) to a receiver without and with pathAware.
func runMonorepo(ctx context.Context, e *env, o options) (string, error) {
	if o.monoPushes <= 0 || o.monoRepos <= 0 {
		return "", nil
	}
	fmt.Printf("== monorepo: creating %d GitRepos on %s, one path each\n", o.monoRepos, repoURL(monoRepo))
	if err := createMonorepo(ctx, e, o.monoRepos); err != nil {
		return "", err
	}
	defer func() { _ = e.deleteRepos(context.WithoutCancel(ctx), monoSet) }()
	var results []monoResult
	// One client is how a Git host delivers (one webhook at a time per
	// hook, each answered before the next): every push is its own write.
	// o.clients concurrent clients show coalescing at work as well.
	for _, clients := range []int{1, o.clients} {
		for _, aware := range []bool{false, true} {
			if ctx.Err() != nil {
				break
			}
			r, err := e.monorepoRun(ctx, o, clients, aware)
			if err != nil {
				return monoTable(results, o), err
			}
			results = append(results, r)
		}
	}
	return monoTable(results, o), nil
}

func createMonorepo(ctx context.Context, e *env, n int) error {
	for i := range n {
		gr := &fleetv1alpha1.GitRepo{
			ObjectMeta: metav1.ObjectMeta{Name: monoName(i), Namespace: namespace, Labels: map[string]string{setLabel: monoSet}},
			Spec: fleetv1alpha1.GitRepoSpec{Repo: repoURL(monoRepo), Branch: "main", Paths: []string{monoPath(i)},
				PollingInterval: &metav1.Duration{Duration: time.Hour}},
		}
		if err := e.c.Create(ctx, gr); err != nil {
			return fmt.Errorf("creating GitRepo %s: %w", gr.Name, err)
		}
	}
	return nil
}

// monorepoRun is one receiver (window 0: no push waits for a window) sent
// the monorepo pushes from clients clients.
func (e *env) monorepoRun(ctx context.Context, o options, clients int, aware bool) (monoResult, error) {
	r := monoResult{pathAware: aware, clients: clients, planned: o.monoPushes}
	fmt.Printf("== monorepo: our receiver, pathAware %t, %d pushes over %d paths, %d clients\n", aware, o.monoPushes, o.monoRepos, clients)
	t, err := e.startOursTargets(ctx, fmt.Sprintf("{pathAware: %t}", aware), "0s", o.qps, o.burst, monoRepo+"-warm-up")
	defer t.stop()
	if err != nil {
		return r, err
	}
	ds := make([]delivery, o.monoPushes)
	for k := range ds {
		p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: repoURL(monoRepo), Branch: "main", Commit: gitsim.RandomSHA(),
			Commits: gitsim.Changed(monoPath(k%o.monoRepos) + "/deployment.yaml")}
		if ds[k], err = newDelivery(p, e.secret); err != nil {
			return r, err
		}
	}
	before, err := e.apiWrites(ctx)
	if err != nil {
		return r, err
	}
	res := closedLoop(ctx, t.url, ds, clients, o.monoMax)
	r.rssKB, r.hwmKB = t.rss()
	r.elapsed = res.elapsed
	// Each GitRepo must end at the commit of one of the last pushes meant
	// for it that were in flight together (arrival order decides among
	// them): the last push under its path with pathAware, else the last
	// pushes of all.
	final := map[string][]string{}
	for k, oc := range res.outcomes {
		if !oc.sent {
			continue
		}
		r.sent++
		r.latencies = append(r.latencies, oc.latency)
		if oc.code/100 != 2 {
			r.non2xx++
		}
		for i := range o.monoRepos {
			if !aware || i == k%o.monoRepos {
				final[monoName(i)] = append(final[monoName(i)], ds[k].commit)
			}
		}
	}
	for name, cs := range final {
		final[name] = cs[max(0, len(cs)-clients):]
	}
	r.checked = len(final)
	r.landed = e.waitLandedAny(ctx, monoSet, final, 30*time.Second)
	after, err := e.settleWrites(ctx, 500*time.Millisecond)
	if err != nil {
		return r, err
	}
	r.writes = after.sub(before)
	fmt.Printf("   pathAware %t: %d sent, %.1f/s, p50 %s, %.2f GitRepo writes/push, %d/%d landed\n", aware, r.sent,
		float64(r.sent)/r.elapsed.Seconds(), fmtDur(percentile(r.latencies, 50)), r.writes.gitRepos/float64(max(r.sent, 1)), r.landed, r.checked)
	return r, nil
}

// waitLandedAny polls until every GitRepo in want shows one of its commits
// or timeout passes, and returns how many do.
func (e *env) waitLandedAny(ctx context.Context, set string, want map[string][]string, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		var list fleetv1alpha1.GitRepoList
		n := 0
		err := e.c.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabels{setLabel: set})
		for i := range list.Items {
			if slices.Contains(want[list.Items[i].Name], list.Items[i].Status.WebhookCommit) {
				n++
			}
		}
		if (err == nil && n == len(want)) || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func monoTable(results []monoResult, o options) string {
	if len(results) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Monorepo: %d GitRepos on one repository with distinct spec.paths, %d signed GitHub pushes each touching one path\n\n", o.monoRepos, o.monoPushes)
	fmt.Fprintf(&b, "Our receiver, window 0s, qps %d, closed loop, at most %s per run. One client delivers as a Git host does (one webhook at a time, each answered before the next).\n\n", o.qps, o.monoMax)
	b.WriteString("| clients | targets.pathAware | pushes | req/s | p50 | p99 | non-2xx | GitRepo writes | GitRepo writes/push | API writes/push (Events included) | final commits right | RSS (peak) |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		pushes := fmt.Sprint(r.sent)
		if r.sent < r.planned {
			pushes = fmt.Sprintf("%d of %d (time bound)", r.sent, r.planned)
		}
		fmt.Fprintf(&b, "| %d | %t | %s | %.1f | %s | %s | %d | %.0f | %.2f | %.2f | %d/%d | %.1f MiB (%.1f MiB) |\n",
			r.clients, r.pathAware, pushes, float64(r.sent)/r.elapsed.Seconds(), fmtDur(percentile(r.latencies, 50)), fmtDur(percentile(r.latencies, 99)),
			r.non2xx, r.writes.gitRepos, r.writes.gitRepos/float64(max(r.sent, 1)), r.writes.total()/float64(max(r.sent, 1)),
			r.landed, r.checked, mib(r.rssKB), mib(r.hwmKB))
	}
	b.WriteString("\nWrites are kube-apiserver's own apiserver_request_total (non-read verbs) on gitrepos and events during the run.\n")
	return b.String()
}
