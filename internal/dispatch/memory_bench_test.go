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
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/client-go/tools/events"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver"
)

// discardSink is an Event sink that sends nothing anywhere.
type discardSink struct{}

func (discardSink) Create(_ context.Context, e *eventsv1.Event) (*eventsv1.Event, error) {
	return e, nil
}
func (discardSink) Update(_ context.Context, e *eventsv1.Event) (*eventsv1.Event, error) {
	return e, nil
}
func (discardSink) Patch(_ context.Context, e *eventsv1.Event, _ []byte) (*eventsv1.Event, error) {
	return e, nil
}

// BenchmarkReceiverMemory runs the receiver as deployed (handler, cache of
// 10,000 GitRepos through the transform and index, dispatcher) under load:
// signed pushes over HTTP from 8 clients, each to a different GitRepo with a
// new commit; with an Event recorder (client-go's broadcaster) and without.
// It reports the heap live after the load (after a GC), the peak heap in
// use during it, the share of CPU the GC took and the process RSS. With
// RECEIVER_HEAP_PROFILE=file it writes the in-use heap profile taken after
// the load. Run it with GOGC set to see the receiver's setting
// (cmd/receiver.go) rather than Go's default.
func BenchmarkReceiverMemory(b *testing.B) {
	for _, withEvents := range []bool{true, false} {
		b.Run(fmt.Sprintf("events=%v", withEvents), func(b *testing.B) {
			for b.Loop() {
				receiverUnderLoad(b, withEvents)
			}
		})
	}
}

func receiverUnderLoad(b *testing.B, withEvents bool) {
	const n, clients = 10000, 8
	c, stop := memCache(b, n, true)
	defer stop()
	var writes atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	o := Options{Window: 0, QPS: 10000, Burst: 10000, Logger: logr.Discard()}
	if withEvents {
		bc := events.NewBroadcaster(discardSink{})
		bc.StartRecordingToSink(ctx.Done())
		defer bc.Shutdown()
		o.Recorder = bc.NewRecorder(testScheme(), "webhook-receiver")
	}
	d := benchDispatcher(b, c, &writes, o)
	done := make(chan struct{})
	go func() { _ = d.Start(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	// A logger with a sink: a nil sink would fall back to controller-runtime's
	// global logger, which holds every child until SetLogger is called.
	discard := funcr.New(func(string, string) {}, funcr.Options{})
	srv := httptest.NewServer(receiver.NewServer(receiver.Options{
		Settings:   receiver.StaticSettings{Secrets: map[string][]byte{"github": []byte(handlerSecret)}},
		Dispatcher: d, Logger: discard,
	}).Handler())
	defer srv.Close()

	runtime.GC() // the cache's list is garbage now: measure the load alone
	gcBefore, cpuBefore := gcCPU()
	var peak atomic.Uint64
	stopSampling := sampleHeap(&peak)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < n; i = next.Add(1) - 1 {
				payload := githubStylePayload(fmt.Sprintf("https://github.com/org/repo-%05d", i), sha1Of(int(i)+1))
				resp, err := srv.Client().Do(gitsim.Delivery{Provider: "github", Event: "push", Payload: payload,
					Secret: []byte(handlerSecret)}.Request(srv.URL + "/"))
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
					b.Errorf("push %d: %d", i, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	stopSampling()
	gcAfter, cpuAfter := gcCPU()

	live := liveHeap()
	if f := os.Getenv("RECEIVER_HEAP_PROFILE"); f != "" {
		writeHeapProfile(b, f)
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heapinuse-MiB")
	b.ReportMetric(100*(gcAfter-gcBefore)/(cpuAfter-cpuBefore), "gc-cpu-%")
	b.ReportMetric(float64(rss())/(1<<20), "rss-MiB")
	b.ReportMetric(float64(writes.Load())/n, "writes/push")
}

// gcCPU is the CPU time the GC and the whole process have used so far, in
// seconds (the runtime's estimate).
func gcCPU() (gc, total float64) {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Float64()
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// rss is the process's resident set size from /proc, 0 where there is none.
func rss() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func writeHeapProfile(b *testing.B, file string) {
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
}
