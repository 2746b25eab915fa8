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

// Command bench measures the receiver: the Go benchmarks of the receiver,
// dispatch and gitrepo packages, then a load run of the real receiver process
// over loopback against a local kube-apiserver holding many GitRepos. It
// prints a markdown table and writes it to bin/bench.md. `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const namespace = "bench"

type options struct {
	requests, workers, gitRepos int
	coalesceRequests            int
	out                         string
	goBench                     bool
	maxDuration                 time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.requests, "requests", 5000, "signed pushes in the throughput run")
	flag.IntVar(&o.workers, "workers", 8, "concurrent load-generator workers")
	flag.IntVar(&o.gitRepos, "gitrepos", 1000, "GitRepos in the API server")
	flag.IntVar(&o.coalesceRequests, "coalesce-requests", 2000, "pushes in the coalescing run (to 10 GitRepos, 1s window); 0 skips it")
	flag.StringVar(&o.out, "out", "", "markdown output (default <repo>/bin/bench.md)")
	flag.BoolVar(&o.goBench, "go-bench", true, "run the Go benchmarks first")
	flag.DurationVar(&o.maxDuration, "max-duration", 2*time.Minute, "upper bound of each load run; fewer requests are sent if it is reached")
	flag.Parse()
	ctrl.SetLogger(funcr.New(func(p, a string) { fmt.Fprintln(os.Stderr, p, a) }, funcr.Options{}))
	// Ctrl-C stops the load and still tears the control plane down.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (err error) {
	root, err := devenv.RepoRoot()
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bin", "bench.md")
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# webhook-operator bench\n\n%s, %s/%s, %d CPUs, %s\n\n", time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	if o.goBench {
		table, berr := goBenchmarks(root)
		md.WriteString(table)
		if berr != nil {
			fmt.Fprintf(&md, "\nGo benchmarks failed: %v\n", berr)
		}
	}

	load, lerr := loadRuns(ctx, root, o)
	md.WriteString(load)
	if lerr != nil {
		fmt.Fprintf(&md, "\nLoad run failed: %v\n", lerr)
	}

	fmt.Println()
	fmt.Print(md.String())
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(o.out), err)
	}
	if err := os.WriteFile(o.out, []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	fmt.Printf("\nwritten to %s\n", o.out)
	return errors.Join(lerr)
}

// goBenchmarks runs the packages' Go benchmarks, streaming their output, and
// returns them as a markdown table.
func goBenchmarks(root string) (string, error) {
	fmt.Println("== go test -run '^$' -bench . -benchmem ./internal/receiver/... ./internal/dispatch/... ./internal/gitrepo/...")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem",
		"./internal/receiver/...", "./internal/dispatch/...", "./internal/gitrepo/...")
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &buf)
	cmd.Stderr = io.MultiWriter(os.Stderr, &buf)
	runErr := cmd.Run()

	var b strings.Builder
	b.WriteString("## Go benchmarks\n\n| package | benchmark | ns/op | B/op | allocs/op |\n|---|---|---:|---:|---:|\n")
	pkg := ""
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/webhook-operator/webhook-operator/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		vals := map[string]string{}
		for i := 2; i+1 < len(f); i += 2 {
			vals[f[i+1]] = f[i]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", pkg, f[0], vals["ns/op"], vals["B/op"], vals["allocs/op"])
	}
	b.WriteString("\n")
	if runErr != nil {
		return b.String(), fmt.Errorf("go test -bench: %w", runErr)
	}
	return b.String(), nil
}

// scenario is one load run against one receiver process.
type scenario struct {
	name     string
	window   string
	qps      int32
	burst    int32
	repos    int // GitRepos the pushes spread over (round robin)
	requests int
	workers  int
}

type result struct {
	scenario
	elapsed          time.Duration
	sent             int
	latencies        []time.Duration
	codes            map[int]int
	patches          float64
	rssKB, hwmKB     int
	correct, checked int
}

func loadRuns(ctx context.Context, root string, o options) (string, error) {
	dir, err := os.MkdirTemp("", "webhook-operator-bench-")
	if err != nil {
		return "", fmt.Errorf("creating a work folder: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	env, err := startLoadEnv(ctx, root, dir, o.gitRepos)
	if env.cp != nil {
		defer func() { _ = env.cp.Stop() }()
	}
	if err != nil {
		return "", err
	}

	scenarios := []scenario{{
		name: "throughput (window 0s, qps 1000)", window: "0s", qps: 1000, burst: 1000,
		repos: o.gitRepos, requests: o.requests, workers: o.workers,
	}}
	if o.coalesceRequests > 0 {
		scenarios = append(scenarios, scenario{
			name: "coalescing (window 1s, qps 20)", window: "1s", qps: 20, burst: 100,
			repos: min(10, o.gitRepos), requests: o.coalesceRequests, workers: 64,
		})
	}
	var results []result
	var errs []error
	for i, sc := range scenarios {
		if ctx.Err() != nil {
			break
		}
		r, err := env.runScenario(ctx, fmt.Sprintf("bench-%d", i), sc, o.maxDuration)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sc.name, err))
			continue
		}
		results = append(results, r)
	}
	return loadTable(o.gitRepos, results), errors.Join(errs...)
}

// loadEnv is the control plane, its GitRepos and the receiver binary every
// scenario runs against.
type loadEnv struct {
	cp  *devenv.ControlPlane
	c   client.Client
	bin devenv.Binary
}

// startLoadEnv starts etcd and kube-apiserver and creates gitRepos GitRepos.
// The returned control plane is set (to be stopped) even on error.
func startLoadEnv(ctx context.Context, root, dir string, gitRepos int) (loadEnv, error) {
	var env loadEnv
	exe := filepath.Join(root, "bin", "webhook-operator")
	if !devenv.Exists(exe) {
		fmt.Println("== building the webhook-operator binary")
		var err error
		if exe, err = devenv.BuildBinary(ctx, root, dir); err != nil {
			return env, err
		}
	}
	fmt.Println("== starting etcd and kube-apiserver")
	cp, err := devenv.StartControlPlane(devenv.ControlPlaneOptions{
		AssetsDir: devenv.AssetsDir(root), Dir: dir, Progress: os.Stdout, CRDPaths: devenv.CRDs(root),
	})
	if err != nil {
		return env, err
	}
	env.cp = cp
	env.bin = devenv.Binary{Path: exe, Kubeconfig: cp.Kubeconfig, LogDir: dir}
	if env.c, err = devenv.NewClient(cp.Config); err != nil {
		return env, err
	}
	if err := env.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return env, fmt.Errorf("creating namespace: %w", err)
	}
	fmt.Printf("== creating %d GitRepos\n", gitRepos)
	return env, createGitRepos(ctx, env.c, gitRepos)
}

// loadTable is the load runs' results as markdown.
func loadTable(gitRepos int, results []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Load: receiver process over loopback, %d GitRepos in kube-apiserver\n\n", gitRepos)
	b.WriteString("| scenario | requests | workers | GitRepos (round robin) | req/s | p50 | p99 | non-2xx | GitRepo PATCHes | API writes/push | final commits right | receiver RSS (peak) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		non2xx := 0
		for code, n := range r.codes {
			if code < 200 || code > 299 {
				non2xx += n
			}
		}
		reqs := strconv.Itoa(r.sent)
		if r.sent < r.requests {
			reqs = fmt.Sprintf("%d of %d (time bound)", r.sent, r.requests)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.1f | %s | %s | %d | %.0f | %.3f | %d/%d | %.1f MiB (%.1f MiB) |\n",
			r.name, reqs, r.workers, r.repos,
			float64(r.sent)/r.elapsed.Seconds(), pct(r.latencies, 50), pct(r.latencies, 99), non2xx,
			r.patches, r.patches/float64(max(r.sent, 1)), r.correct, r.checked,
			float64(r.rssKB)/1024, float64(r.hwmKB)/1024)
	}
	b.WriteString("\nStatus codes: ")
	for _, r := range results {
		fmt.Fprintf(&b, "%s %v; ", r.name, r.codes)
	}
	b.WriteString("\nAPI writes are kube-apiserver's apiserver_request_total{resource=\"gitrepos\",verb=\"PATCH\"} (spec and status) during the run.\n")
	return b.String()
}

func repoName(i int) string { return fmt.Sprintf("repo-%04d", i) }

func createGitRepos(ctx context.Context, c client.Client, n int) error {
	jobs := make(chan int)
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				gr := &fleetv1alpha1.GitRepo{
					ObjectMeta: metav1.ObjectMeta{Name: repoName(i), Namespace: namespace},
					Spec:       fleetv1alpha1.GitRepoSpec{Repo: "https://github.com/bench-org/" + repoName(i), Branch: "main"},
				}
				if err := c.Create(ctx, gr); err != nil {
					errc <- fmt.Errorf("creating GitRepo %s: %w", gr.Name, err)
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errc)
	return <-errc
}

// runScenario runs one receiver process for a new WebhookReceiver, sends it
// sc's pushes and checks what landed.
func (env loadEnv) runScenario(ctx context.Context, name string, sc scenario, maxDuration time.Duration) (result, error) {
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
	// Request k pushes GitRepo k % repos; the last push per GitRepo must win.
	commits := make([]string, sc.requests)
	for k := range commits {
		commits[k] = gitsim.RandomSHA()
	}
	fmt.Printf("== %s: %d signed GitHub pushes over %d GitRepos, %d workers (at most %s)\n", sc.name, sc.requests, sc.repos, sc.workers, maxDuration)
	sendLoad(ctx, &r, rcv.Endpoints.WebhookURL(), secret, commits, maxDuration)
	r.rssKB, r.hwmKB = procStatus(rcv.Pid())
	if r.sent < sc.requests {
		fmt.Printf("== %s: stopped after %d of %d requests (%s)\n", sc.name, r.sent, sc.requests, r.elapsed.Round(time.Second))
	}

	// The requests sent are a prefix of the plan: each pushed GitRepo must
	// end at its last commit in that prefix.
	want := map[int]string{}
	for k := range r.sent {
		want[k%sc.repos] = commits[k]
	}
	// Let pending writes (202s) land, then count writes and check results.
	_ = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		ok, n, err := commitsLanded(ctx, env.c, want)
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

// startReceiver creates the scenario's WebhookReceiver and its Secret, starts
// a receiver process for it and warms it up. The process is returned (to be
// stopped) even on a failed warm-up.
func (env loadEnv) startReceiver(ctx context.Context, name string, sc scenario) (*devenv.Subcommand, []byte, error) {
	secret := []byte(gitsim.RandomToken())
	// YAML, as a user writes it (and independent of the Go field shapes).
	wrYAML := fmt.Sprintf(`apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata: {name: %s, namespace: %s}
spec:
  host: bench.example.com
  ingress: {className: nginx, flavor: nginx}
  providers:
    github: {generate: true}
  pollingInterval: 1h
  batching: {window: %s, qps: %d, burst: %d}
`, name, namespace, sc.window, sc.qps, sc.burst)
	if _, err := devenv.ApplyYAML(ctx, env.c, []byte(wrYAML), namespace, nil); err != nil {
		return nil, nil, fmt.Errorf("creating WebhookReceiver: %w", err)
	}
	wr := &whv1alpha1.WebhookReceiver{}
	if err := env.c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, wr); err != nil {
		return nil, nil, fmt.Errorf("reading WebhookReceiver: %w", err)
	}
	// No operator runs here: the receiver alone is measured, so the Secret
	// the operator would generate is written directly.
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: wr.SecretNameOrDefault(), Namespace: namespace},
		Data:       map[string][]byte{whv1alpha1.SecretKeyGitHub: secret},
	}
	if err := env.c.Create(ctx, sec); err != nil {
		return nil, nil, fmt.Errorf("creating Secret: %w", err)
	}
	fmt.Printf("== %s: starting the receiver process\n", sc.name)
	rcv, err := env.bin.StartReceiver(ctx, "receiver-"+name, devenv.ReceiverOptions{Name: wr.Name, Namespace: namespace, SecretName: sec.Name})
	if err != nil {
		return nil, nil, err
	}
	// Warm-up: one push so the informer cache is synced before timing.
	warm := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/bench-org/" + repoName(0), Branch: "main", Commit: gitsim.RandomSHA()}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		code, err := post(ctx, http.DefaultClient, rcv.Endpoints.WebhookURL(), warm, secret)
		return err == nil && code == http.StatusOK, nil
	}); err != nil {
		return rcv, nil, fmt.Errorf("warm-up push never answered 200; receiver log:\n%s", rcv.LogTail(20))
	}
	return rcv, secret, nil
}

// sendLoad sends push k for commits[k] to GitRepo k % r.repos from r.workers
// workers until all are sent, maxDuration passes or ctx ends, and records
// what was sent, the latencies and the status codes in r.
func sendLoad(ctx context.Context, r *result, url string, secret []byte, commits []string, maxDuration time.Duration) {
	sc := r.scenario
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: sc.workers, MaxConnsPerHost: sc.workers}}
	lat := make([]time.Duration, sc.requests)
	codes := make([]int, sc.requests)
	jobs := make(chan int)
	start := time.Now()
	deadline := time.After(maxDuration)
	var wg sync.WaitGroup
	for range sc.workers {
		wg.Go(func() {
			for k := range jobs {
				p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: "https://github.com/bench-org/" + repoName(k%sc.repos), Branch: "main", Commit: commits[k]}
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
	r.elapsed = time.Since(start)
	r.sent = sent
	r.latencies = lat[:sent]
	for _, code := range codes[:sent] {
		r.codes[code]++
	}
}

// post sends the push signed with secret and returns the answer's status
// code, having read the body so the connection is reused.
func post(ctx context.Context, hc *http.Client, url string, p gitsim.Push, secret []byte) (int, error) {
	req, err := p.NewRequest(ctx, url, secret)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func commitsLanded(ctx context.Context, c client.Client, want map[int]string) (ok, n int, err error) {
	var list fleetv1alpha1.GitRepoList
	if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return 0, 0, fmt.Errorf("listing GitRepos: %w", err)
	}
	got := map[types.NamespacedName]string{}
	for _, gr := range list.Items {
		got[client.ObjectKeyFromObject(&gr)] = gr.Status.WebhookCommit
	}
	for i, w := range want {
		if got[types.NamespacedName{Namespace: namespace, Name: repoName(i)}] == w {
			ok++
		}
	}
	return ok, len(want), nil
}

func gitRepoPatches(ctx context.Context, cp *devenv.ControlPlane) (float64, error) {
	m, err := devenv.APIServerMetrics(ctx, cp.Config)
	if err != nil {
		return 0, err
	}
	return devenv.SumMetric(m, "apiserver_request_total", map[string]string{"resource": "gitrepos", "verb": "PATCH"})
}

// procStatus returns VmRSS and VmHWM (peak) in KiB from /proc/<pid>/status.
func procStatus(pid int) (rss, hwm int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	i = max(0, min(len(s)-1, i-1))
	return fmtDur(s[i])
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%dµs", d.Microseconds())
	}
}
