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
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/types"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/realworld"
)

// Environment the outside run of `dev --real` hands to the run inside the
// network namespace.
const (
	envDevInNetns = "WEBHOOK_OPERATOR_DEV_IN_NETNS"
	envDevDir     = "WEBHOOK_OPERATOR_DEV_DIR"
	// envDevUserNS says the namespace has its own user namespace (dev was
	// not started as root), which the printed nsenter lines enter too.
	envDevUserNS = "WEBHOOK_OPERATOR_DEV_USERNS"
	// envDevAPI is where the outside run relays to the namespace's API
	// server, for a kubeconfig that works from the user's shell.
	envDevAPI = "WEBHOOK_OPERATOR_DEV_API"
)

// What `dev --real` creates: a Gitea repository, and in devRealNamespace a
// WebhookReceiver behind Traefik and a GitRepo following the repository.
const (
	devRealRepo      = "app"
	devRealNamespace = "fleet-local"
	devRealReceiver  = "dev"
	devRealGitRepo   = "app"
	devRealBranch    = "main"
	// devRealBackend is where the receiver listens, the address its
	// Service's EndpointSlice names (the pod IP of a cluster).
	devRealBackend = "192.0.2.10:8080"
)

// devRealWebhookURL is the receiver's URL through Traefik, as Gitea calls it.
var devRealWebhookURL = "http://" + realworld.HooksHost + "/gitjob"

// runDevRealOutside checks the real components are built, finds the files
// they read (the go command may need the network), and runs `dev` again
// inside a new network and mount namespace, where the API server accepts
// the receiver's non-loopback address in an EndpointSlice.
func runDevRealOutside(args []string) int {
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "dev --real: %v\n", err)
		return 1
	}
	root, err := devenv.RepoRoot()
	if err != nil {
		return fail(err)
	}
	for _, check := range []func() error{
		func() error { return devenv.CheckAssets(devenv.AssetsDir(root), devenv.ControlPlaneBins...) },
		func() error { return realworld.CheckBins(realworld.BinsDir(root)) },
		realworld.CheckTools,
	} {
		if err := check(); err != nil {
			return fail(err)
		}
	}
	fmt.Println("dev --real: finding Traefik's, Fleet's, Gateway API's and Gitea's files in the Go module cache ...")
	assets, err := realworld.FindAssets(root)
	if err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp("", "webhook-operator-dev-")
	if err != nil {
		return fail(fmt.Errorf("creating a work folder: %w", err))
	}
	defer func() { _ = os.RemoveAll(dir) }()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte(realworld.HostsFile), 0o644); err != nil {
		return fail(err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	env := append(assets.Env(), envDevInNetns+"=1", envDevDir+"="+dir)
	var api net.Listener
	if os.Geteuid() == 0 {
		// Only root may enter the namespace to relay to its API server.
		if api, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fail(fmt.Errorf("listening for the API server relay: %w", err))
		}
		env = append(env, envDevAPI+"="+api.Addr().String())
	} else {
		env = append(env, envDevUserNS+"=1")
	}
	cmd := realworld.NetnsCommand(hosts, exe, append([]string{"dev"}, args...), env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := func(pid int) {
		if api != nil {
			kubeconfig := filepath.Join(dir, "kubeconfig")
			go realworld.Forward(ctx, api, pid, func() (string, error) { return realworld.KubeconfigServer(kubeconfig) })
		}
	}
	if err := runForwardingSignals(cmd, started); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		return fail(fmt.Errorf("running dev in a network namespace (needs unshare and ip, as root or with user namespaces): %w", err))
	}
	return 0
}

// runForwardingSignals runs cmd, calls started with its pid, and passes
// SIGINT and SIGTERM on to it: the
// run inside stops everything it started, and this one waits for that.
func runForwardingSignals(cmd *exec.Cmd, started func(pid int)) error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// The child's SIGTERM on this process's death follows the thread that
	// started it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return err
	}
	started(cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			return err
		case s := <-sigs:
			_ = cmd.Process.Signal(s)
		}
	}
}

// workDir is a new temporary folder, or with --real the one the outside
// run made (it removes it), whose assets it also reads.
func (d *devRun) workDir() (string, error) {
	if !d.real {
		dir, err := os.MkdirTemp("", "webhook-operator-dev-")
		if err != nil {
			return "", fmt.Errorf("creating a work folder: %w", err)
		}
		return dir, nil
	}
	var err error
	if d.assets, err = realworld.AssetsFromEnv(); err != nil {
		return "", err
	}
	d.bind = devRealBackend
	return os.Getenv(envDevDir), nil
}

// startReal starts Traefik, Fleet and Gitea, creates the Gitea repository,
// the WebhookReceiver and the GitRepo, runs the receiver behind Traefik,
// points the repository's webhook at it and prints what to paste.
func (d *devRun) startReal(ctx context.Context, bin devenv.Binary, mgr *devenv.Process) error {
	env := realworld.Env{
		Client: d.apply.Client, Kubeconfig: d.kubeconfig, BinsDir: realworld.BinsDir(d.root),
		WorkDir: d.dir, Assets: d.assets,
		Start: func(spec devenv.ProcessSpec) (*devenv.Process, error) {
			p, err := devenv.StartProcess(spec)
			if err == nil {
				d.procs = append(d.procs, p)
			}
			return p, err
		},
	}
	for _, c := range []struct {
		name  string
		start func(context.Context, realworld.Env) (*devenv.Process, error)
	}{
		{"Traefik " + realworld.Components["traefik"], realworld.StartTraefik},
		{"Fleet's gitjob controller " + realworld.Components["fleetcontroller"], realworld.StartFleet},
		{"Gitea " + realworld.Components["gitea"], realworld.StartGitea},
	} {
		d.step("starting %s ...", c.name)
		if _, err := c.start(ctx, env); err != nil {
			return err
		}
	}
	repoURL, checkout, err := d.createRepo(ctx)
	if err != nil {
		return err
	}
	secrets, err := d.applyReal(ctx, repoURL, mgr)
	if err != nil {
		return err
	}
	if err := d.startRealReceiver(ctx, bin); err != nil {
		return err
	}
	d.step("adding a push webhook to Gitea's %s/%s for %s ...", realworld.GiteaUser, devRealRepo, devRealWebhookURL)
	if _, err := realworld.AddGiteaHook(ctx, devRealRepo, devRealWebhookURL, "json", string(secrets[whv1alpha1.SecretKeyGitea])); err != nil {
		return err
	}
	wr := &whv1alpha1.WebhookReceiver{}
	wr.Namespace, wr.Name = devRealNamespace, devRealReceiver
	wr, _ = devenv.WaitReceiverReady(ctx, d.apply.Client, wr, 45*time.Second)
	return d.printRealInstructions(wr, checkout, repoURL, secrets[whv1alpha1.SecretKeyGitHub])
}

// createRepo creates the Gitea repository and a clone of it with a file
// CHANGES pushed, so the printed commit-and-push line only appends to it;
// it returns the repository's URL and the clone's folder.
func (d *devRun) createRepo(ctx context.Context) (repoURL, dir string, err error) {
	d.step("creating Gitea repository %s/%s and a clone of it ...", realworld.GiteaUser, devRealRepo)
	if repoURL, err = realworld.CreateGiteaRepo(ctx, devRealRepo); err != nil {
		return "", "", err
	}
	home := filepath.Join(d.dir, "git-home")
	dir = filepath.Join(d.dir, devRealRepo)
	if _, err := realworld.Git(home, "", "clone", "--quiet", realworld.GiteaRemote(devRealRepo), dir); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "CHANGES"), []byte("changes made by webhook-operator dev\n"), 0o644); err != nil {
		return "", "", fmt.Errorf("writing CHANGES: %w", err)
	}
	// The identity stays in the clone, for the commits the user makes.
	for _, args := range [][]string{
		{"config", "user.name", "webhook-operator dev"},
		{"config", "user.email", "dev@example.test"},
		{"add", "CHANGES"},
		{"commit", "--quiet", "-m", "add CHANGES"},
		{"push", "--quiet", "origin", devRealBranch},
	} {
		if _, err := realworld.Git(home, dir, args...); err != nil {
			return "", "", err
		}
	}
	return repoURL, dir, nil
}

// devRealYAML is the WebhookReceiver behind Traefik, with generated GitHub
// and Gitea secrets, and a GitRepo following the Gitea repository. The
// GitRepo already polls hourly, as the receiver would make it, so Fleet
// keeps the Job of its first poll.
func devRealYAML(repoURL string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: gitops.webhook-operator.dev/v1alpha1
kind: WebhookReceiver
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  host: %[3]s
  path: /gitjob
  ingress:
    className: traefik
    flavor: traefik
  providers:
    github: {generate: true}
    gitea: {generate: true}
  pollingInterval: 1h
`, devRealNamespace, devRealReceiver, realworld.HooksHost) +
		realworld.GitRepoYAML(devRealNamespace, devRealGitRepo, repoURL, "branch: "+devRealBranch+"\n  pollingInterval: 1h")
}

// applyReal applies devRealYAML and returns the secrets the operator
// generated, by provider key.
func (d *devRun) applyReal(ctx context.Context, repoURL string, mgr *devenv.Process) (map[string][]byte, error) {
	d.step("applying WebhookReceiver %s/%s (Traefik Ingress for http://%s/gitjob) and GitRepo %s/%s ...",
		devRealNamespace, devRealReceiver, realworld.HooksHost, devRealNamespace, devRealGitRepo)
	if err := d.apply.Apply(ctx, []byte(devRealYAML(repoURL)), nil); err != nil {
		return nil, err
	}
	wr := &whv1alpha1.WebhookReceiver{}
	wr.Namespace, wr.Name = devRealNamespace, devRealReceiver
	key := types.NamespacedName{Namespace: wr.Namespace, Name: wr.SecretNameOrDefault()}
	d.step("waiting for the operator to generate Secret %s ...", key)
	secrets := map[string][]byte{}
	for _, k := range []string{whv1alpha1.SecretKeyGitHub, whv1alpha1.SecretKeyGitea} {
		v, err := devenv.WaitSecretKey(ctx, d.apply.Client, key, k, mgr, 90*time.Second)
		if err != nil {
			return nil, err
		}
		secrets[k] = v
	}
	return secrets, nil
}

// startRealReceiver runs the receiver on devRealBackend, names that address
// in its Service's EndpointSlice and waits until Traefik routes to it.
func (d *devRun) startRealReceiver(ctx context.Context, bin devenv.Binary) error {
	wr := &whv1alpha1.WebhookReceiver{}
	if err := d.apply.Client.Get(ctx, types.NamespacedName{Namespace: devRealNamespace, Name: devRealReceiver}, wr); err != nil {
		return fmt.Errorf("reading WebhookReceiver %s/%s: %w", devRealNamespace, devRealReceiver, err)
	}
	if _, err := d.startReceiver(ctx, bin, wr); err != nil {
		return err
	}
	svc, err := realworld.ReceiverService(ctx, d.apply.Client, wr.Namespace, wr.Name, time.Minute)
	if err != nil {
		return err
	}
	if err := realworld.ExposeAt(ctx, d.apply.Client, wr.Namespace, svc, devRealBackend); err != nil {
		return err
	}
	d.step("waiting for Traefik to route %s to the receiver ...", devRealWebhookURL)
	return waitRouted(ctx, devRealWebhookURL, time.Minute)
}

// waitRouted polls url until the receiver answers it (405 to a GET; Traefik
// answers 404 while no router matches).
func waitRouted(ctx context.Context, url string, timeout time.Duration) error {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err != nil {
			last = err.Error()
		} else {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusMethodNotAllowed {
				return nil
			}
			last = resp.Status
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("traefik does not route %s to the receiver after %s (last answer: %s)", url, timeout, last)
}
