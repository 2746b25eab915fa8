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
	"net/http"
	"strings"
	"sync"
	"time"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// The monorepo scenario: many GitRepos on one repository, each deploying
// its own path, and pushes that each touch one path. Without
// targets.pathAware every push triggers every GitRepo; with it, one.
const monorepoURL = "https://github.com/bench-org/monorepo"

func monoName(i int) string { return fmt.Sprintf("mono-%03d", i) }
func monoPath(i int) string { return fmt.Sprintf("apps/team-%03d", i) }

func createMonorepoGitRepos(ctx context.Context, c client.Client, n int) error {
	for i := range n {
		gr := &fleetv1alpha1.GitRepo{
			ObjectMeta: metav1.ObjectMeta{Name: monoName(i), Namespace: namespace},
			Spec:       fleetv1alpha1.GitRepoSpec{Repo: monorepoURL, Branch: "main", Paths: []string{monoPath(i)}},
		}
		if err := c.Create(ctx, gr); err != nil {
			return fmt.Errorf("creating GitRepo %s: %w", gr.Name, err)
		}
	}
	return nil
}

// monorepoRuns creates o.monoRepos GitRepos on one repository and runs the
// same pushes against a receiver without and with pathAware.
func (env loadEnv) monorepoRuns(ctx context.Context, o options) (string, error) {
	if o.monoPushes <= 0 || o.monoRepos <= 0 {
		return "", nil
	}
	fmt.Printf("== creating %d GitRepos on %s, one path each\n", o.monoRepos, monorepoURL)
	if err := createMonorepoGitRepos(ctx, env.c, o.monoRepos); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Monorepo: %d GitRepos on one repository with distinct spec.paths, %d signed GitHub pushes each touching one path\n\n", o.monoRepos, o.monoPushes)
	b.WriteString("| targets.pathAware | pushes | workers | req/s | p50 | p99 | non-2xx | GitRepo PATCHes | PATCHes/push | final commits right |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var errs []error
	for i, aware := range []bool{false, true} {
		if ctx.Err() != nil {
			break
		}
		sc := scenario{name: fmt.Sprintf("monorepo, pathAware %t (window 0s, qps 1000)", aware), window: "0s", qps: 1000, burst: 1000,
			repos: o.monoRepos, requests: o.monoPushes, workers: o.workers, pathAware: aware}
		r, err := env.runMonorepo(ctx, fmt.Sprintf("mono-%d", i), sc, o.maxDuration)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sc.name, err))
			continue
		}
		non2xx := 0
		for code, n := range r.codes {
			if code < 200 || code > 299 {
				non2xx += n
			}
		}
		pushes := fmt.Sprint(r.sent)
		if r.sent < r.requests {
			pushes = fmt.Sprintf("%d of %d (time bound)", r.sent, r.requests)
		}
		fmt.Fprintf(&b, "| %t | %s | %d | %.1f | %s | %s | %d | %.0f | %.2f | %d/%d |\n", aware, pushes, r.workers,
			float64(r.sent)/r.elapsed.Seconds(), pct(r.latencies, 50), pct(r.latencies, 99), non2xx,
			r.patches, r.patches/float64(max(r.sent, 1)), r.correct, r.checked)
	}
	b.WriteString("\nPATCHes are kube-apiserver's apiserver_request_total{resource=\"gitrepos\",verb=\"PATCH\"} during the run (status, and spec pollingInterval on a GitRepo's first trigger).\n")
	if len(errs) > 0 {
		return b.String(), fmt.Errorf("monorepo runs: %v", errs)
	}
	return b.String(), nil
}

// runMonorepo sends push k, touching monoPath(k % repos), from sc.workers
// workers, and checks that every GitRepo ends at the last commit meant for
// it: the last push under its path with pathAware, else the last push.
func (env loadEnv) runMonorepo(ctx context.Context, name string, sc scenario, maxDuration time.Duration) (result, error) {
	r := result{scenario: sc, codes: map[int]int{}}
	rcv, secret, err := env.startReceiver(ctx, name, sc)
	if rcv != nil {
		defer func() { _ = rcv.Stop(30 * time.Second) }()
	}
	if err != nil {
		return r, err
	}
	before, err := gitRepoPatches(ctx, env.cp)
	if err != nil {
		return r, err
	}
	commits := make([]string, sc.requests)
	for k := range commits {
		commits[k] = gitsim.RandomSHA()
	}
	fmt.Printf("== %s: %d pushes over %d paths, %d workers (at most %s)\n", sc.name, sc.requests, sc.repos, sc.workers, maxDuration)
	sendMonorepo(ctx, &r, rcv.Endpoints.WebhookURL(), secret, commits, maxDuration)

	want := map[string]string{}
	for k := range r.sent {
		if sc.pathAware {
			want[monoName(k%sc.repos)] = commits[k]
			continue
		}
		for i := range sc.repos {
			want[monoName(i)] = commits[k]
		}
	}
	_ = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 120*time.Second, true, func(ctx context.Context) (bool, error) {
		ok, n, err := monorepoLanded(ctx, env.c, want)
		r.correct, r.checked = ok, n
		return err == nil && ok == n, nil
	})
	after, err := gitRepoPatches(ctx, env.cp)
	if err != nil {
		return r, err
	}
	r.patches = after - before
	return r, nil
}

func sendMonorepo(ctx context.Context, r *result, url string, secret []byte, commits []string, maxDuration time.Duration) {
	sc := r.scenario
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: sc.workers, MaxConnsPerHost: sc.workers}}
	lat := make([]time.Duration, sc.requests)
	codes := make([]int, sc.requests)
	jobs := make(chan int)
	start := time.Now()
	deadline := time.After(maxDuration)
	var wg sync.WaitGroup
	for range sc.workers {
		wg.Go(func() {
			for k := range jobs {
				p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: monorepoURL, Branch: "main", Commit: commits[k],
					Commits: gitsim.Changed(monoPath(k%sc.repos) + "/deployment.yaml")}
				t0 := time.Now()
				code, err := post(ctx, hc, url, p, secret)
				lat[k] = time.Since(t0)
				if err != nil {
					code = -1
				}
				codes[k] = code
			}
		})
	}
	sent := 0
send:
	for ; sent < sc.requests; sent++ {
		select {
		case jobs <- sent:
		case <-deadline:
			break send
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	r.elapsed, r.sent, r.latencies = time.Since(start), sent, lat[:sent]
	for _, code := range codes[:sent] {
		r.codes[code]++
	}
}

func monorepoLanded(ctx context.Context, c client.Client, want map[string]string) (ok, n int, err error) {
	var list fleetv1alpha1.GitRepoList
	if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return 0, 0, fmt.Errorf("listing GitRepos: %w", err)
	}
	for _, gr := range list.Items {
		if w, found := want[gr.Name]; found && gr.Status.WebhookCommit == w {
			ok++
		}
	}
	return ok, len(want), nil
}
