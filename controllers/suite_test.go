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

package controllers

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/webhook-operator/webhook-operator/internal/testenv"
)

// The suite runs the real reconciler in a manager against a real API server
// (envtest). It starts WITHOUT the Traefik and Gateway API CRDs, checks the
// receivers that need them are Stalled, installs the CRDs mid-test and
// checks they heal without a restart.

var (
	testEnv    *envtest.Environment
	cfg        *rest.Config
	k8sClient  client.Client
	reconciler *WebhookReceiverReconciler
	writes     *writeCounter
	ctx        context.Context
	cancel     context.CancelFunc
)

func TestControllers(t *testing.T) {
	testenv.SkipIfShort(t)
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	testEnv, cfg, err = startEnv()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: testScheme()})
	Expect(err).NotTo(HaveOccurred())
	writes = &writeCounter{}
	reconciler, err = startManager(ctx, cfg, writes, []string{"cross-ok"})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilMust(clientgoscheme.AddToScheme(s))
	utilMust(AddToScheme(s))
	return s
}

func utilMust(err error) {
	if err != nil {
		panic(err)
	}
}

// optionalCRDPaths are the Traefik Middleware and Gateway API HTTPRoute CRDs.
func optionalCRDPaths() ([]string, error) {
	gw, err := testenv.GatewayAPIHTTPRouteCRD()
	if err != nil {
		return nil, err
	}
	tr, err := testenv.TraefikMiddlewareCRD()
	if err != nil {
		return nil, err
	}
	return []string{gw, tr}, nil
}

// startEnv starts kube-apiserver + etcd with only the project's CRD.
func startEnv() (*envtest.Environment, *rest.Config, error) {
	env, err := testenv.ProjectEnvironment()
	if err != nil {
		return nil, nil, err
	}
	c, err := env.Start()
	return env, c, err
}

// writeCounter counts the manager's non-GET requests (creates, updates,
// patches, applies, deletes, events): the API writes of the operator.
type writeCounter struct {
	n  atomic.Int64
	mu sync.Mutex
	// by counts writes per "METHOD resource", to explain a figure.
	by map[string]int
}

func (w *writeCounter) Load() int64 { return w.n.Load() }

type countingTransport struct {
	next http.RoundTripper
	c    *writeCounter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		t.c.n.Add(1)
		t.c.mu.Lock()
		if t.c.by == nil {
			t.c.by = map[string]int{}
		}
		parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
		res := parts[len(parts)-1]
		if len(parts) > 1 && (res == "status") {
			res = parts[len(parts)-3] + "/status"
		} else if req.Method != http.MethodPost && len(parts) > 1 {
			res = parts[len(parts)-2]
		}
		t.c.by[req.Method+" "+res]++
		t.c.mu.Unlock()
	}
	return t.next.RoundTrip(req)
}

// startManager runs the reconciler in a manager whose requests are counted.
func startManager(ctx context.Context, c *rest.Config, counter *writeCounter, crossNS []string) (*WebhookReceiverReconciler, error) {
	mcfg := rest.CopyConfig(c)
	mcfg.QPS, mcfg.Burst = 200, 400
	mcfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return &countingTransport{next: rt, c: counter}
	}
	mgr, err := ctrl.NewManager(mcfg, ctrl.Options{
		Scheme:                 testScheme(),
		Cache:                  CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		return nil, err
	}
	r := &WebhookReceiverReconciler{
		Client:                   mgr.GetClient(),
		Recorder:                 mgr.GetEventRecorder("webhook-operator"),
		ReceiverImage:            "webhook-operator:test",
		CrossNamespaceNamespaces: crossNS,
		MissingCRDRequeueAfter:   time.Second,
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		return nil, err
	}
	go func() {
		defer GinkgoRecover()
		if err := mgr.Start(ctx); err != nil {
			panic(err)
		}
	}()
	return r, nil
}

// markAvailable plays the Deployment controller and kubelet (not running in
// envtest): the receiver Deployment reports all replicas ready.
func markAvailable(c client.Client, ns, name string) error {
	d := &appsv1.Deployment{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
		return err
	}
	n := ptr.Deref(d.Spec.Replicas, 1)
	now := metav1.Now()
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		Replicas:           n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
		Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
			LastUpdateTime: now, LastTransitionTime: now,
		}},
	}
	return c.Status().Update(context.Background(), d)
}
