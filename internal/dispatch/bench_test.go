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
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"github.com/rancher/wrangler/v3/pkg/genericcondition"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver"
)

// The benchmarks run the receiver's real controller-runtime cache (informers,
// transform, field index) on in-memory list responses instead of an API
// server, so they measure the receiver alone.

// fatGitRepo is a GitRepo the size Fleet and kubectl make them: managed
// fields, a last-applied annotation, targets, and a status listing resources.
func fatGitRepo(i int) *fleet.GitRepo {
	gr := &fleet.GitRepo{
		TypeMeta: metav1.TypeMeta{APIVersion: "fleet.cattle.io/v1alpha1", Kind: "GitRepo"},
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("repo-%05d", i), Namespace: testNS,
			UID: types.UID(fmt.Sprintf("00000000-0000-0000-0000-%012d", i)), ResourceVersion: fmt.Sprint(1000 + i),
			Generation: 3, Labels: map[string]string{"team": fmt.Sprintf("t%d", i%10)},
			Annotations: map[string]string{
				"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat(`{"apiVersion":"fleet.cattle.io/v1alpha1","kind":"GitRepo"}`, 20),
			},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply, APIVersion: "fleet.cattle.io/v1alpha1",
					FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(strings.Repeat(`{"f:spec":{"f:repo":{}}}`, 20))},
				{Manager: "fleetcontroller", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "fleet.cattle.io/v1alpha1",
					Subresource: "status", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(strings.Repeat(`{"f:status":{"f:commit":{}}}`, 30))},
			},
		},
		Spec: fleet.GitRepoSpec{
			Repo:   fmt.Sprintf("https://github.com/org/repo-%05d", i),
			Branch: "main", Paths: []string{"apps/a", "apps/b", "infra"},
			Targets: []fleet.GitTarget{{Name: "prod", ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}},
		},
		Status: fleet.GitRepoStatus{
			Commit: strings.Repeat("a", 40), WebhookCommit: "c0",
			StatusBase: fleet.StatusBase{Display: fleet.StatusDisplay{ReadyBundleDeployments: "3/3", State: "Ready"}},
		},
	}
	for j := range 5 {
		gr.Status.Conditions = append(gr.Status.Conditions, genericcondition.GenericCondition{
			Type: fmt.Sprintf("Cond%d", j), Status: corev1.ConditionTrue, LastUpdateTime: "2026-11-26T18:00:00Z"})
	}
	for j := range 20 {
		gr.Status.Resources = append(gr.Status.Resources, fleet.Resource{
			APIVersion: "apps/v1", Kind: "Deployment", Type: "apps.deployment", ID: fmt.Sprintf("ns/app-%d", j),
			Namespace: "ns", Name: fmt.Sprintf("app-%d", j), State: "Ready"})
	}
	return gr
}

// memCache starts a cache configured as the receiver's (CacheOptions plus
// the index) whose informers list n generated GitRepos and one
// WebhookReceiver. The generated objects are not retained outside the cache.
func memCache(tb testing.TB, n int, transform bool) (cache.Cache, context.CancelFunc) {
	tb.Helper()
	s := testScheme()
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(fleet.SchemeGroupVersion.WithKind("GitRepo"), meta.RESTScopeNamespace)
	mapper.Add(v1alpha1.GroupVersion.WithKind("WebhookReceiver"), meta.RESTScopeNamespace)
	mapper.Add(corev1.SchemeGroupVersion.WithKind("Secret"), meta.RESTScopeNamespace)
	opts := receiver.CacheOptions(receiver.CacheScope{Name: "wr", Namespace: testNS, SecretName: "wr-webhook", AllNamespaces: true})
	if !transform {
		opts.DefaultTransform = nil
		for k, v := range opts.ByObject {
			v.Transform = nil
			opts.ByObject[k] = v
		}
	}
	list := func(obj kruntime.Object) kruntime.Object {
		switch obj.(type) {
		case *fleet.GitRepo:
			l := &fleet.GitRepoList{ListMeta: metav1.ListMeta{ResourceVersion: "1"}}
			for i := range n {
				l.Items = append(l.Items, *fatGitRepo(i))
			}
			return l
		case *v1alpha1.WebhookReceiver:
			wr := testReceiver()
			wr.ResourceVersion = "1"
			return &v1alpha1.WebhookReceiverList{ListMeta: metav1.ListMeta{ResourceVersion: "1"}, Items: []v1alpha1.WebhookReceiver{*wr}}
		}
		panic(fmt.Sprintf("no list for %T", obj))
	}
	c, err := cache.New(&rest.Config{Host: "http://127.0.0.1:1"}, cache.Options{
		Scheme: s, Mapper: mapper, ByObject: opts.ByObject, DefaultTransform: opts.DefaultTransform,
		NewInformer: func(_ toolscache.ListerWatcher, obj kruntime.Object, resync time.Duration, idx toolscache.Indexers) toolscache.SharedIndexInformer {
			lw := listOnly{&toolscache.ListWatch{
				ListWithContextFunc: func(context.Context, metav1.ListOptions) (kruntime.Object, error) { return list(obj), nil },
				WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) {
					return watch.NewFake(), nil
				},
			}}
			return toolscache.NewSharedIndexInformer(lw, obj, resync, idx)
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := SetupIndexes(ctx, c); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = c.Start(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	if !c.WaitForCacheSync(ctx) {
		tb.Fatal("cache did not sync")
	}
	if err := c.Get(ctx, types.NamespacedName{Namespace: testNS, Name: "wr"}, &v1alpha1.WebhookReceiver{}); err != nil {
		tb.Fatal(err)
	}
	return c, stop
}

// listOnly tells the reflector to list then watch, not to expect a
// watch-list stream the in-memory watcher cannot send.
type listOnly struct{ *toolscache.ListWatch }

func (listOnly) IsWatchListSemanticsUnSupported() bool { return true }

// benchClient reads from the cache and counts (without performing) writes.
func benchClient(c cache.Cache, writes *atomic.Int64) client.Client {
	return fake.NewClientBuilder().WithScheme(testScheme()).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, _ client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, _ client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			return c.List(ctx, list, opts...)
		},
		Patch: func(context.Context, client.WithWatch, client.Object, client.Patch, ...client.PatchOption) error {
			writes.Add(1)
			return nil
		},
		SubResourcePatch: func(context.Context, client.Client, string, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
			writes.Add(1)
			return nil
		},
	}).Build()
}

func benchDispatcher(b *testing.B, c cache.Cache, writes *atomic.Int64, o Options) *Dispatcher {
	cl := benchClient(c, writes)
	o.Client, o.APIReader, o.WebhookSecrets = cl, cl, cl
	o.Receiver = types.NamespacedName{Namespace: testNS, Name: "wr"}
	d, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkLookup is one Dispatch of a push matching one GitRepo among n:
// WebhookReceiver read, index lookup, match rules, and the no-op answer
// (the GitRepo already carries the commit, so nothing is queued).
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c, stop := memCache(b, n, true)
			defer stop()
			var writes atomic.Int64
			d := benchDispatcher(b, c, &writes, Options{})
			reqs := make([]push.Request, 64)
			for i := range reqs {
				reqs[i] = githubPush(fmt.Sprintf("org/repo-%05d", (i*7919)%n), "main", "c0")
				reqs[i].Authenticated, reqs[i].Hosts = false, []string{"github.com"}
			}
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				res, err := d.Dispatch(ctx, reqs[i%len(reqs)])
				if err != nil || len(res.Written) != 1 {
					b.Fatalf("Dispatch: %+v, %v", res, err)
				}
				i++
			}
			if writes.Load() != 0 {
				b.Fatalf("%d writes for no-op pushes", writes.Load())
			}
		})
	}
}

// BenchmarkWritesPerBurst sends a burst of pushes (all different commits)
// within one window and reports the API writes it cost.
func BenchmarkWritesPerBurst(b *testing.B) {
	for _, tc := range []struct{ pushes, repos int }{{100, 1}, {1000, 10}, {1000, 100}} {
		b.Run(fmt.Sprintf("pushes=%d/gitrepos=%d", tc.pushes, tc.repos), func(b *testing.B) {
			c, stop := memCache(b, tc.repos, true)
			defer stop()
			var writes atomic.Int64
			ended, cancel := context.WithCancel(context.Background())
			cancel()
			for b.Loop() {
				// A window longer than the burst; the shutdown flush writes.
				d := benchDispatcher(b, c, &writes, Options{Window: time.Hour, QPS: 1000, Burst: 1000})
				ctx, stopD := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { _ = d.Start(ctx); close(done) }()
				for i := range tc.pushes {
					req := githubPush(fmt.Sprintf("org/repo-%05d", i%tc.repos), "main", fmt.Sprintf("burst-%d", i))
					req.Authenticated, req.Hosts = false, []string{"github.com"}
					if _, err := d.Dispatch(ended, req); err != nil {
						b.Fatal(err)
					}
				}
				stopD()
				<-done
			}
			b.ReportMetric(float64(writes.Load())/float64(b.N), "writes/burst")
			b.ReportMetric(float64(tc.pushes), "pushes/burst")
		})
	}
}

// BenchmarkCacheMemory reports the receiver's heap per cached GitRepo, with
// the transform (as deployed) and without it (what a plain cache costs).
func BenchmarkCacheMemory(b *testing.B) {
	const n = 10000
	heap := func() int64 {
		// Twice: the first cycle may only finalise what the second frees.
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	for _, transform := range []bool{true, false} {
		b.Run(fmt.Sprintf("gitrepos=%d/transform=%v", n, transform), func(b *testing.B) {
			var perRepo float64
			for b.Loop() {
				before := heap()
				c, stop := memCache(b, n, transform)
				after := heap()
				var l fleet.GitRepoList
				if err := c.List(context.Background(), &l); err != nil || len(l.Items) != n {
					b.Fatalf("cache holds %d GitRepos (%v), want %d", len(l.Items), err, n)
				}
				perRepo = max(perRepo, float64(after-before)/n)
				stop()
			}
			b.ReportMetric(perRepo, "bytes/gitrepo")
		})
	}
}

// countingRecorder counts Events: each one is an API write.
type countingRecorder struct{ n *atomic.Int64 }

func (r countingRecorder) Eventf(kruntime.Object, kruntime.Object, string, string, string, string, ...any) {
	r.n.Add(1)
}

// BenchmarkDistinctPushes is one push to a different GitRepo per op (among
// 10,000, unauthenticated so no pollingInterval), each request waiting for
// its write as a Git host does. It reports the API writes per push, Events
// included, and the time a push takes with and without a coalescing window.
// Past 10,000 ops GitRepos come round again: with a window, a GitRepo
// pushed again within it rides on its trailing write.
func BenchmarkDistinctPushes(b *testing.B) {
	const n = 10000
	c, stop := memCache(b, n, true)
	defer stop()
	for _, window := range []time.Duration{0, time.Second} {
		b.Run(fmt.Sprintf("window=%s", window), func(b *testing.B) {
			var writes atomic.Int64
			o := Options{Window: window, QPS: 1e6, Burst: 1e6, MaxPending: 1 << 20, Recorder: countingRecorder{&writes}}
			d := benchDispatcher(b, c, &writes, o)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = d.Start(ctx); close(done) }()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := githubPush(fmt.Sprintf("org/repo-%05d", i%n), "main", fmt.Sprintf("p-%d", i))
				req.Authenticated = false
				if _, err := d.Dispatch(context.Background(), req); err != nil {
					b.Fatal(err)
				}
				i++
			}
			cancel()
			<-done
			b.ReportMetric(float64(writes.Load())/float64(i), "writes/push")
		})
	}
}
