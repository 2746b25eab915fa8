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
	"fmt"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// BenchmarkConverge200 measures how long 200 WebhookReceivers take to
// converge on envtest: every child applied and status Ready. A helper plays
// the Deployment controller (marks each receiver Deployment available), as
// envtest runs no kubelet. Run it with:
//
//	go test ./controllers/ -run '^$' -bench Converge200 -benchtime 1x
func BenchmarkConverge200(b *testing.B) {
	const n = 200
	logf.SetLogger(logr.Discard())
	env, c, err := startEnv()
	if err != nil {
		b.Fatalf("starting envtest: %v", err)
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl, err := client.New(c, client.Options{Scheme: testScheme()})
	if err != nil {
		b.Fatal(err)
	}
	counter := &writeCounter{}
	if _, err := startManager(ctx, c, counter, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns := fmt.Sprintf("bench-%d", i)
		if err := cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
		writesBefore := counter.Load()
		start := time.Now()
		for j := 0; j < n; j++ {
			wr := ingressWR(ns, fmt.Sprintf("wr-%03d", j), "nginx", "/gitjob")
			wr.Spec.Ingress.Flavor = v1alpha1.FlavorNginx
			wr.Spec.Providers.GitLab = &v1alpha1.ProviderSecret{Generate: true}
			if err := cl.Create(ctx, wr); err != nil {
				b.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Minute)
		for {
			if time.Now().After(deadline) {
				b.Fatal("200 WebhookReceivers did not converge in 10 minutes")
			}
			var deps appsv1.DeploymentList
			if err := cl.List(ctx, &deps, client.InNamespace(ns)); err != nil {
				b.Fatal(err)
			}
			for k := range deps.Items {
				d := &deps.Items[k]
				if d.Status.ObservedGeneration != d.Generation {
					_ = markAvailable(cl, ns, d.Name)
				}
			}
			var list v1alpha1.WebhookReceiverList
			if err := cl.List(ctx, &list, client.InNamespace(ns)); err != nil {
				b.Fatal(err)
			}
			ready := 0
			for k := range list.Items {
				w := &list.Items[k]
				if w.Status.ObservedGeneration == w.Generation && meta.IsStatusConditionTrue(w.Status.Conditions, v1alpha1.ConditionReady) {
					ready++
				}
			}
			if ready == n {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.ReportMetric(elapsed.Seconds(), "s/200WR")
		b.ReportMetric(float64(counter.Load()-writesBefore)/n, "writes/WR")
		counter.mu.Lock()
		b.Logf("writes by request: %v", counter.by)
		counter.mu.Unlock()
	}
}
