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
// dispatch and gitrepo packages, then the receiver process side by side with
// Fleet's own webhook handler (bin/fleetbench, served as Fleet's gitjob
// serves it) against one local kube-apiserver holding the same GitRepos,
// sent the same signed GitHub pushes. It prints markdown tables and writes
// them to bin/bench.md. `make bench` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr/funcr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

type options struct {
	sizes   []int
	windows []string // ours' batching windows; "default" leaves the CRD default
	rates   []int    // open-loop offered pushes per second
	clients int      // closed-loop clients

	closedPushes int
	closedMax    time.Duration
	openDuration time.Duration
	maxInFlight  int
	qps, burst   int

	fleet, latency, goBench bool
	firstTrigger, isolated  int
	out                     string
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(2)
	}
	ctrl.SetLogger(funcr.New(func(p, a string) { fmt.Fprintln(os.Stderr, p, a) }, funcr.Options{}))
	// Ctrl-C stops the load and still tears the control plane down.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags() (options, error) {
	var o options
	var sizes, windows, rates string
	flag.StringVar(&sizes, "sizes", "10,1000,10000", "GitRepo counts to compare at, comma-separated")
	flag.StringVar(&windows, "windows", "0s,default", "our batching windows, comma-separated; \"default\" is the CRD default")
	flag.StringVar(&rates, "rates", "50,200,1000", "open-loop offered pushes per second, comma-separated; empty skips the open loop")
	flag.IntVar(&o.clients, "clients", 8, "closed-loop clients (each sends its next push when answered)")
	flag.IntVar(&o.closedPushes, "closed-pushes", 2000, "pushes per closed-loop run")
	flag.DurationVar(&o.closedMax, "closed-max", 15*time.Second, "time bound of a closed-loop run; fewer pushes are sent when it is reached")
	flag.DurationVar(&o.openDuration, "open-duration", 4*time.Second, "length of each open-loop run")
	flag.IntVar(&o.maxInFlight, "max-in-flight", 64, "open loop: pushes due while this many are unanswered are shed (counted, not sent)")
	flag.IntVar(&o.qps, "qps", 1000, "our batching.qps in the side-by-side runs (so the window is the only difference)")
	flag.IntVar(&o.burst, "burst", 1000, "our batching.burst in the side-by-side runs")
	flag.BoolVar(&o.fleet, "fleet", true, "run Fleet's handler (bin/fleetbench) side by side")
	flag.BoolVar(&o.latency, "latency", true, "run the latency scenarios (isolated, sequential sender, burst, first trigger) with default batching")
	flag.IntVar(&o.firstTrigger, "first-trigger", 100, "fresh GitRepos pushed once each to measure first-trigger writes")
	flag.IntVar(&o.isolated, "isolated", 20, "isolated pushes timed until webhookCommit is visible")
	flag.StringVar(&o.out, "out", "", "markdown output (default <repo>/bin/bench.md)")
	flag.BoolVar(&o.goBench, "go-bench", true, "run the Go benchmarks first")
	flag.Parse()
	var err error
	if o.sizes, err = intList(sizes); err != nil {
		return o, fmt.Errorf("--sizes: %w", err)
	}
	if o.rates, err = intList(rates); err != nil {
		return o, fmt.Errorf("--rates: %w", err)
	}
	for _, w := range strings.Split(windows, ",") {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		if _, perr := time.ParseDuration(w); perr != nil && w != "default" {
			return o, fmt.Errorf("--windows: %q is neither a duration nor \"default\"", w)
		}
		o.windows = append(o.windows, w)
	}
	if o.clients < 1 || o.maxInFlight < 1 {
		return o, errors.New("--clients and --max-in-flight must be at least 1")
	}
	return o, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, o options) error {
	start := time.Now()
	root, err := devenv.RepoRoot()
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bin", "bench.md")
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# webhook-operator bench\n\n%s, %s/%s, %d CPUs, %s, load average at start %s\n\n",
		start.UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAverage())

	var errs []error
	if o.goBench {
		table, berr := goBenchmarks(root)
		md.WriteString(table)
		if berr != nil {
			fmt.Fprintf(&md, "\nGo benchmarks failed: %v\n", berr)
			errs = append(errs, berr)
		}
	}
	load, lerr := loadRuns(ctx, root, o)
	md.WriteString(load)
	if lerr != nil {
		fmt.Fprintf(&md, "\nLoad runs failed: %v\n", lerr)
		errs = append(errs, lerr)
	}
	fmt.Fprintf(&md, "\nTotal bench time: %s; load average at the end %s.\n", time.Since(start).Round(time.Second), loadAverage())

	fmt.Println()
	fmt.Print(md.String())
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(o.out), err)
	}
	if err := os.WriteFile(o.out, []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	fmt.Printf("\nwritten to %s\n", o.out)
	return errors.Join(errs...)
}

// loadRuns starts the control plane, runs the latency scenarios and then
// the side-by-side comparison at each size, and returns their tables.
func loadRuns(ctx context.Context, root string, o options) (string, error) {
	dir, err := os.MkdirTemp("", "webhook-operator-bench-")
	if err != nil {
		return "", fmt.Errorf("creating a work folder: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	env, err := startEnv(ctx, root, dir, o.fleet)
	if env != nil && env.cp != nil {
		defer func() { _ = env.cp.Stop() }()
	}
	if err != nil {
		return "", err
	}
	var md strings.Builder
	var errs []error
	if o.latency {
		lat, err := runLatency(ctx, env, o)
		md.WriteString(latencyTable(lat, o))
		if err != nil {
			errs = append(errs, fmt.Errorf("latency scenarios: %w", err))
		}
	}
	var phases []phase
	for _, n := range o.sizes {
		if ctx.Err() != nil {
			break
		}
		ps, err := runSize(ctx, env, o, n)
		phases = append(phases, ps...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%d GitRepos: %w", n, err))
		}
	}
	md.WriteString(compareTable(phases, o))
	return md.String(), errors.Join(errs...)
}

// loadAverage is the 1, 5 and 15 minute load averages: figures taken on a
// busy machine are slower, and the table should say so.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
