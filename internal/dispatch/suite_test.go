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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/receiver"
	"github.com/webhook-operator/webhook-operator/internal/testenv"
	"github.com/webhook-operator/webhook-operator/internal/webhooksecret"
)

func TestEnvtest(t *testing.T) {
	testenv.SkipIfShort(t)
	RegisterFailHandler(Fail)
	RunSpecs(t, "dispatch envtest suite")
}

var (
	env     *envtest.Environment
	k8s     client.Client // the test's own client, not counted
	mgr     manager.Manager
	api     = &apiCounter{}
	stopMgr context.CancelFunc
)

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = testenv.Environment()
	Expect(err).NotTo(HaveOccurred())
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())

	k8s, err = client.New(cfg, client.Options{Scheme: testScheme()})
	Expect(err).NotTo(HaveOccurred())

	// The receiver's requests go through a counting, fault-injecting
	// transport, so tests can count API writes and simulate an outage.
	mcfg := rest.CopyConfig(cfg)
	mcfg.WrapTransport = api.wrap
	mgr, err = ctrl.NewManager(mcfg, ctrl.Options{
		Scheme:                 testScheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// The receiver's cache, for receivers named receiverName in every
		// namespace: each test has its own.
		Cache: receiver.CacheOptions(receiver.CacheScope{
			Name: receiverName, SecretName: receiverName + "-webhook", AllNamespaces: true, NamespaceLabels: true,
		}),
	})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	stopMgr = cancel
	Expect(SetupIndexes(ctx, mgr.GetCache())).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	Expect(mgr.GetCache().WaitForCacheSync(ctx)).To(BeTrue())
})

var _ = AfterSuite(func() {
	if stopMgr != nil {
		stopMgr()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// apiCounter counts the receiver's API requests and fails its GitRepo
// writes while outage is set.
type apiCounter struct {
	mu       sync.Mutex
	requests map[string]int // "METHOD path"
	outage   atomic.Bool
	refused  atomic.Int64
	// beforeSpecPatch runs once before the next GitRepo spec PATCH is sent.
	beforeSpecPatch func()
}

// onNextSpecPatch runs f before the next GitRepo spec patch reaches the API.
func (a *apiCounter) onNextSpecPatch(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.beforeSpecPatch = f
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (a *apiCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/gitrepos/") && a.outage.Load() {
			a.refused.Add(1)
			return nil, errors.New("injected API outage")
		}
		a.mu.Lock()
		if a.requests == nil {
			a.requests = map[string]int{}
		}
		a.requests[r.Method+" "+r.URL.Path]++
		var hook func()
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/gitrepos/") && !strings.HasSuffix(r.URL.Path, "/status") {
			hook, a.beforeSpecPatch = a.beforeSpecPatch, nil
		}
		a.mu.Unlock()
		if hook != nil {
			hook()
		}
		return next.RoundTrip(r)
	})
}

// statusWrites is how many status patches reached the API for a GitRepo.
func (a *apiCounter) statusWrites(ns, name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[fmt.Sprintf("PATCH /apis/fleet.cattle.io/v1alpha1/namespaces/%s/gitrepos/%s/status", ns, name)]
}

func (a *apiCounter) specWrites(ns, name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[fmt.Sprintf("PATCH /apis/fleet.cattle.io/v1alpha1/namespaces/%s/gitrepos/%s", ns, name)]
}

// eventWrites is how many Event writes (create or patch, both Event APIs)
// reached the API in a namespace.
func (a *apiCounter) eventWrites(ns string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for k, v := range a.requests {
		method, path, _ := strings.Cut(k, " ")
		if method != http.MethodGet && strings.Contains(path, "/namespaces/"+ns+"/events") {
			n += v
		}
	}
	return n
}

// gitRepoWrites is every write to GitRepos in a namespace: spec and status.
func (a *apiCounter) gitRepoWrites(ns string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for k, v := range a.requests {
		method, path, _ := strings.Cut(k, " ")
		if method != http.MethodGet && strings.Contains(path, "/namespaces/"+ns+"/gitrepos") {
			n += v
		}
	}
	return n
}

const (
	receiverName   = "hooks"
	receiverSecret = "receiver-secret"
	repoURL        = "https://github.com/Example-Org/fleet-examples"
)

// --- fixtures ---

func newNamespace(labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-", Labels: labels}}
	Expect(k8s.Create(context.Background(), ns)).To(Succeed())
	return ns.Name
}

// newReceiver creates a WebhookReceiver (GitHub enabled) and its Secret.
func newReceiver(ns string, mutate func(*v1alpha1.WebhookReceiver)) *v1alpha1.WebhookReceiver {
	wr := &v1alpha1.WebhookReceiver{
		ObjectMeta: metav1.ObjectMeta{Name: receiverName, Namespace: ns},
		Spec: v1alpha1.WebhookReceiverSpec{
			Host:      "hooks.example.com",
			Ingress:   &v1alpha1.IngressSpec{ClassName: "traefik"},
			Providers: v1alpha1.Providers{GitHub: &v1alpha1.ProviderSecret{Generate: true}},
		},
	}
	if mutate != nil {
		mutate(wr)
	}
	ctx := context.Background()
	Expect(k8s.Create(ctx, wr)).To(Succeed())
	Expect(k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: wr.SecretNameOrDefault(), Namespace: ns},
		Data:       map[string][]byte{"github": []byte(receiverSecret)},
	})).To(Succeed())
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(wr), wr)).To(Succeed()) // defaults
	return wr
}

func newGitRepo(ns, name, repo string, mutate func(*fleet.GitRepo)) *fleet.GitRepo {
	gr := &fleet.GitRepo{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       fleet.GitRepoSpec{Repo: repo, Branch: "main"},
	}
	if mutate != nil {
		mutate(gr)
	}
	Expect(k8s.Create(context.Background(), gr)).To(Succeed())
	// Wait until the receiver's cache has it, as it would in steady state.
	Eventually(func() error {
		return mgr.GetClient().Get(context.Background(), client.ObjectKeyFromObject(gr), &fleet.GitRepo{})
	}).Should(Succeed())
	return gr
}

func getGitRepo(ns, name string) *fleet.GitRepo {
	var gr fleet.GitRepo
	Expect(k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &gr)).To(Succeed())
	return &gr
}

func webhookCommit(ns, name string) func() string {
	return func() string { return getGitRepo(ns, name).Status.WebhookCommit }
}

// startDispatcher runs a Dispatcher for wr on the manager's cache; stop
// flushes it and waits.
func startDispatcher(wr *v1alpha1.WebhookReceiver, o Options) (*Dispatcher, func()) {
	o.Client, o.APIReader = mgr.GetClient(), mgr.GetAPIReader()
	o.Recorder = mgr.GetEventRecorder("webhook-receiver")
	o.Receiver = client.ObjectKeyFromObject(wr)
	o.AllNamespaces, o.NamespaceLabels = true, true
	// The receiver's webhookSecret watches, through the counting transport
	// like the rest of its requests.
	store := webhooksecret.NewStore(kubernetes.NewForConfigOrDie(mgr.GetConfig()), logf.Log.WithName("webhooksecret"))
	o.WebhookSecrets = store
	watcher := &webhooksecret.Watcher{Store: store, Cache: mgr.GetCache(), Reader: mgr.GetClient(), Receiver: o.Receiver,
		AllNamespaces: true, NamespaceLabels: true, Log: logf.Log.WithName("webhooksecret")}
	if o.RetryBaseDelay == 0 {
		o.RetryBaseDelay, o.RetryMaxDelay = 10*time.Millisecond, 200*time.Millisecond
	}
	d, err := New(o)
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(d.Start(ctx)).To(Succeed())
	}()
	go func() {
		defer GinkgoRecover()
		Expect(watcher.Start(ctx)).To(Succeed())
	}()
	// Warm the WebhookReceiver informer so Dispatch with an ended context
	// still reads it.
	Eventually(func() error { return mgr.GetClient().Get(ctx, o.Receiver, &v1alpha1.WebhookReceiver{}) }).Should(Succeed())
	return d, func() { cancel(); <-done }
}

// serve exposes the real receiver HTTP handler in front of d.
func serve(wr *v1alpha1.WebhookReceiver, d *Dispatcher, ack time.Duration) *httptest.Server {
	srv := receiver.NewServer(receiver.Options{
		Settings:       receiver.NewCacheSettings(mgr.GetClient(), wr.Name, wr.Namespace, wr.SecretNameOrDefault()),
		Dispatcher:     d,
		GitRepoSecrets: d.o.WebhookSecrets.(*webhooksecret.Store),
		AckTimeout:     ack,
	})
	s := httptest.NewServer(srv.Handler())
	DeferCleanup(s.Close)
	return s
}

type ghPush struct {
	repo, ref, commit, defaultBranch string
	deleted                          bool
}

func (p ghPush) payload() []byte {
	repo := strings.TrimPrefix(p.repo, "https://github.com/")
	if p.defaultBranch == "" {
		p.defaultBranch = "main"
	}
	b, err := json.Marshal(map[string]any{
		"ref": p.ref, "before": strings.Repeat("1", 40), "after": p.commit, "deleted": p.deleted,
		"repository": map[string]any{
			"full_name":      repo,
			"html_url":       "https://github.com/" + repo,
			"clone_url":      "https://github.com/" + repo + ".git",
			"ssh_url":        "git@github.com:" + repo + ".git",
			"default_branch": p.defaultBranch,
		},
	})
	Expect(err).NotTo(HaveOccurred())
	return b
}

// send delivers a GitHub push signed with secret and decodes the answer.
func send(s *httptest.Server, p ghPush, secret string) (int, receiver.Response) {
	d := gitsim.Delivery{Provider: "github", Event: "push", Payload: p.payload()}
	if secret != "" {
		d.Secret = []byte(secret)
	}
	resp, err := s.Client().Do(d.Request(s.URL + "/"))
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	var out receiver.Response
	Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
	return resp.StatusCode, out
}

func sha(i int) string { return fmt.Sprintf("%040x", i) }

func branch(b string) string { return "refs/heads/" + b }

func triggered(out receiver.Response) []string {
	var names []string
	for _, t := range out.Triggered {
		names = append(names, t.String()+"@"+t.Commit)
	}
	return names
}

// triggerEvents lists the Events the receiver emitted for a GitRepo write.
func triggerEvents(ns, name string) func() []eventsv1.Event {
	return func() []eventsv1.Event {
		var list eventsv1.EventList
		Expect(k8s.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
		var out []eventsv1.Event
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Reason == ReasonTriggered {
				out = append(out, e)
			}
		}
		return out
	}
}
