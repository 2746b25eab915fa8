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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The classes users install with Traefik: Ingresses of class "traefik" and
// Gateways of class "traefik" are Traefik's.
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

// startTraefik runs Traefik with its Ingress, CRD and Gateway providers
// watching the control plane, entryPoints web (:80) and websecure (:443) on
// the hooks address, and waits for its ping.
func startTraefik(ctx context.Context) {
	GinkgoHelper()
	Expect(applyYAML(ctx, k8s, traefikClassesYAML)).To(Succeed())
	addr := func(port int) string { return net.JoinHostPort(traefikIP, strconv.Itoa(port)) }
	p := track(startOrFail(processSpec{
		Name: "traefik", Path: filepath.Join(binsDir, "traefik"),
		Args: []string{
			"--entryPoints.web.address=" + addr(webPort),
			"--entryPoints.websecure.address=" + addr(websecurePort),
			"--entryPoints.traefik.address=" + addr(traefikPort),
			"--ping=true",
			"--providers.kubernetesIngress=true",
			"--providers.kubernetesCRD=true",
			"--providers.kubernetesGateway=true",
			"--log.level=INFO", "--log.noColor=true",
			// Which router and backend served each request, for failure reports.
			"--accesslog=true",
			// Nothing may leave the namespace.
			"--global.checkNewVersion=false", "--global.sendAnonymousUsage=false",
		},
		Env: []string{"KUBECONFIG=" + cp.Kubeconfig},
	}))
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	Expect(waitHTTPOK(wctx, "http://"+addr(traefikPort)+"/ping", p)).To(Succeed())
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

// startFleet runs Fleet's gitjob controller and waits until it serves.
func startFleet(ctx context.Context) {
	GinkgoHelper()
	Expect(applyYAML(ctx, k8s, fleetPrerequisitesYAML)).To(Succeed())
	listen := freeLoopback()
	p := track(startOrFail(processSpec{
		Name: "fleet-gitjob", Path: filepath.Join(binsDir, "fleetcontroller"),
		Args: []string{"gitjob", "--leader-elect=false", "--disable-metrics", "--debug", "--debug-level=1",
			"--listen=" + listen, "--insecure-skip-host-key-checks"},
		// Its --kubeconfig flag is not wired; without the election timings
		// it exits even with leader election off.
		Env: []string{"KUBECONFIG=" + cp.Kubeconfig, "NAMESPACE=cattle-fleet-system",
			"CATTLE_ELECTION_LEASE_DURATION=15s", "CATTLE_ELECTION_RENEW_DEADLINE=10s",
			"CATTLE_ELECTION_RETRY_PERIOD=2s"},
	}))
	// Its own webhook listener starts with its controllers.
	Eventually(func() error {
		if done, err := p.Exited(); done {
			StopTrying(fmt.Sprintf("fleetcontroller exited (%v):\n%s", err, p.LogTail(20))).Now()
		}
		c, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err
	}).WithTimeout(time.Minute).WithPolling(200 * time.Millisecond).Should(Succeed())
}

// Gitea's admin user.
const giteaUser, giteaPassword = "u", "realworld-Passw0rd"

// giteaURL is Gitea's base URL as users and Fleet reach it.
var giteaURL = fmt.Sprintf("http://%s:%d", giteaHost, giteaPort)

// startGitea configures Gitea unattended (sqlite, no frontend assets, an
// admin user), starts it and waits for its health check.
func startGitea(ctx context.Context) {
	GinkgoHelper()
	dir := filepath.Join(workDir, "gitea")
	conf := filepath.Join(dir, "app.ini")
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	bin := filepath.Join(binsDir, "gitea")
	gitea := func(args ...string) string {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true", "GITEA_WORK_DIR="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred(), "gitea %s: %s%s", strings.Join(args, " "), out, stderr.String())
		return strings.TrimSpace(string(out))
	}
	ini := fmt.Sprintf(giteaINI, dir, giteaIP, giteaPort, giteaHost, giteaURL, os.Getenv(envGiteaStatic),
		gitea("generate", "secret", "SECRET_KEY"), gitea("generate", "secret", "INTERNAL_TOKEN"))
	Expect(os.WriteFile(conf, []byte(ini), 0o600)).To(Succeed())
	gitea("--config", conf, "--work-path", dir, "migrate")
	gitea("--config", conf, "--work-path", dir, "admin", "user", "create", "--admin",
		"--username", giteaUser, "--password", giteaPassword, "--email", "u@example.test",
		"--must-change-password=false")
	p := track(startOrFail(processSpec{
		Name: "gitea", Path: bin, Args: []string{"--config", conf, "--work-path", dir, "web"},
	}))
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	Expect(waitHTTPOK(wctx, giteaURL+"/api/healthz", p)).To(Succeed())
}

// giteaINI runs Gitea as root without its web assets (the API, Git over
// HTTP and webhooks do not need them), delivering webhooks at once
// (channel queue) to any address, including the test network's.
const giteaINI = `APP_NAME = realworld
RUN_USER = root
RUN_MODE = prod
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true
WORK_PATH = %[1]s

[server]
PROTOCOL = http
HTTP_ADDR = %[2]s
HTTP_PORT = %[3]d
DOMAIN = %[4]s
ROOT_URL = %[5]s/
STATIC_ROOT_PATH = %[6]s
APP_DATA_PATH = %[1]s/data
OFFLINE_MODE = true
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false

[database]
DB_TYPE = sqlite3
PATH = %[1]s/data/gitea.db

[repository]
ROOT = %[1]s/repositories
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = %[7]s
INTERNAL_TOKEN = %[8]s

[service]
DISABLE_REGISTRATION = true

[webhook]
ALLOWED_HOST_LIST = *
DELIVER_TIMEOUT = 5

[queue]
TYPE = channel

[log]
MODE = console
LEVEL = Info
ROOT_PATH = %[1]s/log
`

// freeLoopback is a free 127.0.0.1 address.
func freeLoopback() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}
