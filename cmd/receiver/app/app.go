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

// Package app is the webhook receiver process: its flags, and the HTTP
// server (internal/receiver) and GitRepo dispatcher (internal/dispatch) on
// one controller-runtime manager. The webhook-receiver binary
// (cmd/receiver) runs it, and so does `webhook-operator receiver`.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/go-logr/logr"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/dispatch"
	"github.com/webhook-operator/webhook-operator/internal/kubeconfig"
	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver"
	"github.com/webhook-operator/webhook-operator/internal/webhooksecret"
)

// receiverEventSource is the reporting controller of the receiver's Events.
const receiverEventSource = "webhook-receiver"

// Run runs the webhook receiver of one WebhookReceiver: the HTTP server
// (internal/receiver) and the GitRepo dispatcher (internal/dispatch) on one
// controller-runtime manager whose cache holds only what they read. args
// are the flags; the result is the process exit code.
func Run(args []string) int {
	fs := flag.NewFlagSet("receiver", flag.ContinueOnError)
	name := fs.String("name", "", "name of the WebhookReceiver to serve (required)")
	namespace := fs.String("namespace", "", "namespace of the WebhookReceiver (required)")
	secretName := fs.String("secret-name", "", "the receiver's provider Secret (default <name>-webhook)")
	bindAddr := fs.String("bind-address", receiver.DefaultBindAddress, "address the webhook endpoint binds to")
	probeAddr := fs.String("health-probe-bind-address", ":8081", "address the health probe endpoint binds to")
	metricsAddr := fs.String("metrics-bind-address", ":8082", "address the metrics endpoint binds to (0 disables it)")
	pprofAddr := fs.String("pprof-bind-address", "0", "address Go's pprof endpoints bind to, for profiling (0, the default, disables them)")
	maxBody := fs.Int64("max-body-bytes", receiver.DefaultMaxBodyBytes, "largest webhook body accepted; larger gets 413")
	maxInflight := fs.Int64("max-inflight-bytes", receiver.DefaultMaxInflightBytes,
		"bytes the bodies of webhooks being served may hold at once; beyond it a webhook gets 503 with Retry-After")
	ackTimeout := fs.Duration("ack-timeout", receiver.DefaultAckTimeout, "how long a webhook waits for its GitRepo writes before 202")
	maxPending := fs.Int("max-pending", dispatch.DefaultMaxPending, "GitRepos with a pending write beyond which webhooks get 503")
	grace := fs.Duration("shutdown-grace-period", dispatch.DefaultShutdownGrace, "how long shutdown may take to flush pending GitRepo writes")
	kubeconfigPath := fs.String("kubeconfig", "", "path to a kubeconfig (default: $KUBECONFIG, else in-cluster)")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "receiver: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usageError("unexpected arguments %v", fs.Args())
	case *name == "" || *namespace == "":
		return usageError("--name and --namespace are required")
	case *ackTimeout <= 0:
		return usageError("--ack-timeout must be positive")
	case *maxBody <= 0:
		return usageError("--max-body-bytes must be positive")
	case *maxInflight < receiver.MinInflightBytes(*maxBody):
		return usageError("--max-inflight-bytes must be at least twice --max-body-bytes (a form body holds its payload field beside itself)")
	case *grace <= 0:
		return usageError("--shutdown-grace-period must be positive")
	}
	if *secretName == "" {
		*secretName = (&v1alpha1.WebhookReceiver{ObjectMeta: ctrl.ObjectMeta{Name: *name}}).SecretNameOrDefault()
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	setGCPercent()
	log := ctrl.Log.WithName("receiver")
	if err := serveReceiver(ctrl.SetupSignalHandler(), receiverFlags{
		name: *name, namespace: *namespace, secretName: *secretName, kubeconfig: *kubeconfigPath,
		bindAddr: *bindAddr, probeAddr: *probeAddr, metricsAddr: *metricsAddr, pprofAddr: *pprofAddr,
		maxBody: *maxBody, maxInflight: *maxInflight, ackTimeout: *ackTimeout, maxPending: *maxPending, grace: *grace,
	}); err != nil {
		log.Error(err, "receiver failed")
		return 1
	}
	return 0
}

// setGCPercent sets receiver.GCPercent as GOGC unless the environment sets
// one.
func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(receiver.GCPercent)
	}
}

type receiverFlags struct {
	name, namespace, secretName, kubeconfig     string
	bindAddr, probeAddr, metricsAddr, pprofAddr string
	maxBody, maxInflight                        int64
	ackTimeout, grace                           time.Duration
	maxPending                                  int
}

func serveReceiver(ctx context.Context, f receiverFlags) error {
	log := ctrl.Log.WithName("receiver")
	cfg, err := kubeconfig.Load(f.kubeconfig)
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, v1alpha1.AddToScheme, fleet.AddToScheme} {
		if err := add(scheme); err != nil {
			return fmt.Errorf("building scheme: %w", err)
		}
	}
	key := types.NamespacedName{Namespace: f.namespace, Name: f.name}
	at, err := readAtStart(ctx, cfg, scheme, key)
	if err != nil {
		return err
	}

	// The workqueue's token bucket (spec.batching) is the limit on GitRepo
	// writes; client-go's default 5 QPS would silently cap it below that.
	// A GitRepo's first trigger costs two writes (spec, then status), plus
	// an Event per write, hence the headroom.
	cfg.QPS = float32(3*at.wr.Spec.Batching.QPSOrDefault() + 10)
	cfg.Burst = int(3*at.wr.Spec.Batching.BurstOrDefault() + 10)

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		Cache: receiver.CacheOptions(receiver.CacheScope{
			Name: f.name, Namespace: f.namespace, SecretName: f.secretName,
			AllNamespaces: at.allNamespaces, NamespaceLabels: at.namespaceLabels,
		}),
		Metrics:                metricsserver.Options{BindAddress: f.metricsAddr},
		HealthProbeBindAddress: f.probeAddr,
		PprofBindAddress:       f.pprofAddr,
		// Runnables (the dispatcher's flush) finish within the grace period.
		GracefulShutdownTimeout: ptr.To(f.grace + 5*time.Second),
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	secrets, err := addWebhookSecrets(mgr, key, at, log)
	if err != nil {
		return err
	}
	d, err := addDispatcher(ctx, mgr, key, at, f, secrets, log)
	if err != nil {
		return err
	}
	if err := addWebhookServer(mgr, d, secrets, f, log); err != nil {
		return err
	}
	b := &at.wr.Spec.Batching
	log.Info("starting", "webhookReceiver", key, "secret", f.secretName,
		"allNamespaces", at.allNamespaces, "namespaceLabels", at.namespaceLabels,
		"window", b.WindowOrDefault().String(), "qps", b.QPSOrDefault(), "burst", b.BurstOrDefault())
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running manager: %w", err)
	}
	return nil
}

// startView is what the receiver reads once, directly, before its cache
// exists.
type startView struct {
	wr *v1alpha1.WebhookReceiver
	// allNamespaces: a cross-namespace receiver allowed to list and watch
	// GitRepos cluster-wide; namespaceLabels: and Namespaces too.
	allNamespaces, namespaceLabels bool
}

// readAtStart reads the WebhookReceiver once to size the cache: GitRepos of
// every namespace only for a cross-namespace receiver that is allowed to
// list them, and Namespaces only when their labels can be read. The
// batching rate limiter is built from it once too; the operator rolls the
// receiver when these change (targets and batching are read at start).
func readAtStart(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, key types.NamespacedName) (startView, error) {
	log := ctrl.Log.WithName("receiver")
	direct, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return startView{}, fmt.Errorf("creating API client: %w", err)
	}
	at := startView{wr: &v1alpha1.WebhookReceiver{ObjectMeta: ctrl.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := direct.Get(ctx, key, at.wr); err != nil {
		// Serve anyway: a missing WebhookReceiver enables no provider, and
		// its own-namespace defaults are the safe ones.
		log.Error(err, "reading the WebhookReceiver at start; using defaults", "webhookReceiver", key)
	}
	if !at.wr.Spec.Targets.CrossNamespace() {
		return at, nil
	}
	at.allNamespaces = canListWatch(ctx, direct, fleet.SchemeGroupVersion.Group, "gitrepos")
	at.namespaceLabels = at.allNamespaces && canListWatch(ctx, direct, "", "namespaces")
	if !at.allNamespaces {
		log.Info("targets.namespaceSelector is set but GitRepos cannot be listed cluster-wide: targeting this namespace only")
	} else if !at.namespaceLabels {
		log.Info("namespaces cannot be listed: targets.namespaceSelector matches on the kubernetes.io/metadata.name label only")
	}
	return at, nil
}

// addDispatcher indexes the cache for the dispatcher and adds it to mgr.
func addDispatcher(ctx context.Context, mgr manager.Manager, key types.NamespacedName, at startView, f receiverFlags,
	secrets *webhooksecret.Store, log logr.Logger) (*dispatch.Dispatcher, error) {
	if err := dispatch.SetupIndexes(ctx, mgr.GetCache()); err != nil {
		return nil, err
	}
	if at.namespaceLabels {
		// Create the Namespace informer now, so it syncs with the cache
		// instead of on the first cross-namespace push.
		if _, err := mgr.GetCache().GetInformer(ctx, &corev1.Namespace{}); err != nil {
			return nil, fmt.Errorf("watching namespaces: %w", err)
		}
	}
	opts := dispatch.Options{
		Client:          mgr.GetClient(),
		APIReader:       mgr.GetAPIReader(),
		WebhookSecrets:  secrets,
		Recorder:        mgr.GetEventRecorder(receiverEventSource),
		Receiver:        key,
		AllNamespaces:   at.allNamespaces,
		NamespaceLabels: at.namespaceLabels,
		MaxPending:      f.maxPending,
		ShutdownGrace:   f.grace,
		Logger:          log.WithName("dispatch"),
	}
	opts.SetBatching(at.wr)
	d, err := dispatch.New(opts)
	if err != nil {
		return nil, fmt.Errorf("creating dispatcher: %w", err)
	}
	if err := mgr.Add(d); err != nil {
		return nil, fmt.Errorf("adding dispatcher: %w", err)
	}
	return d, nil
}

// addWebhookSecrets keeps the Secrets that GitRepos inside the targets name
// in spec.webhookSecret watched, one name-selected watch each, for the
// dispatcher and the handler.
func addWebhookSecrets(mgr manager.Manager, key types.NamespacedName, at startView, log logr.Logger) (*webhooksecret.Store, error) {
	cs, err := kubernetes.NewForConfig(mgr.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("creating the webhookSecret client: %w", err)
	}
	store := webhooksecret.NewStore(cs, log.WithName("webhooksecret"))
	w := &webhooksecret.Watcher{Store: store, Cache: mgr.GetCache(), Reader: mgr.GetClient(), Receiver: key,
		AllNamespaces: at.allNamespaces, NamespaceLabels: at.namespaceLabels, Log: log.WithName("webhooksecret")}
	if err := mgr.Add(w); err != nil {
		return nil, fmt.Errorf("adding the webhookSecret watcher: %w", err)
	}
	return store, nil
}

// addWebhookServer adds the webhook endpoint in front of d, and the health
// and readiness checks, to mgr.
func addWebhookServer(mgr manager.Manager, d push.Dispatcher, secrets *webhooksecret.Store, f receiverFlags, log logr.Logger) error {
	srv := receiver.NewServer(receiver.Options{
		BindAddress:      f.bindAddr,
		MaxBodyBytes:     f.maxBody,
		MaxInflightBytes: f.maxInflight,
		AckTimeout:       f.ackTimeout,
		Settings:         receiver.NewCacheSettings(mgr.GetCache(), f.name, f.namespace, f.secretName),
		Dispatcher:       d,
		GitRepoSecrets:   secrets,
		Logger:           log,
	})
	if err := mgr.Add(srv); err != nil {
		return fmt.Errorf("adding webhook server: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("adding health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", srv.ReadyCheck()); err != nil {
		return fmt.Errorf("adding ready check: %w", err)
	}
	return nil
}

// canListWatch asks the API server whether this process may list and watch
// a resource in every namespace.
func canListWatch(ctx context.Context, c client.Client, group, resource string) bool {
	for _, verb := range []string{"list", "watch"} {
		ssar := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Group: group, Resource: resource, Verb: verb},
		}}
		if err := c.Create(ctx, ssar); err != nil || !ssar.Status.Allowed {
			return false
		}
	}
	return true
}
