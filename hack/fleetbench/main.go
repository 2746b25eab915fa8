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

// Command fleetbench serves Fleet's own webhook handler
// (github.com/rancher/fleet/pkg/webhook) the way Fleet's gitjob controller
// serves it: a controller-runtime manager with Fleet's scheme, the handler
// reading GitRepos and the global gitjob-webhook Secret from the manager's
// cache, behind an HTTP server with gitjob's timeouts. `make bench` runs it
// next to the receiver to compare both on the same pushes.
//
// It lives in its own Go module so that Fleet's dependency tree (k8s.io/*
// pinned by Fleet's replace block) stays out of the operator's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"github.com/rancher/fleet/pkg/webhook"
)

// gitjob's default cache resync period.
const syncPeriod = 10 * time.Hour

type options struct {
	namespace, bind, health string
}

func main() {
	var o options
	flag.StringVar(&o.namespace, "namespace", "cattle-fleet-system", "namespace of the global gitjob-webhook Secret (gitjob's NAMESPACE)")
	flag.StringVar(&o.bind, "bind", "127.0.0.1:8080", "address the webhook handler listens on (gitjob's --listen)")
	flag.StringVar(&o.health, "health-probe-bind-address", "127.0.0.1:8081", "address of /readyz, which answers once the GitRepo and Secret informers synced")
	config.RegisterFlags(flag.CommandLine)
	zopts := zap.Options{}
	zopts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zopts)))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "fleetbench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(fleet.AddToScheme(scheme))

	// ctrl.GetConfig reads --kubeconfig and, like gitjob's, leaves
	// client-side rate limiting off.
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	sp := syncPeriod
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: o.health,
		Cache:                  cache.Options{SyncPeriod: &sp},
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	var synced atomic.Bool
	if err := mgr.AddReadyzCheck("informers", func(*http.Request) error {
		if !synced.Load() {
			return errors.New("GitRepo and Secret informers not synced yet")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}

	handler, err := webhook.HandleHooks(ctx, o.namespace, mgr.GetClient(), mgr.GetCache())
	if err != nil {
		return fmt.Errorf("creating Fleet's webhook handler: %w", err)
	}
	// gitjob's own server settings (startWebhook in Fleet's gitops operator).
	server := &http.Server{
		Addr:              o.bind,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      10 * time.Second,
	}

	group, ctx := errgroup.WithContext(ctx)
	group.Go(func() error { return serve(ctx, server) })
	group.Go(func() error { return mgr.Start(ctx) })
	group.Go(func() error { return warmInformers(ctx, mgr.GetCache(), &synced) })
	return group.Wait()
}

// warmInformers starts the GitRepo and Secret informers the handler reads.
// In gitjob its controllers already watch both, so the first webhook finds
// them synced; without this the first push here would pay the initial list.
func warmInformers(ctx context.Context, c cache.Cache, synced *atomic.Bool) error {
	for _, obj := range []client.Object{&fleet.GitRepo{}, &corev1.Secret{}} {
		if _, err := c.GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("starting the informer for %T: %w", obj, err)
		}
	}
	if !c.WaitForCacheSync(ctx) {
		return fmt.Errorf("waiting for the cache to sync: %w", ctx.Err())
	}
	synced.Store(true)
	ctrl.Log.WithName("fleetbench").Info("informers synced; serving Fleet's webhook handler")
	return nil
}

func serve(ctx context.Context, server *http.Server) error {
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdownCtx)
	}()
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("listening on %s: %w", server.Addr, err)
	}
	return nil
}
