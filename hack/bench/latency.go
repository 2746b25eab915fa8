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
	"net/http"
	"strings"
	"sync"
	"time"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const (
	// latencySet labels the GitRepos of the latency scenarios.
	latencySet = "latency"
	// A Git host delivers one webhook at a time per hook: seqPushes pushes
	// seqGap apart, each sent once the previous one is answered.
	seqPushes = 10
	seqGap    = 100 * time.Millisecond
	// burstPushes arrive burstGap apart, well within one window, in a known
	// order so the last one must win.
	burstPushes = 41
	burstGap    = 5 * time.Millisecond
	// isolatedGap separates isolated pushes (each to its own GitRepo).
	isolatedGap = 20 * time.Millisecond
)

// latencyResult is what the latency scenarios measured on one server.
type latencyResult struct {
	target string
	window time.Duration

	isoAnswer, isoVisible []time.Duration

	seqAnswers []time.Duration
	seqCodes   map[int]int
	seqWrites  writes
	seqVisible time.Duration // last push -> last commit visible; -1: never

	burstCodes   map[int]int
	burstWrites  writes
	burstLanded  bool
	burstVisible time.Duration // last push -> its commit visible; -1: never

	ftSent    int
	ftWrites  writes
	ftAnswers []time.Duration
}

// latencyNames are the GitRepos of the latency scenarios: warm-up,
// sequential, burst and isolated ones (with spec.pollingInterval), and
// fresh ones per server for the first trigger (without).
type latencyNames struct {
	warm, seq, burst string
	isolated         []string
	fresh            map[string][]string // server -> its fresh GitRepos
}

func newLatencyNames(o options, servers []string) latencyNames {
	n := latencyNames{warm: "lat-warm", seq: "lat-seq", burst: "lat-burst", fresh: map[string][]string{}}
	for i := range o.isolated {
		n.isolated = append(n.isolated, fmt.Sprintf("lat-iso-%03d", i))
	}
	for _, s := range servers {
		for i := range o.firstTrigger {
			n.fresh[s] = append(n.fresh[s], fmt.Sprintf("ft-%s-%03d", strings.ToLower(s), i))
		}
	}
	return n
}

// runLatency runs the latency scenarios, with default batching, on our
// receiver and on Fleet's handler, on their own GitRepos, deleted afterwards
// so the size runs start clean.
func runLatency(ctx context.Context, e *env, o options) ([]latencyResult, error) {
	servers := []string{oursName}
	if o.fleet {
		servers = append(servers, fleetName)
	}
	names := newLatencyNames(o, servers)
	withPolling := append([]string{names.warm, names.seq, names.burst}, names.isolated...)
	var fresh []string
	for _, s := range servers {
		fresh = append(fresh, names.fresh[s]...)
	}
	fmt.Printf("== latency scenarios: creating %d GitRepos\n", len(withPolling)+len(fresh))
	if err := errors.Join(e.createRepos(ctx, withPolling, latencySet, true), e.createRepos(ctx, fresh, latencySet, false)); err != nil {
		return nil, err
	}
	defer func() { _ = e.deleteRepos(context.WithoutCancel(ctx), latencySet) }()
	cw, err := e.watchCommits(ctx, latencySet)
	if err != nil {
		return nil, err
	}
	defer cw.stop()

	var out []latencyResult
	var errs []error
	for _, s := range servers {
		r, err := e.latencyOn(ctx, s, cw, names)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// latencyOn starts one server (ours with default batching) and runs every
// latency scenario on it.
func (e *env) latencyOn(ctx context.Context, server string, cw *commitWatch, names latencyNames) (latencyResult, error) {
	var t *target
	var err error
	fmt.Printf("== latency scenarios on %s (default batching)\n", server)
	if server == fleetName {
		t, err = e.startFleet(ctx, names.warm)
	} else {
		t, err = e.startOurs(ctx, "default", 0, 0, names.warm)
	}
	defer t.stop()
	if err != nil {
		return latencyResult{}, err
	}
	r := latencyResult{target: server, window: t.window}
	steps := []func() error{
		func() error { return e.isolated(ctx, t, cw, names.isolated, &r) },
		func() error { return e.sequential(ctx, t, cw, names.seq, &r) },
		func() error { return e.burst(ctx, t, cw, names.burst, &r) },
		func() error { return e.firstTrigger(ctx, t, names.fresh[server], &r) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (e *env) push(repo string) (delivery, error) {
	return newDelivery(gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: repoURL(repo), Branch: "main", Commit: gitsim.RandomSHA()}, e.secret)
}

// isolated pushes each GitRepo once, one at a time, and times the answer
// and the push until its commit is visible in status.webhookCommit.
func (e *env) isolated(ctx context.Context, t *target, cw *commitWatch, repos []string, r *latencyResult) error {
	for _, repo := range repos {
		d, err := e.push(repo)
		if err != nil {
			return err
		}
		t0 := time.Now()
		if _, err := post(ctx, http.DefaultClient, t.url, d); err != nil {
			return err
		}
		r.isoAnswer = append(r.isoAnswer, time.Since(t0))
		if seen, ok := cw.wait(ctx, d.commit, t.window+10*time.Second); ok {
			r.isoVisible = append(r.isoVisible, seen.Sub(t0))
		}
		time.Sleep(isolatedGap)
	}
	return nil
}

// sequential sends seqPushes pushes to one GitRepo as a Git host does: one
// delivery at a time, seqGap apart (later when an answer is slower).
func (e *env) sequential(ctx context.Context, t *target, cw *commitWatch, repo string, r *latencyResult) error {
	ds, before, err := e.prepare(ctx, repo, seqPushes)
	if err != nil {
		return err
	}
	r.seqCodes = map[int]int{}
	start := time.Now()
	var lastSent time.Time
	for i, d := range ds {
		time.Sleep(time.Until(start.Add(time.Duration(i) * seqGap)))
		lastSent = time.Now()
		code, err := post(ctx, http.DefaultClient, t.url, d)
		if err != nil {
			code = -1
		}
		r.seqCodes[code]++
		r.seqAnswers = append(r.seqAnswers, time.Since(lastSent))
	}
	r.seqVisible = -1
	if seen, ok := cw.wait(ctx, ds[len(ds)-1].commit, t.window+10*time.Second); ok {
		r.seqVisible = seen.Sub(lastSent)
	}
	after, err := e.settleWrites(ctx, t.window+500*time.Millisecond)
	r.seqWrites = after.sub(before)
	return err
}

// burst sends burstPushes pushes to one GitRepo burstGap apart without
// waiting for answers; the last one must land.
func (e *env) burst(ctx context.Context, t *target, cw *commitWatch, repo string, r *latencyResult) error {
	ds, before, err := e.prepare(ctx, repo, burstPushes)
	if err != nil {
		return err
	}
	hc := newHTTPClient(burstPushes)
	defer hc.CloseIdleConnections()
	codes := make([]int, len(ds))
	start := time.Now()
	var wg sync.WaitGroup
	for i, d := range ds {
		time.Sleep(time.Until(start.Add(time.Duration(i) * burstGap)))
		wg.Go(func() { codes[i] = send(ctx, hc, t.url, d, time.Now()).code })
	}
	lastSent := start.Add(time.Duration(len(ds)-1) * burstGap)
	wg.Wait()
	r.burstCodes = map[int]int{}
	for _, c := range codes {
		r.burstCodes[c]++
	}
	last := ds[len(ds)-1]
	r.burstVisible = -1
	if seen, ok := cw.wait(ctx, last.commit, t.window+10*time.Second); ok {
		r.burstVisible = seen.Sub(lastSent)
	}
	after, err := e.settleWrites(ctx, t.window+500*time.Millisecond)
	r.burstWrites = after.sub(before)
	if err != nil {
		return err
	}
	n, err := e.landed(ctx, map[string]string{repo: last.commit})
	r.burstLanded = n == 1
	return err
}

// firstTrigger pushes each fresh GitRepo (no spec.pollingInterval yet) once
// from 8 clients and counts the writes a first trigger costs.
func (e *env) firstTrigger(ctx context.Context, t *target, repos []string, r *latencyResult) error {
	if len(repos) == 0 {
		return nil
	}
	ds, err := deliveries(repos, 0, len(repos), e.secret)
	if err != nil {
		return err
	}
	before, err := e.apiWrites(ctx)
	if err != nil {
		return err
	}
	res := closedLoop(ctx, t.url, ds, 8, time.Minute)
	for _, oc := range res.outcomes {
		if oc.sent {
			r.ftSent++
			r.ftAnswers = append(r.ftAnswers, oc.latency)
		}
	}
	e.waitLandedAny(ctx, latencySet, finalCommits(ds, res.outcomes), t.window+5*time.Second)
	after, err := e.settleWrites(ctx, t.window+500*time.Millisecond)
	r.ftWrites = after.sub(before)
	return err
}

// prepare signs n pushes to repo and reads the API server's write counts
// before they are sent.
func (e *env) prepare(ctx context.Context, repo string, n int) ([]delivery, writes, error) {
	ds := make([]delivery, n)
	for i := range ds {
		var err error
		if ds[i], err = e.push(repo); err != nil {
			return nil, writes{}, err
		}
	}
	before, err := e.apiWrites(ctx)
	return ds, before, err
}
