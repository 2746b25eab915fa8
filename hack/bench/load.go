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
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// requestTimeout bounds every push, like a Git host's delivery timeout
// (GitHub gives up after 10 s; Fleet's server also cuts answers at 10 s).
const requestTimeout = 10 * time.Second

// delivery is one signed push, built before the timed run so both servers
// get identical bytes and the load generator spends no time signing.
type delivery struct {
	repo, commit string
	header       http.Header
	body         []byte
}

func newDelivery(p gitsim.Push, secret []byte) (delivery, error) {
	d, err := p.Delivery(secret)
	if err != nil {
		return delivery{}, fmt.Errorf("building a push to %s: %w", p.RepoURL, err)
	}
	h, body := d.Build()
	return delivery{repo: p.RepoURL[len(repoOrg):], commit: p.Commit, header: h, body: body}, nil
}

// deliveries are n pushes with fresh commits, push k to
// names[(first+k) % len(names)], so consecutive pushes go to different
// GitRepos.
func deliveries(names []string, first, n int, secret []byte) ([]delivery, error) {
	out := make([]delivery, n)
	for k := range out {
		name := names[(first+k)%len(names)]
		d, err := newDelivery(gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: repoURL(name), Branch: "main", Commit: gitsim.RandomSHA()}, secret)
		if err != nil {
			return nil, err
		}
		out[k] = d
	}
	return out, nil
}

// outcome is what happened to one planned push.
type outcome struct {
	sent, shed bool
	code       int // -1: no answer (transport error or timeout)
	latency    time.Duration
	// sentAt and answeredAt bound the request on the client's clock.
	sentAt, answeredAt time.Time
}

// loadResult is a run's outcomes (one per planned push, in plan order) and
// how long it took from the first send to the last answer.
type loadResult struct {
	outcomes []outcome
	elapsed  time.Duration
}

func newHTTPClient(conns int) *http.Client {
	return &http.Client{Timeout: requestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
}

// closedLoop sends ds from clients clients, each sending its next push when
// the previous one is answered, until all are sent, maxDur passes or ctx
// ends.
func closedLoop(ctx context.Context, url string, ds []delivery, clients int, maxDur time.Duration) loadResult {
	hc := newHTTPClient(clients)
	defer hc.CloseIdleConnections()
	res := loadResult{outcomes: make([]outcome, len(ds))}
	jobs := make(chan int)
	start := time.Now()
	deadline := time.After(maxDur)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for k := range jobs {
				res.outcomes[k] = send(ctx, hc, url, ds[k], time.Now())
			}
		})
	}
feed:
	for k := range ds {
		select {
		case jobs <- k:
		case <-deadline:
			break feed
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// openLoop sends ds at rate pushes per second on schedule, whatever the
// answers; a push due while maxInFlight are unanswered is shed (recorded,
// not sent), as a saturated server's backlog would otherwise grow without
// bound. Latency counts from the scheduled time.
func openLoop(ctx context.Context, url string, ds []delivery, rate, maxInFlight int) loadResult {
	hc := newHTTPClient(maxInFlight)
	defer hc.CloseIdleConnections()
	res := loadResult{outcomes: make([]outcome, len(ds))}
	interval := time.Second / time.Duration(rate)
	var inFlight atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for k := range ds {
		due := start.Add(time.Duration(k) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		if inFlight.Load() >= int64(maxInFlight) {
			res.outcomes[k] = outcome{shed: true}
			continue
		}
		inFlight.Add(1)
		wg.Go(func() {
			defer inFlight.Add(-1)
			res.outcomes[k] = send(ctx, hc, url, ds[k], due)
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// send posts d and times it from since.
func send(ctx context.Context, hc *http.Client, url string, d delivery, since time.Time) outcome {
	sentAt := time.Now()
	code, err := post(ctx, hc, url, d)
	if err != nil {
		code = -1
	}
	now := time.Now()
	return outcome{sent: true, code: code, latency: now.Sub(since), sentAt: sentAt, answeredAt: now}
}

// finalCommits gives, per GitRepo, the commits that may rightly be its last:
// that of the push to it sent last, and of every push to it still
// unanswered when that one was sent. Concurrent requests have no order
// until the server gives them one, so any of those may be the newest the
// server accepted.
func finalCommits(ds []delivery, outcomes []outcome) map[string][]string {
	last := map[string]int{}
	for k, oc := range outcomes {
		if oc.sent && oc.code/100 == 2 {
			if j, ok := last[ds[k].repo]; !ok || oc.sentAt.After(outcomes[j].sentAt) {
				last[ds[k].repo] = k
			}
		}
	}
	final := map[string][]string{}
	for repo, j := range last {
		final[repo] = []string{ds[j].commit}
	}
	for k, oc := range outcomes {
		j, ok := last[ds[k].repo]
		if ok && k != j && oc.sent && oc.code/100 == 2 && oc.answeredAt.After(outcomes[j].sentAt) {
			final[ds[k].repo] = append(final[ds[k].repo], ds[k].commit)
		}
	}
	return final
}

// post sends d and returns the answer's status code, having read the body
// so the connection is reused.
func post(ctx context.Context, hc *http.Client, url string, d delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header = d.header.Clone()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("posting to %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
