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
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const (
	fleetName = "Fleet"
	oursName  = "ours"
)

// target is a running webhook server under test: our receiver process or
// Fleet's handler process.
type target struct {
	name string
	url  string
	proc *devenv.Process
	// window is how long a push may wait for its write to land (ours'
	// batching window; 0 for Fleet, which writes before answering).
	window time.Duration
}

func (t *target) stop() {
	if t != nil && t.proc != nil {
		_ = t.proc.Stop(30 * time.Second)
	}
}

// rss returns the process's VmRSS and VmHWM (peak) in KiB.
func (t *target) rss() (rss, hwm int) { return procStatus(t.proc.Pid()) }

// batching is the spec.batching YAML of one of our WebhookReceivers: window
// "default" leaves the CRD default, qps 0 leaves qps and burst defaulted.
func batching(window string, qps, burst int) string {
	var f []string
	if window != "default" {
		f = append(f, "window: "+window)
	}
	if qps > 0 {
		f = append(f, fmt.Sprintf("qps: %d, burst: %d", qps, burst))
	}
	return "{" + strings.Join(f, ", ") + "}"
}

// startOurs creates a WebhookReceiver with the given batching and its
// Secret, starts a receiver process for it and warms it up with a push to
// warmRepo. The target is returned (to be stopped) even on a failed warm-up.
func (e *env) startOurs(ctx context.Context, window string, qps, burst int, warmRepo string) (*target, error) {
	e.seq++
	name := fmt.Sprintf("bench-%d", e.seq)
	// YAML, as a user writes it (and independent of the Go field shapes).
	wrYAML := fmt.Sprintf(`apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata: {name: %s, namespace: %s}
spec:
  host: bench.example.com
  ingress: {className: nginx, flavor: nginx}
  providers:
    github: {generate: true}
  pollingInterval: 1h
  batching: %s
`, name, namespace, batching(window, qps, burst))
	if _, err := devenv.ApplyYAML(ctx, e.c, []byte(wrYAML), namespace, nil); err != nil {
		return nil, fmt.Errorf("creating WebhookReceiver: %w", err)
	}
	wr := &whv1alpha1.WebhookReceiver{}
	if err := e.c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, wr); err != nil {
		return nil, fmt.Errorf("reading WebhookReceiver: %w", err)
	}
	// No operator runs here: the receiver alone is measured, so the Secret
	// the operator would generate is written directly.
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: wr.SecretNameOrDefault(), Namespace: namespace},
		Data:       map[string][]byte{whv1alpha1.SecretKeyGitHub: e.secret},
	}
	if err := e.c.Create(ctx, sec); err != nil {
		return nil, fmt.Errorf("creating Secret: %w", err)
	}
	rcv, err := e.ours.StartReceiver(ctx, "receiver-"+name, devenv.ReceiverOptions{Name: wr.Name, Namespace: namespace, SecretName: sec.Name})
	if err != nil {
		return nil, err
	}
	t := &target{name: oursName, url: rcv.Endpoints.WebhookURL(), proc: rcv.Process, window: wr.Spec.Batching.WindowOrDefault()}
	return t, e.warmUp(ctx, t, warmRepo)
}

// startFleet starts Fleet's handler (bin/fleetbench) on the control plane,
// waits until its informers synced and warms it up with a push to warmRepo.
func (e *env) startFleet(ctx context.Context, warmRepo string) (*target, error) {
	e.seq++
	name := fmt.Sprintf("fleet-%d", e.seq)
	addrs, err := freeAddrs(2)
	if err != nil {
		return nil, err
	}
	p, err := devenv.StartProcess(devenv.ProcessSpec{
		Name: name, Path: e.fleetPath,
		Args: []string{
			"--kubeconfig", e.cp.Kubeconfig, "--namespace", fleetNamespace,
			"--bind", addrs[0], "--health-probe-bind-address", addrs[1],
		},
		LogFile: filepath.Join(e.dir, name+".log"),
	})
	if err != nil {
		return nil, err
	}
	t := &target{name: fleetName, url: "http://" + addrs[0] + "/", proc: p}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := devenv.WaitHTTPOK(wctx, "http://"+addrs[1]+"/readyz", p); err != nil {
		return t, fmt.Errorf("%s did not become ready: %w", name, err)
	}
	return t, e.warmUp(ctx, t, warmRepo)
}

// warmUp sends pushes to repo until one is answered 2xx, so connections,
// caches and code paths are warm before timing.
func (e *env) warmUp(ctx context.Context, t *target, repo string) error {
	p := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: repoURL(repo), Branch: "main"}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		p.Commit = gitsim.RandomSHA()
		d, derr := newDelivery(p, e.secret)
		if derr != nil {
			return false, derr
		}
		code, perr := post(ctx, http.DefaultClient, t.url, d)
		return perr == nil && code/100 == 2, nil
	})
	if err != nil {
		return fmt.Errorf("warm-up push to %s never answered 2xx: %w; log:\n%s", t.name, err, t.proc.LogTail(20))
	}
	return nil
}

// freeAddrs picks n distinct free loopback addresses.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	// Hold every listener until all are picked, so the ports differ.
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("picking a free port: %w", err)
		}
		defer func() { _ = l.Close() }()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}
