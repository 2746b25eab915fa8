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

// Package realworld runs the operator and its receivers against the real
// third-party components users run them with: Traefik routes the webhooks,
// Fleet's own gitjob controller turns GitRepo updates into Jobs, and Gitea
// is the Git host that sends the webhooks. Everything runs as local
// processes inside a network namespace the test makes for itself, so
// Services can have EndpointSlices with real (non-loopback) addresses and
// host names resolve through a private /etc/hosts. It fails, never skips,
// when a component is missing (except under -short).
package realworld

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Environment the outer test hands to the copy of itself that runs inside
// the network namespace.
const (
	envInNetns     = "REALWORLD_IN_NETNS"
	envWorkDir     = "REALWORLD_WORKDIR"
	envOperatorBin = "REALWORLD_OPERATOR_BIN"
	envCRDs        = "REALWORLD_CRDS"
	envGiteaStatic = "REALWORLD_GITEA_STATIC"
	// envBins is where hack/real-bins.sh put the components (default
	// <repo>/bin/real).
	envBins = "REALWORLD_BINS"
	// envKeepLogs keeps every process log and config in that folder.
	envKeepLogs = "REALWORLD_KEEP_LOGS"
)

// Addresses inside the namespace. The whole 192.0.2.0/24 (TEST-NET-1) is
// local there; nothing leaves it.
const (
	netnsCIDR = "192.0.2.1/24"
	traefikIP = "192.0.2.1"
	giteaIP   = "192.0.2.3"
	// Ports of Traefik's entryPoints; a Gateway listener uses webPort.
	webPort, websecurePort, traefikPort = 80, 443, 9000
	giteaPort                           = 3000
	hooksHost                           = "hooks.example.test"
	giteaHost                           = "gitea.example.test"
)

// hostsFile is /etc/hosts inside the namespace: webhooks go to Traefik,
// clones and pushes to Gitea, by name, as in a cluster with DNS.
var hostsFile = fmt.Sprintf("127.0.0.1 localhost\n::1 localhost\n%s %s\n%s %s\n",
	traefikIP, hooksHost, giteaIP, giteaHost)

// netnsScript sets up loopback with the test network and a default route
// over it (kube-apiserver picks its advertised address from the default
// route; packets to other addresses go nowhere), swaps in the hosts file (a
// private mount, gone with the namespace) and execs the test binary.
const netnsScript = `set -e
ip link set lo up
ip addr add ` + netnsCIDR + ` dev lo
ip route add default via ` + traefikIP + ` dev lo
mount --bind "$REALWORLD_HOSTS" /etc/hosts
exec "$0" "$@"`

func TestRealWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("real-world suite: starts a control plane, Traefik, Fleet and Gitea")
	}
	if os.Getenv(envInNetns) == "" {
		runInNetns(t)
		return
	}
	RegisterFailHandler(Fail)
	suiteCfg, reporterCfg := GinkgoConfiguration()
	if suiteCfg.Timeout > 8*time.Minute {
		// Leave AfterSuite time to stop every process before go test's own
		// timeout kills the binary.
		suiteCfg.Timeout = 8 * time.Minute
	}
	RunSpecs(t, "webhook-operator real world", suiteCfg, reporterCfg)
}

// runInNetns prepares what needs the host's network or Go toolchain (the
// operator binary, module folders), then runs this test binary again inside
// a new network and mount namespace and fails if that run fails.
func runInNetns(t *testing.T) {
	p, err := prepare(t)
	if err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(p.workDir, "hosts")
	if err := os.WriteFile(hosts, []byte(hostsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unshare := []string{"-n", "-m"}
	if os.Geteuid() != 0 {
		unshare = append([]string{"-r"}, unshare...)
	}
	args := append(unshare, "--", "sh", "-c", netnsScript, exe)
	for _, a := range os.Args[1:] {
		// The outer run owns go test's log of files and env it read.
		if !strings.HasPrefix(a, "-test.testlogfile") {
			args = append(args, a)
		}
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(),
		envInNetns+"=1", "REALWORLD_HOSTS="+hosts, envWorkDir+"="+p.workDir,
		envOperatorBin+"="+p.operatorPath, envCRDs+"="+strings.Join(p.crds, string(os.PathListSeparator)),
		envGiteaStatic+"="+p.giteaStatic)
	// If this process dies, the inner run gets SIGTERM and Ginkgo's
	// interrupt handling stops every process it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	runtime.LockOSThread() // Pdeathsig follows the thread that started the child
	defer runtime.UnlockOSThread()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the suite in a network namespace (needs unshare and ip, as root or with user namespaces): %v", err)
	}
	relay(out, os.Stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("real-world suite failed after %s: %v (output above, prefixed with 'netns|')", time.Since(start).Round(time.Second), err)
	}
}

// relay copies the inner run's output line by line with a prefix, so go
// test (and test2json) do not take its test result lines for this run's.
func relay(r io.Reader, w io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		_, _ = fmt.Fprintf(w, "netns| %s\n", sc.Text())
	}
}
