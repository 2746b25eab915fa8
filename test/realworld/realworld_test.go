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
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/webhook-operator/webhook-operator/internal/realworld"
)

// Environment the outer test hands to the copy of itself that runs inside
// the network namespace.
const (
	envInNetns     = "REALWORLD_IN_NETNS"
	envWorkDir     = "REALWORLD_WORKDIR"
	envOperatorBin = "REALWORLD_OPERATOR_BIN"
	// envKeepLogs keeps every process log and config in that folder.
	envKeepLogs = "REALWORLD_KEEP_LOGS"
)

// Addresses inside the namespace, as the components use them.
const (
	traefikIP                           = realworld.TraefikIP
	webPort, websecurePort, traefikPort = realworld.WebPort, realworld.WebsecurePort, realworld.TraefikPort
	hooksHost                           = realworld.HooksHost
)

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
	// Fleet's gitjob schedules its polls and reconciles on its own clock
	// (seen here: a first poll more than a minute late, a webhookCommit
	// acted on late under load). A spec that fails is run once more and
	// Ginkgo reports it as flaky; failing twice fails the suite.
	if suiteCfg.FlakeAttempts < 2 {
		suiteCfg.FlakeAttempts = 2
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
	if err := os.WriteFile(hosts, []byte(realworld.HostsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range os.Args[1:] {
		// The outer run owns go test's log of files and env it read.
		if !strings.HasPrefix(a, "-test.testlogfile") {
			args = append(args, a)
		}
	}
	cmd := realworld.NetnsCommand(hosts, exe, args, append(p.assets.Env(),
		envInNetns+"=1", envWorkDir+"="+p.workDir, envOperatorBin+"="+p.operatorPath))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	// If this process dies, the inner run gets SIGTERM and Ginkgo's
	// interrupt handling stops every process it started.
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
