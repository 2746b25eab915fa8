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
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
)

// commitWatch records when each status.webhookCommit value was first seen
// on a watch of GitRepos, which is when a client of the API server (Fleet's
// gitjob controller) can see it, to the millisecond, without polling.
type commitWatch struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	notify chan struct{} // closed and replaced on every new commit
	cancel context.CancelFunc
}

// watchCommits watches the GitRepos labelled set.
func (e *env) watchCommits(ctx context.Context, set string) (*commitWatch, error) {
	wctx, cancel := context.WithCancel(ctx)
	w, err := e.c.Watch(wctx, &fleetv1alpha1.GitRepoList{}, client.InNamespace(namespace), client.MatchingLabels{setLabel: set})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watching GitRepos: %w", err)
	}
	cw := &commitWatch{seen: map[string]time.Time{}, notify: make(chan struct{}), cancel: func() { cancel(); w.Stop() }}
	go func() {
		for ev := range w.ResultChan() {
			gr, ok := ev.Object.(*fleetv1alpha1.GitRepo)
			if !ok || gr.Status.WebhookCommit == "" {
				continue
			}
			cw.record(gr.Status.WebhookCommit, time.Now())
		}
	}()
	return cw, nil
}

func (cw *commitWatch) record(commit string, at time.Time) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	if _, ok := cw.seen[commit]; ok {
		return
	}
	cw.seen[commit] = at
	close(cw.notify)
	cw.notify = make(chan struct{})
}

// wait returns when commit was first seen, waiting up to timeout.
func (cw *commitWatch) wait(ctx context.Context, commit string, timeout time.Duration) (time.Time, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		cw.mu.Lock()
		at, ok := cw.seen[commit]
		ch := cw.notify
		cw.mu.Unlock()
		if ok {
			return at, true
		}
		select {
		case <-ch:
		case <-timer.C:
			return time.Time{}, false
		case <-ctx.Done():
			return time.Time{}, false
		}
	}
}

func (cw *commitWatch) stop() { cw.cancel() }
