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
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// TestServerGracefulShutdown: when the manager's context ends, the server
// stops accepting connections but finishes the request in flight.
func TestServerGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	d := &fakeDispatcher{fn: func(_ context.Context, req push.Request) (push.Result, error) {
		close(entered)
		<-release
		return push.Result{Written: []push.Trigger{{Namespace: "ns", Name: "repo", Commit: req.Events[0].Commit}}}, nil
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: d, Logger: logr.Discard()})
	s.listener = ln
	if err := s.ReadyCheck()(nil); err == nil {
		t.Error("ready before Start")
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Start(ctx) }()

	url := "http://" + ln.Addr().String() + "/any/path"
	type answer struct {
		code int
		err  error
	}
	inflight := make(chan answer, 1)
	go func() {
		req := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}.Request(url)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- answer{err: err}
			return
		}
		resp.Body.Close()
		inflight <- answer{code: resp.StatusCode}
	}()
	<-entered
	if s.Addr() == nil {
		t.Fatal("Addr is nil while serving")
	}
	if err := s.ReadyCheck()(&http.Request{}); err != nil {
		t.Errorf("not ready while serving: %v", err)
	}
	cancel()
	// New connections are refused once shutdown began.
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
	}
	select {
	case err := <-stopped:
		t.Fatalf("Start returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if a := <-inflight; a.err != nil || a.code != http.StatusOK {
		t.Fatalf("in-flight request: %d %v", a.code, a.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Start: %v", err)
	}
	if s.NeedLeaderElection() {
		t.Error("every replica must serve")
	}
}

// Read-header and read timeouts are set: a client that sends
// headers or a body slowly (or never) must not hold a connection forever,
// and the write deadline must leave room for the ack deadline.
func TestServerTimeouts(t *testing.T) {
	s := NewServer(Options{AckTimeout: 5 * time.Second, Settings: StaticSettings{}, Dispatcher: &fakeDispatcher{}})
	srv := s.httpServer()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("unbounded server: header %v, read %v, idle %v, max header bytes %d",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if srv.WriteTimeout <= srv.ReadTimeout+5*time.Second {
		t.Fatalf("write timeout %v leaves no room for reading the body (%v) and the ack deadline (5s)", srv.WriteTimeout, srv.ReadTimeout)
	}
}

// loadingSecrets are GitRepo Secrets whose GitRepos are not all seen yet
// until loaded is set.
type loadingSecrets struct {
	staticGitRepoSecrets
	loaded bool
}

func (l *loadingSecrets) Loaded() bool { return l.loaded }

// A receiver is not ready while it cannot yet tell an unverified delivery
// 401 from "a GitRepo's own Secret might verify it": it would answer 503.
func TestNotReadyUntilGitRepoSecretsAreKnown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	own := &loadingSecrets{}
	s := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
		GitRepoSecrets: own, Logger: logr.Discard()})
	s.listener = ln
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = s.Start(ctx) }()
	for s.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	if err := s.ReadyCheck()(&http.Request{}); err == nil {
		t.Fatal("ready before the GitRepos' webhookSecrets are known")
	}
	own.loaded = true
	if err := s.ReadyCheck()(&http.Request{}); err != nil {
		t.Fatalf("not ready once they are: %v", err)
	}
}
