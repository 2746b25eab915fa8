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
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// writes are API server write requests (any verb but GET, LIST and WATCH)
// counted by kube-apiserver's own apiserver_request_total.
type writes struct {
	gitRepos, events float64
}

func (w writes) total() float64 { return w.gitRepos + w.events }

func (w writes) sub(o writes) writes {
	return writes{gitRepos: w.gitRepos - o.gitRepos, events: w.events - o.events}
}

// apiWrites reads the API server's write counters for gitrepos (spec and
// status) and events (core and events.k8s.io).
func (e *env) apiWrites(ctx context.Context) (writes, error) {
	m, err := devenv.APIServerMetrics(ctx, e.cp.Config)
	if err != nil {
		return writes{}, err
	}
	return parseWrites(m)
}

func parseWrites(text []byte) (writes, error) {
	const name = "apiserver_request_total{"
	var w writes
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		end := strings.LastIndex(line, "}")
		if end < 0 {
			continue
		}
		lbls := labels(line[len(name):end])
		switch lbls["verb"] {
		case "GET", "LIST", "WATCH":
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			return w, fmt.Errorf("parsing %q: %w", line, err)
		}
		switch lbls["resource"] {
		case "gitrepos":
			w.gitRepos += v
		case "events":
			w.events += v
		}
	}
	return w, sc.Err()
}

// labels parses a Prometheus label set (a="x",b="y") whose values hold no
// escaped quotes, as apiserver_request_total's do.
func labels(s string) map[string]string {
	m := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, `="`)
		if !ok {
			break
		}
		v, rest, _ := strings.Cut(rest, `"`)
		m[k] = v
		s = strings.TrimPrefix(rest, ",")
	}
	return m
}

// settleWrites waits at least quiet, then until the write counters have not
// moved for a second (at most 15 s more), so writes a server makes after
// answering (coalesced writes, Events) are counted, and returns them.
func (e *env) settleWrites(ctx context.Context, quiet time.Duration) (writes, error) {
	select {
	case <-time.After(quiet):
	case <-ctx.Done():
		return writes{}, ctx.Err()
	}
	last, err := e.apiWrites(ctx)
	if err != nil {
		return last, err
	}
	stable := time.Now()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && time.Since(stable) < time.Second; {
		time.Sleep(250 * time.Millisecond)
		w, err := e.apiWrites(ctx)
		if err != nil {
			return last, err
		}
		if w != last {
			last, stable = w, time.Now()
		}
	}
	return last, nil
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

// percentile is the p-th percentile of d (nearest rank), or -1 when empty.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return -1
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func fmtDur(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
}

func mib(kib int) float64 { return float64(kib) / 1024 }
