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

package receiver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// heapBound is what the receiver may hold under hostile load.
const heapBound = 256 << 20

// TestUnsignedBodiesBoundedMemory sends 64 concurrent unauthenticated
// bodies of the full size limit (unsigned, wrongly signed, JSON and form,
// with and without Content-Length) and samples the heap while they are
// served: it stays under heapBound and every request gets its 4xx or 503.
func TestUnsignedBodiesBoundedMemory(t *testing.T) {
	const clients = 64
	// As the receiver process runs (cmd/receiver sets it).
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	secrets := allSecrets()
	delete(secrets, "gitlab")
	srv := httptest.NewServer(NewServer(Options{
		Settings:   StaticSettings{Secrets: secrets, Unsigned: map[string][]string{"gitlab": {"gitlab.example.com"}}},
		Dispatcher: &fakeDispatcher{},
		Logger:     logr.Discard(),
	}).Handler())
	defer srv.Close()
	transport := &http.Transport{MaxConnsPerHost: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var peak peakMem
	stopSampling := peak.sample(5*time.Millisecond, func() { cancel() })

	codes := make([]int, clients)
	retry := make([]string, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			req := hostileRequest(ctx, srv.URL, i)
			resp, err := hc.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i], retry[i] = resp.StatusCode, resp.Header.Get("Retry-After")
		})
	}
	wg.Wait()
	stopSampling()

	t.Logf("peak HeapInuse %d MiB, peak Sys-HeapReleased %d MiB", peak.heapInuse.Load()>>20, peak.sys.Load()>>20)
	if p := peak.heapInuse.Load(); p >= heapBound {
		t.Fatalf("peak HeapInuse %d MiB, want under %d MiB", p>>20, heapBound>>20)
	}
	if p := peak.sys.Load(); p >= heapBound {
		t.Errorf("peak memory from the OS %d MiB, want under %d MiB", p>>20, heapBound>>20)
	}
	seen := map[int]int{}
	for _, c := range codes {
		seen[c]++
	}
	t.Logf("answers by status: %v", seen)
	for i := range clients {
		switch {
		case errs[i] != nil:
			t.Errorf("request %d: %v", i, errs[i])
		case codes[i] != http.StatusServiceUnavailable && (codes[i] < 400 || codes[i] >= 500):
			t.Errorf("request %d: got %d, want a 4xx or 503", i, codes[i])
		case codes[i] == http.StatusServiceUnavailable && retry[i] == "":
			t.Errorf("request %d: 503 without Retry-After", i)
		}
	}
}

// hostileRequest is the i-th unauthenticated request of the full size
// limit: GitHub JSON unsigned or wrongly signed, Gitea form unsigned or
// wrongly signed, or GitLab JSON (GitLab accepts unsigned deliveries here,
// so the body is read and parsed); every other five without Content-Length
// (chunked).
func hostileRequest(ctx context.Context, target string, i int) *http.Request {
	d := gitsim.Delivery{Provider: "github", Event: "push", Payload: []byte(`{}`)}
	switch i % 5 {
	case 0: // unsigned JSON
	case 1: // wrongly signed JSON
		d.Secret = []byte("guess")
	case 2: // unsigned form
		d.Provider, d.Form = "gitea", true
	case 3: // wrongly signed form
		d.Provider, d.Form, d.Secret = "gitea", true, []byte("guess")
	case 4: // unsigned, accepted unsigned, parsed
		d.Provider, d.Event = "gitlab", "Push Hook"
	}
	h, _ := d.Build()
	prefix := `{"ref":"refs/heads/main","pad":"`
	if d.Form {
		prefix = "payload=" + url.QueryEscape(prefix)
	}
	body := io.MultiReader(strings.NewReader(prefix), io.LimitReader(filler{}, DefaultMaxBodyBytes-int64(len(prefix))))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+"/", body)
	if err != nil {
		panic(err)
	}
	req.Header = h
	if (i/5)%2 == 0 {
		req.ContentLength = DefaultMaxBodyBytes
	}
	return req
}

// filler is an endless run of 'a', so bodies cost the client nothing.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// peakMem records the highest heap in use and memory held from the OS.
type peakMem struct {
	heapInuse, sys atomic.Uint64
}

// sample reads the memory statistics every interval until the returned
// stop is called; over calls onOver once the heap passes heapBound, so a
// run that would exhaust the machine ends early.
func (p *peakMem) sample(interval time.Duration, over func()) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	runtime.GC()
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		var once sync.Once
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			storeMax(&p.heapInuse, m.HeapInuse)
			storeMax(&p.sys, m.Sys-m.HeapReleased)
			if m.HeapInuse >= heapBound {
				once.Do(over)
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

func storeMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// TestDeferredFileListsBoundedMemory: once a GitRepo in the targets names a
// spec.webhookSecret with a github key (an ordinary setup), a GitHub push
// with any made-up signature is deferred to it and parsed before anything
// verifies it. A full-size payload listing millions of one-byte changed
// files costs the parser a []string many times the body, outside the
// in-flight budget: one such unauthenticated request passes heapBound.
func TestDeferredFileListsBoundedMemory(t *testing.T) {
	const clients = 1
	srv := httptest.NewServer(NewServer(Options{
		Settings:       StaticSettings{Secrets: allSecrets()},
		GitRepoSecrets: staticGitRepoSecrets{{"github": []byte("team-secret")}},
		Dispatcher:     &fakeDispatcher{},
		Logger:         logr.Discard(),
	}).Handler())
	defer srv.Close()
	transport := &http.Transport{MaxConnsPerHost: clients, DisableCompression: true}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var peak peakMem
	stopSampling := peak.sample(5*time.Millisecond, func() { cancel() })
	hdr, _ := gitsim.Delivery{Provider: "github", Event: "push", Payload: []byte(`{}`), Secret: []byte("guess")}.Build()
	prefix := `{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567",` +
		`"repository":{"clone_url":"https://github.com/org/app"},"commits":[{"added":["a"`
	const suffix = `]}]}`
	var wg sync.WaitGroup
	codes := make([]int, clients)
	for i := range clients {
		wg.Go(func() {
			files := io.LimitReader(repeater(`,"a"`), DefaultMaxBodyBytes-int64(len(prefix)+len(suffix)))
			body := io.MultiReader(strings.NewReader(prefix), files, strings.NewReader(suffix))
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/", body)
			req.Header, req.ContentLength = hdr.Clone(), DefaultMaxBodyBytes
			resp, err := hc.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	stopSampling()
	t.Logf("answers %v; peak HeapInuse %d MiB", codes, peak.heapInuse.Load()>>20)
	if p := peak.heapInuse.Load(); p >= heapBound {
		t.Fatalf("peak HeapInuse %d MiB serving %d unauthenticated requests, want under %d MiB", p>>20, clients, heapBound>>20)
	}
}

// repeater is an endless repetition of s.
type repeater string

func (s repeater) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s[i%len(s)]
	}
	return len(p) - len(p)%len(s), nil
}
