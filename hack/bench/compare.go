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
	"errors"
	"fmt"
	"time"
)

// phase is one load run against one target.
type phase struct {
	repos  int
	target string
	window string // ours' window ("" for Fleet)
	rate   int    // offered pushes/s; 0: closed loop

	planned, sent, shed, ok2xx int
	codes                      map[int]int
	latencies                  []time.Duration // of every sent push
	elapsed                    time.Duration
	writes                     writes
	rssKB, hwmKB               int
	landed, checked            int
}

func (p phase) load(o options) string {
	if p.rate == 0 {
		return fmt.Sprintf("closed, %d clients", o.clients)
	}
	return fmt.Sprintf("open, %d/s", p.rate)
}

// achieved is 2xx answers per second.
func (p phase) achieved() float64 {
	if p.elapsed <= 0 {
		return 0
	}
	return float64(p.ok2xx) / p.elapsed.Seconds()
}

// writesPerPush is API writes (GitRepos and Events) per push sent.
func (p phase) writesPerPush() float64 { return p.writes.total() / float64(max(p.sent, 1)) }

// runSize makes sure n GitRepos exist and runs every load against Fleet's
// handler and against our receiver at each window, one process at a time.
func runSize(ctx context.Context, e *env, o options, n int) ([]phase, error) {
	if err := e.ensureRepos(ctx, n); err != nil {
		return nil, err
	}
	names := make([]string, n)
	for i := range names {
		names[i] = repoName(i)
	}
	type run struct{ target, window string }
	var runs []run
	if o.fleet {
		runs = append(runs, run{target: fleetName})
	}
	for _, w := range o.windows {
		runs = append(runs, run{target: oursName, window: w})
	}
	var out []phase
	var errs []error
	for _, r := range runs {
		if ctx.Err() != nil {
			break
		}
		ps, err := e.runTarget(ctx, o, names, r.target, r.window)
		out = append(out, ps...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.target, r.window, err))
		}
	}
	return out, errors.Join(errs...)
}

// runTarget starts one server process and runs the closed loop and each
// open-loop rate against it, pushes going round robin over names.
func (e *env) runTarget(ctx context.Context, o options, names []string, kind, window string) ([]phase, error) {
	var t *target
	var err error
	if kind == fleetName {
		fmt.Printf("== %d GitRepos: starting Fleet's handler\n", len(names))
		t, err = e.startFleet(ctx, names[0])
	} else {
		fmt.Printf("== %d GitRepos: starting our receiver (window %s, qps %d, burst %d)\n", len(names), window, o.qps, o.burst)
		t, err = e.startOurs(ctx, window, o.qps, o.burst, names[0])
	}
	defer t.stop()
	if err != nil {
		return nil, err
	}
	var out []phase
	next := 1 // the warm-up pushed names[0]
	for _, rate := range append([]int{0}, o.rates...) {
		if ctx.Err() != nil {
			break
		}
		n := o.closedPushes
		if rate > 0 {
			n = max(1, int(float64(rate)*o.openDuration.Seconds()))
		}
		ds, err := deliveries(names, next, n, e.secret)
		if err != nil {
			return out, err
		}
		next += n
		p := phase{repos: len(names), target: kind, window: window, rate: rate}
		if err := e.runPhase(ctx, t, &p, ds, o); err != nil {
			return out, err
		}
		fmt.Printf("   %s %s %s: %d sent (%d shed), %.1f/s 2xx, p50 %s, p99 %s, %.2f writes/push, %d/%d landed, RSS %.1f MiB\n",
			kind, window, p.load(o), p.sent, p.shed, p.achieved(), fmtDur(percentile(p.latencies, 50)), fmtDur(percentile(p.latencies, 99)),
			p.writesPerPush(), p.landed, p.checked, mib(p.rssKB))
		out = append(out, p)
	}
	return out, nil
}

// runPhase sends ds to t (closed loop when p.rate is 0), waits for the last
// sent commit of each pushed GitRepo to land and for writes to settle, and
// fills p.
func (e *env) runPhase(ctx context.Context, t *target, p *phase, ds []delivery, o options) error {
	before, err := e.apiWrites(ctx)
	if err != nil {
		return err
	}
	var res loadResult
	if p.rate == 0 {
		res = closedLoop(ctx, t.url, ds, o.clients, o.closedMax)
	} else {
		res = openLoop(ctx, t.url, ds, p.rate, o.maxInFlight)
	}
	p.rssKB, p.hwmKB = t.rss()
	p.planned, p.elapsed, p.codes = len(ds), res.elapsed, map[int]int{}
	for _, oc := range res.outcomes {
		switch {
		case oc.shed:
			p.shed++
		case oc.sent:
			p.sent++
			p.codes[oc.code]++
			p.latencies = append(p.latencies, oc.latency)
			if oc.code/100 == 2 {
				p.ok2xx++
			}
		}
	}
	want := finalCommits(ds, res.outcomes)
	p.checked = len(want)
	p.landed = e.waitLandedAny(ctx, sizeSet, want, t.window+5*time.Second)
	after, err := e.settleWrites(ctx, t.window+500*time.Millisecond)
	if err != nil {
		return err
	}
	p.writes = after.sub(before)
	return nil
}
