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

package devenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Binary is the webhook-operator binary, run as separate processes the way a
// cluster runs them (each subcommand in its own process). Receivers run from
// the webhook-receiver binary beside it, as a receiver Deployment does, or
// as `webhook-operator receiver` when there is none (as after `go run`).
type Binary struct {
	// Path of the webhook-operator executable.
	Path string
	// Kubeconfig passed to every subcommand as --kubeconfig.
	Kubeconfig string
	// LogDir receives <name>.log per process.
	LogDir string
	// Output, when set, also receives every process's output.
	Output io.Writer
}

// ReceiverBinary is the receiver's own executable's name (cmd/receiver),
// next to the webhook-operator binary.
const ReceiverBinary = "webhook-receiver"

// BuildBinary builds dir/webhook-operator (./cmd) and dir/webhook-receiver
// (./cmd/receiver) in root and returns the first one's path.
func BuildBinary(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "webhook-operator")
	for _, b := range []struct{ out, pkg string }{{out, "./cmd"}, {filepath.Join(dir, ReceiverBinary), "./cmd/receiver"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
		cmd.Dir = root
		if o, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %w\n%s", b.pkg, err, o)
		}
	}
	return out, nil
}

// ReceiverCommand is the executable and leading arguments that run a
// receiver: webhook-receiver beside Path, else `Path receiver`.
func (b Binary) ReceiverCommand() (string, []string) {
	if exe := filepath.Join(filepath.Dir(b.Path), ReceiverBinary); Exists(exe) {
		return exe, nil
	}
	return b.Path, []string{"receiver"}
}

// Endpoints are the loopback addresses a started subcommand serves.
type Endpoints struct {
	// Bind is the receiver's webhook address (empty for the manager).
	Bind    string
	Health  string
	Metrics string
}

// WebhookURL is the receiver's local webhook URL.
func (e Endpoints) WebhookURL() string { return "http://" + e.Bind + "/" }

// Subcommand is a started webhook-operator subcommand.
type Subcommand struct {
	*Process
	Endpoints Endpoints
}

// StartManager runs `webhook-operator manager` with free health and metrics
// ports and waits until its readiness probe answers.
func (b Binary) StartManager(ctx context.Context, name string, extra ...string) (*Subcommand, error) {
	ep, err := freeEndpoints(false)
	if err != nil {
		return nil, err
	}
	args := append([]string{"manager",
		"--kubeconfig", b.Kubeconfig,
		"--health-probe-bind-address", ep.Health,
		"--metrics-bind-address", ep.Metrics,
	}, extra...)
	return b.start(ctx, name, args, ep, nil)
}

// ReceiverOptions selects the WebhookReceiver a receiver process serves.
type ReceiverOptions struct {
	Name, Namespace, SecretName string
	// Kubeconfig overrides Binary.Kubeconfig (e.g. a ServiceAccount's).
	Kubeconfig string
	// Bind is the webhook address; empty picks a free loopback port.
	Bind string
	// Extra flags, e.g. --ack-timeout.
	Extra []string
	// Env is added to the process environment.
	Env []string
}

// StartReceiver runs the receiver (webhook-receiver, else `webhook-operator
// receiver`) for one WebhookReceiver and waits until its readiness probe
// answers.
func (b Binary) StartReceiver(ctx context.Context, name string, o ReceiverOptions) (*Subcommand, error) {
	ep, err := freeEndpoints(o.Bind == "")
	if err != nil {
		return nil, err
	}
	if o.Bind != "" {
		ep.Bind = o.Bind
	}
	kc := b.Kubeconfig
	if o.Kubeconfig != "" {
		kc = o.Kubeconfig
	}
	exe, args := b.ReceiverCommand()
	args = append(args,
		"--name", o.Name, "--namespace", o.Namespace,
		"--kubeconfig", kc,
		"--bind-address", ep.Bind,
		"--health-probe-bind-address", ep.Health,
		"--metrics-bind-address", ep.Metrics,
	)
	if o.SecretName != "" {
		args = append(args, "--secret-name", o.SecretName)
	}
	return b.startPath(ctx, exe, name, append(args, o.Extra...), ep, o.Env)
}

// Restart starts an exited subcommand again with the same flags and ports.
func (b Binary) Restart(ctx context.Context, s *Subcommand) (*Subcommand, error) {
	if done, _ := s.Exited(); !done {
		return nil, fmt.Errorf("%s is still running", s.Spec.Name)
	}
	return b.startPath(ctx, s.Spec.Path, s.Spec.Name, s.Spec.Args, s.Endpoints, s.Spec.Env)
}

func (b Binary) start(ctx context.Context, name string, args []string, ep Endpoints, env []string) (*Subcommand, error) {
	return b.startPath(ctx, b.Path, name, args, ep, env)
}

func (b Binary) startPath(ctx context.Context, exe, name string, args []string, ep Endpoints, env []string) (*Subcommand, error) {
	spec := ProcessSpec{Name: name, Path: exe, Args: args, Env: env, Output: b.Output}
	if b.LogDir != "" {
		spec.LogFile = filepath.Join(b.LogDir, name+".log")
	}
	p, err := StartProcess(spec)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	// Ready, not just alive: a receiver is ready once its webhook port
	// listens and its caches synced, so a request sent next is served.
	if err := WaitHTTPOK(wctx, "http://"+ep.Health+"/readyz", p); err != nil {
		_ = p.Stop(5 * time.Second)
		return nil, fmt.Errorf("%s did not become ready: %w", name, err)
	}
	return &Subcommand{Process: p, Endpoints: ep}, nil
}

func freeEndpoints(withBind bool) (Endpoints, error) {
	n := 2
	if withBind {
		n = 3
	}
	// Hold every listener until all are picked, so the ports differ.
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return Endpoints{}, fmt.Errorf("picking a free port: %w", err)
		}
		defer func() { _ = l.Close() }()
		addrs = append(addrs, l.Addr().String())
	}
	ep := Endpoints{Health: addrs[0], Metrics: addrs[1]}
	if withBind {
		ep.Bind = addrs[2]
	}
	return ep, nil
}

// Exists reports whether path exists.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
