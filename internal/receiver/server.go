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

// Package receiver is the HTTP side of `webhook-operator receiver`: it
// detects the provider of a webhook, verifies its signature with the
// receiver's own Secret, parses the payload into push.Events and hands them
// to a push.Dispatcher, answering each request with an HTTP status and a
// JSON Response that says what happened.
package receiver

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// Defaults of Options.
const (
	DefaultBindAddress  = ":8080"
	DefaultMaxBodyBytes = 25 << 20 // GitHub's maximum payload
	DefaultAckTimeout   = 5 * time.Second
	// DefaultMaxInflightBytes bounds the bytes request bodies hold at once:
	// two JSON bodies of the full size limit arriving together, or one form
	// body (see MinInflightBytes), or thousands of ordinary pushes.
	DefaultMaxInflightBytes = 64 << 20
	// GCPercent is the receiver process's GOGC unless its environment sets
	// one. Its heap is mostly the GitRepo cache, which stays put: collecting
	// at 50% growth instead of Go's 100% keeps the heap within 1.5 times the
	// cache (about 10 MiB less with 10,000 GitRepos), and bodies refused
	// under hostile load are collected sooner, for a little more GC work.
	GCPercent = 50
)

// Server timeouts. ReadTimeout covers a full-size body from a slow sender;
// WriteTimeout (counted from the end of the headers) must cover reading the
// body plus the ack deadline.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Options configure the webhook Server.
type Options struct {
	// BindAddress is the webhook listen address (default ":8080").
	BindAddress string
	// MaxBodyBytes is the body limit; larger requests get 413 (default 25 MiB).
	MaxBodyBytes int64
	// AckTimeout is how long a request waits for its GitRepo writes before
	// answering 202 (default 5s).
	AckTimeout time.Duration
	// MaxInflightBytes bounds the bytes held by the bodies of requests being
	// served; a request that would pass it gets 503 with Retry-After
	// (default 64 MiB).
	MaxInflightBytes int64
	// Settings gives the enabled providers and their secrets (required).
	Settings Settings
	// Dispatcher receives verified push events (required).
	Dispatcher push.Dispatcher
	// GitRepoSecrets are the Secrets GitRepos name in spec.webhookSecret,
	// from the receiver's cache; nil when it keeps none.
	GitRepoSecrets GitRepoSecrets
	// Logger defaults to controller-runtime's logger named "receiver".
	Logger logr.Logger
}

// Server serves the webhook endpoint: every path, since the Ingress strips
// any prefix. Health and metrics are the manager's, on their own ports.
// It is a manager.Runnable that runs on every replica (no leader election).
type Server struct {
	opts    Options
	handler http.Handler

	// listener, when set before Start (tests), is used instead of BindAddress.
	listener net.Listener

	mu   sync.Mutex
	addr net.Addr
}

var (
	_ manager.Runnable               = (*Server)(nil)
	_ manager.LeaderElectionRunnable = (*Server)(nil)
)

// NewServer returns a Server with opts' zero fields defaulted.
func NewServer(opts Options) *Server {
	if opts.BindAddress == "" {
		opts.BindAddress = DefaultBindAddress
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = DefaultAckTimeout
	}
	if opts.MaxInflightBytes <= 0 {
		opts.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logf.Log.WithName("receiver")
	}
	return &Server{opts: opts, handler: newHandler(opts, provider.All())}
}

// MinInflightBytes is the smallest in-flight budget one body of maxBody
// bytes always fits, alone: a form body holds its decoded payload field
// beside itself (twice the body), a JSON body at most 1.5 times its size
// while its buffer grows. With less, a delivery within the size limit
// would get 503 on every redelivery.
func MinInflightBytes(maxBody int64) int64 { return 2 * maxBody }

func newHandler(opts Options, providers []provider.Provider) *handler {
	limit := opts.MaxInflightBytes
	if limit <= 0 {
		limit = DefaultMaxInflightBytes
	}
	return &handler{
		providers:      providers,
		settings:       opts.Settings,
		gitRepoSecrets: opts.GitRepoSecrets,
		dispatcher:     opts.Dispatcher,
		maxBody:        opts.MaxBodyBytes,
		ackTimeout:     opts.AckTimeout,
		inflight:       newBudget(limit),
		log:            opts.Logger,
	}
}

// Handler is the webhook http.Handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// NeedLeaderElection implements manager.LeaderElectionRunnable: every
// replica serves webhooks.
func (s *Server) NeedLeaderElection() bool { return false }

// Addr is the address the server listens on, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// httpServer is the webhook server with its limits: a slow or stalled
// client is cut off by the header and read timeouts.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      readTimeout + s.opts.AckTimeout + 10*time.Second,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          stdlog.New(logWriter{s.opts.Logger}, "", 0),
	}
}

// Start implements manager.Runnable. When ctx ends it stops accepting
// connections and waits for in-flight requests (each is bounded by the ack
// deadline) before returning.
func (s *Server) Start(ctx context.Context) error {
	log := s.opts.Logger
	ln := s.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.opts.BindAddress); err != nil {
			return fmt.Errorf("listening on %s: %w", s.opts.BindAddress, err)
		}
	}
	// Create and sync the informers before the first request needs them.
	if r, ok := s.opts.Settings.(readier); ok {
		go func() { _ = r.Ready(ctx) }()
	}
	srv := s.httpServer()
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	log.Info("serving webhooks", "address", ln.Addr().String(), "maxBodyBytes", s.opts.MaxBodyBytes,
		"maxInflightBytes", s.opts.MaxInflightBytes, "ackTimeout", s.opts.AckTimeout)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving webhooks: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down webhook server, waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.AckTimeout+readTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down webhook server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving webhooks: %w", err)
	}
	return nil
}

// readier is implemented by Settings that read from a cache that must sync.
type readier interface {
	Ready(ctx context.Context) error
}

// ReadyCheck is a readiness check for the manager's /readyz: ready once the
// server listens, the GitRepos' webhookSecrets are known (when the
// GitRepoSecrets say) and the settings' informers (WebhookReceiver and
// Secret) have synced.
func (s *Server) ReadyCheck() healthz.Checker {
	return func(req *http.Request) error {
		if s.Addr() == nil {
			return errors.New("webhook server is not listening yet")
		}
		// Until every GitRepo naming a webhookSecret has been seen, an
		// unverified delivery could only be answered 503.
		if l, ok := s.opts.GitRepoSecrets.(interface{ Loaded() bool }); ok && !l.Loaded() {
			return errors.New("the GitRepos' webhookSecrets are not known yet")
		}
		if r, ok := s.opts.Settings.(readier); ok {
			ctx, cancel := context.WithTimeout(req.Context(), time.Second)
			defer cancel()
			return r.Ready(ctx)
		}
		return nil
	}
}

// logWriter sends net/http's own error log (TLS, header errors) to logr.
type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.V(1).Info("http server", "message", string(p))
	return len(p), nil
}
