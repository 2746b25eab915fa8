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
	"strings"
	"time"
)

// latencyRow is one measure of the latency table: its text per server and
// whether ours meets the goal.
type latencyRow struct {
	measure, goal string
	cell          func(r latencyResult) string
	met           func(r latencyResult) bool // nil: no goal
}

func latencyRows(o options) []latencyRow {
	return []latencyRow{{
		measure: fmt.Sprintf("isolated push → webhookCommit visible, p50 (max) of %d", o.isolated), goal: "p50 ≤ 20 ms",
		cell: func(r latencyResult) string {
			return fmt.Sprintf("%s (%s)", fmtDur(percentile(r.isoVisible, 50)), fmtDur(percentile(r.isoVisible, 100)))
		},
		met: func(r latencyResult) bool {
			return len(r.isoVisible) == len(r.isoAnswer) && within(percentile(r.isoVisible, 50), 20*time.Millisecond)
		},
	}, {
		measure: "isolated push: answer p50",
		cell:    func(r latencyResult) string { return fmtDur(percentile(r.isoAnswer, 50)) },
	}, {
		measure: fmt.Sprintf("sequential sender, %d pushes %s apart: slowest answer", seqPushes, seqGap), goal: "≤ 20 ms",
		cell: func(r latencyResult) string {
			return fmt.Sprintf("%s (%s)", fmtDur(slices.Max(r.seqAnswers)), codes(r.seqCodes))
		},
		met: func(r latencyResult) bool { return within(slices.Max(r.seqAnswers), 20*time.Millisecond) },
	}, {
		measure: "sequential sender: GitRepo writes (Event writes)", goal: "≤ 3",
		cell: func(r latencyResult) string {
			return fmt.Sprintf("%.0f (%.0f)", r.seqWrites.gitRepos, r.seqWrites.events)
		},
		met: func(r latencyResult) bool { return r.seqWrites.gitRepos <= 3 },
	}, {
		measure: "sequential sender: last push → last commit visible", goal: "≤ window + 100 ms",
		cell: func(r latencyResult) string { return fmtDur(r.seqVisible) },
		met:  func(r latencyResult) bool { return within(r.seqVisible, r.window+100*time.Millisecond) },
	}, {
		measure: fmt.Sprintf("%d pushes to one GitRepo %s apart: GitRepo writes (Event writes)", burstPushes, burstGap), goal: "≤ 2",
		cell: func(r latencyResult) string {
			return fmt.Sprintf("%.0f (%.0f)", r.burstWrites.gitRepos, r.burstWrites.events)
		},
		met: func(r latencyResult) bool { return r.burstWrites.gitRepos <= 2 },
	}, {
		measure: "same burst: last push → its commit visible; last commit won", goal: "last commit wins",
		cell: func(r latencyResult) string {
			return fmt.Sprintf("%s; %s (%s)", fmtDur(r.burstVisible), yesNo(r.burstLanded), codes(r.burstCodes))
		},
		met: func(r latencyResult) bool { return r.burstLanded },
	}, {
		measure: fmt.Sprintf("first trigger, %d fresh GitRepos, 8 clients: API writes per push (GitRepo + Event)", o.firstTrigger), goal: "≤ 2.0",
		cell: func(r latencyResult) string {
			return fmt.Sprintf("%.2f (%.0f + %.0f)", r.ftWrites.total()/float64(max(r.ftSent, 1)), r.ftWrites.gitRepos, r.ftWrites.events)
		},
		met: func(r latencyResult) bool { return r.ftSent > 0 && r.ftWrites.total() <= 2*float64(r.ftSent) },
	}, {
		measure: "first trigger: answer p50",
		cell:    func(r latencyResult) string { return fmtDur(percentile(r.ftAnswers, 50)) },
	}}
}

// latencyTable is the latency scenarios as markdown, Fleet's handler next to
// ours, with our goals marked met (✓) or not (✗).
func latencyTable(results []latencyResult, o options) string {
	if len(results) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Latency and coalescing, default batching\n\n" +
		"Visible: first seen on a watch of the GitRepo, as Fleet's gitjob controller sees it. " +
		"Writes: kube-apiserver's `apiserver_request_total` (verbs other than GET/LIST/WATCH) during the scenario, " +
		"counted once writes have settled. Fleet's handler has no window and writes before answering.\n\n")
	b.WriteString("| measure | Fleet | ours | goal for ours |\n|---|---:|---:|---|\n")
	byServer := map[string]latencyResult{}
	for _, r := range results {
		byServer[r.target] = r
	}
	for _, row := range latencyRows(o) {
		cells := map[string]string{fleetName: "-", oursName: "-"}
		for name, r := range byServer {
			cells[name] = row.cell(r)
		}
		goal := row.goal
		if r, ok := byServer[oursName]; ok && row.met != nil {
			goal += goalMark(row.met(r))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.measure, cells[fleetName], cells[oursName], goal)
	}
	b.WriteString("\nSequential sender, every answer in order:\n\n")
	for _, name := range []string{fleetName, oursName} {
		if r, ok := byServer[name]; ok {
			answers := make([]string, len(r.seqAnswers))
			for i, d := range r.seqAnswers {
				answers[i] = fmtDur(d)
			}
			fmt.Fprintf(&b, "- %s: %s\n", name, strings.Join(answers, ", "))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// within reports whether a measured duration (-1: never) is at most limit.
func within(d, limit time.Duration) bool { return d >= 0 && d <= limit }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
