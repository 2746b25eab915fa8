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
	"fmt"
	"slices"
	"strconv"
	"strings"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// compareTable is the side-by-side table, one row per size, load and our
// window, with Fleet's run of that size and load in every window's row (its
// handler has no window), then the per-run details.
func compareTable(phases []phase, o options) string {
	if len(phases) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Side by side: Fleet's handler and our receiver\n\n"+
		"Fleet v0.16.0's `pkg/webhook` handler on a controller-runtime cache as gitjob serves it (bin/fleetbench) and our receiver process, "+
		"one at a time against one kube-apiserver holding the same GitRepos (`spec.pollingInterval` set, as after a first webhook), "+
		"sent the same signed GitHub pushes, each to the next GitRepo round robin. Ours runs with batching qps %d, burst %d. "+
		"Closed loop: %d clients, %d pushes or %s. Open loop: offered rate for %s, at most %d unanswered (pushes due beyond that are shed). "+
		"req/s: 2xx answers per second; p50/p99 of every sent push; API writes: kube-apiserver's `apiserver_request_total`, "+
		"verbs other than GET/LIST/WATCH on gitrepos and events, per push sent; RSS: VmRSS after the run. "+
		"× is ours over Fleet for req/s and Fleet over ours for p50 (above 1: ours better).\n\n",
		o.qps, o.burst, o.clients, o.closedPushes, o.closedMax, o.openDuration, o.maxInFlight)
	b.WriteString("| GitRepos | load | our window | Fleet req/s | ours req/s | req/s × | Fleet p50 / p99 | ours p50 / p99 | p50 × | API writes/push Fleet / ours | RSS MiB Fleet / ours |\n")
	b.WriteString("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, p := range phases {
		if p.target != oursName {
			continue
		}
		f, ok := fleetPhase(phases, p)
		fleetRate, fleetLat, fleetWrites, fleetRSS, rateX, p50X := "-", "-", "-", "-", "-", "-"
		if ok {
			fleetRate = fmt.Sprintf("%.1f", f.achieved())
			fleetLat = latPair(f)
			fleetWrites = fmt.Sprintf("%.2f", f.writesPerPush())
			fleetRSS = fmt.Sprintf("%.0f", mib(f.rssKB))
			rateX = ratio(p.achieved(), f.achieved())
			p50X = ratio(percentile(f.latencies, 50).Seconds(), percentile(p.latencies, 50).Seconds())
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %.1f | %s | %s | %s | %s | %s / %.2f | %s / %.0f |\n",
			p.repos, p.load(o), windowLabel(p.window), fleetRate, p.achieved(), rateX, fleetLat, latPair(p), p50X,
			fleetWrites, p.writesPerPush(), fleetRSS, mib(p.rssKB))
	}
	b.WriteString("\n" + detailTable(phases, o))
	return b.String()
}

// fleetPhase is Fleet's run with ours' size and load.
func fleetPhase(phases []phase, ours phase) (phase, bool) {
	i := slices.IndexFunc(phases, func(f phase) bool {
		return f.target == fleetName && f.repos == ours.repos && f.rate == ours.rate
	})
	if i < 0 {
		return phase{}, false
	}
	return phases[i], true
}

func detailTable(phases []phase, o options) string {
	var b strings.Builder
	b.WriteString("<details><summary>Per run</summary>\n\n")
	b.WriteString("Final commit landed: GitRepos whose webhookCommit, once writes settle, is that of the push sent to it last " +
		"or of one still unanswered when that one was sent (concurrent requests are ordered only by the server).\n\n")
	b.WriteString("| GitRepos | server | load | sent (planned) | shed | answers | GitRepo writes | Event writes | final commit landed | RSS MiB (peak) |\n")
	b.WriteString("|---:|---|---|---:|---:|---|---:|---:|---:|---:|\n")
	for _, p := range phases {
		server := p.target
		if p.window != "" {
			server += ", window " + windowLabel(p.window)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %d (%d) | %d | %s | %.0f | %.0f | %d/%d | %.1f (%.1f) |\n",
			p.repos, server, p.load(o), p.sent, p.planned, p.shed, codes(p.codes),
			p.writes.gitRepos, p.writes.events, p.landed, p.checked, mib(p.rssKB), mib(p.hwmKB))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func windowLabel(w string) string {
	if w == "default" {
		return fmt.Sprintf("default (%s)", whv1alpha1.DefaultWindow)
	}
	return w
}

func latPair(p phase) string {
	return fmtDur(percentile(p.latencies, 50)) + " / " + fmtDur(percentile(p.latencies, 99))
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	switch r := a / b; {
	case r >= 10:
		return fmt.Sprintf("%.0fx", r)
	case r >= 1:
		return fmt.Sprintf("%.1fx", r)
	default:
		return strconv.FormatFloat(r, 'g', 2, 64) + "x"
	}
}

// codes is the status-code histogram, e.g. "200×1990, -1×10" (-1: no
// answer within the request timeout or a transport error).
func codes(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var f []string
	for _, k := range keys {
		f = append(f, fmt.Sprintf("%d×%d", k, m[k]))
	}
	return strings.Join(f, ", ")
}

// goalMark is " ✓" for a goal met, else " ✗".
func goalMark(ok bool) string {
	if ok {
		return " ✓"
	}
	return " ✗"
}
