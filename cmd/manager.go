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
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/webhook-operator/webhook-operator/controllers"
	"github.com/webhook-operator/webhook-operator/internal/kubeconfig"
)

// managerLeaderElectionID is the Lease the operator's replicas compete for.
const managerLeaderElectionID = "webhook-operator.webhook-operator.dev"

// runManager runs the operator: the WebhookReceiver controller.
func runManager(args []string) int {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	metricsAddr := fs.String("metrics-bind-address", ":8080", "address the metrics endpoint binds to (0 disables it)")
	probeAddr := fs.String("health-probe-bind-address", ":8081", "address the health probe endpoint binds to")
	leaderElect := fs.Bool("leader-elect", false, "enable leader election, so only one replica reconciles")
	receiverImage := fs.String("receiver-image", "", "receiver image (default: $RELATED_IMAGE_RECEIVER, else $OPERATOR_IMAGE, else "+controllers.DefaultReceiverImage+")")
	crossNS := fs.String("cross-namespace-namespaces", "", "comma-separated namespaces whose WebhookReceivers may target other namespaces (default: the operator's own namespace, $POD_NAMESPACE)")
	clusterRole := fs.String("receiver-cluster-role", controllers.DefaultReceiverClusterRole, "ClusterRole receivers are bound to")
	kubeconfigPath := fs.String("kubeconfig", "", "path to a kubeconfig (default: $KUBECONFIG, else in-cluster)")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "manager: unexpected arguments %v\n", fs.Args())
		fs.Usage()
		return 2
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	logger := ctrl.Log.WithName("manager")

	cfg, err := kubeconfig.Load(*kubeconfigPath)
	if err != nil {
		logger.Error(err, "loading kubeconfig")
		return 1
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, controllers.AddToScheme} {
		if err := add(scheme); err != nil {
			logger.Error(err, "building scheme")
			return 1
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  controllers.CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: *metricsAddr},
		HealthProbeBindAddress: *probeAddr,
		LeaderElection:         *leaderElect,
		LeaderElectionID:       managerLeaderElectionID,
		// The manager exits right after losing its lease, so releasing it on
		// shutdown is safe and lets a new leader take over at once.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		logger.Error(err, "creating manager")
		return 1
	}
	ctx := ctrl.SetupSignalHandler()
	r := &controllers.WebhookReceiverReconciler{
		Client:                   mgr.GetClient(),
		Recorder:                 mgr.GetEventRecorder("webhook-operator"),
		ReceiverImage:            controllers.ResolveReceiverImage(*receiverImage, os.Getenv),
		ReceiverClusterRole:      *clusterRole,
		CrossNamespaceNamespaces: managerCrossNamespaces(*crossNS, os.Getenv("POD_NAMESPACE")),
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		logger.Error(err, "setting up the WebhookReceiver controller")
		return 1
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		logger.Error(err, "adding health check")
		return 1
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		logger.Error(err, "adding ready check")
		return 1
	}
	logger.Info("starting", "receiverImage", r.ReceiverImage, "crossNamespaceNamespaces", r.CrossNamespaceNamespaces)
	if err := mgr.Start(ctx); err != nil {
		logger.Error(err, "running manager")
		return 1
	}
	return 0
}

// managerCrossNamespaces parses --cross-namespace-namespaces; empty means
// the operator's own namespace.
func managerCrossNamespaces(flagValue, podNamespace string) []string {
	var out []string
	for _, ns := range strings.Split(flagValue, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out = append(out, ns)
		}
	}
	if len(out) == 0 && podNamespace != "" {
		out = []string{podNamespace}
	}
	return out
}
