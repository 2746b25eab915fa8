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

package realworld

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// Env is what the components run against: the control plane, where the
// binaries are, a work folder for their files and logs, and how to start
// (and keep track of) a process.
type Env struct {
	Client     client.Client
	Kubeconfig string
	BinsDir    string
	WorkDir    string
	Assets     Assets
	// Start starts a process; the caller stops it. Its LogFile, when empty,
	// is <WorkDir>/<Name>.log.
	Start func(devenv.ProcessSpec) (*devenv.Process, error)
}

func (e Env) start(spec devenv.ProcessSpec) (*devenv.Process, error) {
	if spec.LogFile == "" {
		spec.LogFile = filepath.Join(e.WorkDir, spec.Name+".log")
	}
	start := e.Start
	if start == nil {
		start = devenv.StartProcess
	}
	return start(spec)
}

func (e Env) apply(ctx context.Context, yaml string) error {
	_, err := devenv.ApplyYAML(ctx, e.Client, []byte(yaml), "default", nil)
	return err
}

// traefikClassesYAML are the classes users install with Traefik: Ingresses
// of class "traefik" and Gateways of class "traefik" are Traefik's.
const traefikClassesYAML = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: traefik
spec:
  controller: traefik.io/ingress-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: traefik
spec:
  controllerName: traefik.io/gateway-controller
`

// StartTraefik runs Traefik with its Ingress, CRD and Gateway providers
// watching the control plane, entryPoints web (:80) and websecure (:443) on
// TraefikIP, and waits for its ping.
func StartTraefik(ctx context.Context, e Env) (*devenv.Process, error) {
	if err := e.apply(ctx, traefikClassesYAML); err != nil {
		return nil, fmt.Errorf("installing Traefik's classes: %w", err)
	}
	addr := func(port int) string { return net.JoinHostPort(TraefikIP, strconv.Itoa(port)) }
	p, err := e.start(devenv.ProcessSpec{
		Name: "traefik", Path: filepath.Join(e.BinsDir, "traefik"),
		Args: []string{
			"--entryPoints.web.address=" + addr(WebPort),
			"--entryPoints.websecure.address=" + addr(WebsecurePort),
			"--entryPoints.traefik.address=" + addr(TraefikPort),
			"--ping=true",
			"--providers.kubernetesIngress=true",
			"--providers.kubernetesCRD=true",
			"--providers.kubernetesGateway=true",
			"--log.level=INFO", "--log.noColor=true",
			// Which router and backend served each request.
			"--accesslog=true",
			// Nothing may leave the namespace.
			"--global.checkNewVersion=false", "--global.sendAnonymousUsage=false",
		},
		Env: []string{"KUBECONFIG=" + e.Kubeconfig},
	})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return p, devenv.WaitHTTPOK(wctx, "http://"+addr(TraefikPort)+"/ping", p)
}

// fleetPrerequisitesYAML is what Fleet's Helm chart would have installed
// next to the gitjob controller: its namespace, the controller Deployment
// (Jobs copy its tolerations; it runs no pods here) and the known_hosts
// ConfigMap.
const fleetPrerequisitesYAML = `
apiVersion: v1
kind: Namespace
metadata:
  name: cattle-fleet-system
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: fleet-controller
  namespace: cattle-fleet-system
spec:
  replicas: 0
  selector:
    matchLabels: {app: fleet-controller}
  template:
    metadata:
      labels: {app: fleet-controller}
    spec:
      containers:
      - name: fleet-controller
        image: rancher/fleet:v0.16.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: known-hosts
  namespace: cattle-fleet-system
data:
  known_hosts: ""
`

// StartFleet runs Fleet's gitjob controller and waits until it serves.
func StartFleet(ctx context.Context, e Env) (*devenv.Process, error) {
	if err := e.apply(ctx, fleetPrerequisitesYAML); err != nil {
		return nil, fmt.Errorf("installing Fleet's prerequisites: %w", err)
	}
	listen, err := freeLoopback()
	if err != nil {
		return nil, err
	}
	p, err := e.start(devenv.ProcessSpec{
		Name: "fleet-gitjob", Path: filepath.Join(e.BinsDir, "fleetcontroller"),
		Args: []string{"gitjob", "--leader-elect=false", "--disable-metrics", "--debug", "--debug-level=1",
			"--listen=" + listen, "--insecure-skip-host-key-checks"},
		// Its --kubeconfig flag is not wired; without the election timings
		// it exits even with leader election off.
		Env: []string{"KUBECONFIG=" + e.Kubeconfig, "NAMESPACE=cattle-fleet-system",
			"CATTLE_ELECTION_LEASE_DURATION=15s", "CATTLE_ELECTION_RENEW_DEADLINE=10s",
			"CATTLE_ELECTION_RETRY_PERIOD=2s"},
	})
	if err != nil {
		return nil, err
	}
	// Its own webhook listener starts with its controllers.
	deadline := time.Now().Add(time.Minute)
	for {
		if done, err := p.Exited(); done {
			return p, fmt.Errorf("fleetcontroller exited (%w):\n%s", err, p.LogTail(20))
		}
		c, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			return p, c.Close()
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("fleetcontroller does not listen on %s after a minute: %w", listen, err)
		}
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freeLoopback is a free 127.0.0.1 address.
func freeLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}
