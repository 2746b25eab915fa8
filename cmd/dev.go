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
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/realworld"
)

// devReceiverClusterRole is config/rbac/receiver_role.yaml's name after
// kustomize's namePrefix, the manager's --receiver-cluster-role default.
const devReceiverClusterRole = "webhook-operator-receiver-role"

// runDev starts a local control plane (or uses --kubeconfig's cluster), the
// operator and one receiver as child processes, applies config/samples/dev,
// prints how to send a signed push, and stops everything on Ctrl-C.
func runDev(args []string) int {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "use the cluster of this kubeconfig instead of starting a local control plane")
	port := fs.Int("port", 0, "port of the receiver on 127.0.0.1 (0: a free port)")
	samples := fs.String("samples", "", "folder of YAML to apply (default: <repo>/config/samples/dev)")
	verbosity := fs.Int("v", 0, "log verbosity of the embedded libraries (envtest)")
	real := fs.Bool("real", false, "also run real Traefik, Fleet's gitjob controller and Gitea (make real-bins builds them) in a network namespace: a git push to Gitea makes Fleet create a Job")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: webhook-operator dev [flags]\n\n"+
			"Runs a local control plane (kube-apiserver + etcd + kube-controller-manager from bin/k8s),\n"+
			"the operator and a receiver, applies config/samples/dev and prints a signed curl push.\n"+
			"With --real, also Traefik, Fleet's gitjob controller and Gitea with a repository whose\n"+
			"webhook reaches the receiver through Traefik, and prints a git push that makes Fleet\n"+
			"create a Job. Stops everything on Ctrl-C.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *real && *kubeconfig != "" {
		fmt.Fprintln(os.Stderr, "dev: --real runs its own control plane; it cannot be combined with --kubeconfig")
		return 2
	}
	if *real && os.Getenv(envDevInNetns) == "" {
		return runDevRealOutside(args)
	}
	// dev talks to a person: its own progress goes to stdout as plain lines;
	// library logs (envtest) go to stderr through controller-runtime's logger.
	ctrl.SetLogger(funcr.New(func(prefix, args string) {
		fmt.Fprintln(os.Stderr, prefix, args)
	}, funcr.Options{Verbosity: *verbosity}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d := &devRun{out: os.Stdout, start: time.Now(), kubeconfig: *kubeconfig, port: *port, samples: *samples, real: *real}
	err := d.run(ctx)
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "\ndev: %v\n", err)
	}
	d.step("stopping everything dev started ...")
	if cerr := d.cleanup(); cerr != nil {
		fmt.Fprintf(os.Stderr, "dev: cleanup: %v\n", cerr)
		return 1
	}
	d.step("stopped; nothing left running")
	if err != nil && ctx.Err() == nil {
		return 1
	}
	return 0
}

type devRun struct {
	out        io.Writer
	start      time.Time
	kubeconfig string
	port       int
	samples    string
	// real runs Traefik, Fleet and Gitea too; dev is then inside the
	// network namespace runDevRealOutside made.
	real   bool
	assets realworld.Assets
	// bind is the receiver's address when not on loopback.
	bind string

	root  string
	dir   string
	exe   string
	cp    *devenv.ControlPlane
	procs []*devenv.Process
	apply *devenv.Applier
}

func (d *devRun) step(format string, a ...any) {
	fmt.Fprintf(d.out, "[%6.1fs] %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, a...))
}

func (d *devRun) run(ctx context.Context) error {
	var err error
	if d.root, err = devenv.RepoRoot(); err != nil {
		return err
	}
	if d.dir, err = d.workDir(); err != nil {
		return err
	}
	if d.exe, err = os.Executable(); err != nil {
		return fmt.Errorf("finding this executable: %w", err)
	}
	if err := d.startCluster(ctx); err != nil {
		return err
	}
	bin := devenv.Binary{Path: d.exe, Kubeconfig: d.kubeconfig, LogDir: d.dir}
	d.step("starting the operator: %s manager (log: %s)", d.exe, filepath.Join(d.dir, "manager.log"))
	mgr, err := bin.StartManager(ctx, "manager")
	if err != nil {
		return err
	}
	d.procs = append(d.procs, mgr.Process)

	if d.real {
		err = d.startReal(ctx, bin, mgr.Process)
	} else {
		err = d.startSamples(ctx, bin, mgr.Process)
	}
	if err != nil {
		return err
	}
	return d.wait(ctx)
}

// startSamples applies the samples, runs their receiver and prints a
// signed curl push for it.
func (d *devRun) startSamples(ctx context.Context, bin devenv.Binary, mgr *devenv.Process) error {
	samples, err := d.applySamples(ctx)
	if err != nil {
		return err
	}
	wr := samples.Receiver
	secretKey := types.NamespacedName{Namespace: wr.Namespace, Name: wr.SecretNameOrDefault()}
	d.step("waiting for the operator to generate Secret %s ...", secretKey)
	secret, err := devenv.WaitSecretKey(ctx, d.apply.Client, secretKey, whv1alpha1.SecretKeyGitHub, mgr, 90*time.Second)
	if err != nil {
		return err
	}
	rcv, err := d.startReceiver(ctx, bin, wr)
	if err != nil {
		return err
	}
	d.step("waiting for WebhookReceiver %s/%s to be Ready ...", wr.Namespace, wr.Name)
	wr, _ = devenv.WaitReceiverReady(ctx, d.apply.Client, wr, 45*time.Second)
	return d.printInstructions(wr, samples.GitRepos, secret, rcv.Endpoints)
}

// wait stays up until Ctrl-C, or stops if a child dies (dev is useless
// then).
func (d *devRun) wait(ctx context.Context) error {

	watch := append([]*devenv.Process{}, d.procs...)
	if d.cp != nil {
		watch = append(watch, d.cp.ControllerManager)
	}
	p := devenv.FirstExit(ctx, watch...)
	if p == nil {
		fmt.Fprintln(d.out)
		d.step("interrupted")
		return nil
	}
	_, werr := p.Exited()
	return fmt.Errorf("%s exited unexpectedly (%w); last log lines:\n%s", p.Spec.Name, werr, p.LogTail(20))
}

// startCluster starts a local control plane, or installs the CRDs into
// --kubeconfig's cluster, and applies the receivers' ClusterRole.
func (d *devRun) startCluster(ctx context.Context) error {
	crds := devenv.CRDs(d.root)
	if d.real {
		crds = d.assets.CRDs
	}
	var cfg *rest.Config
	var err error
	if d.kubeconfig == "" {
		if err := d.ensureAssets(ctx); err != nil {
			return err
		}
		d.cp, err = devenv.StartControlPlane(devenv.ControlPlaneOptions{
			AssetsDir: devenv.AssetsDir(d.root), Dir: d.dir, CRDPaths: crds,
			ControllerManager: true, Progress: devStepWriter{d},
		})
		if err != nil {
			return err
		}
		cfg, d.kubeconfig = d.cp.Config, d.cp.Kubeconfig
	} else {
		if cfg, err = clientcmd.BuildConfigFromFlags("", d.kubeconfig); err != nil {
			return fmt.Errorf("loading %s: %w", d.kubeconfig, err)
		}
		d.step("using the cluster at %s; installing the WebhookReceiver and GitRepo CRDs ...", cfg.Host)
		if err := devenv.InstallCRDs(cfg, crds); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	c, err := devenv.NewClient(cfg)
	if err != nil {
		return err
	}
	d.apply = &devenv.Applier{Client: c, TrackCreated: d.cp == nil}

	// The ClusterRole every receiver ServiceAccount is bound to, under the
	// name `make deploy` gives it.
	role, err := os.ReadFile(filepath.Join(d.root, "config", "rbac", "receiver_role.yaml"))
	if err != nil {
		return fmt.Errorf("reading the receiver ClusterRole: %w", err)
	}
	return d.apply.Apply(ctx, role, func(u *unstructured.Unstructured) { u.SetName(devReceiverClusterRole) })
}

// ensureAssets builds the control-plane binaries if bin/k8s lacks them.
func (d *devRun) ensureAssets(ctx context.Context) error {
	assets := devenv.AssetsDir(d.root)
	if devenv.CheckAssets(assets, devenv.ControlPlaneBins...) == nil {
		return nil
	}
	d.step("control-plane binaries missing from %s: building them with hack/envtest-bins.sh (about 20 minutes the first time) ...", assets)
	return devenv.BuildAssets(ctx, d.root, d.out)
}

func (d *devRun) applySamples(ctx context.Context) (devenv.Samples, error) {
	dir := d.samples
	if dir == "" {
		dir = filepath.Join(d.root, "config", "samples", "dev")
	}
	return devenv.ApplySamples(ctx, d.apply, dir, func(f string) { d.step("applying %s", devRelPath(d.root, f)) })
}

// startReceiver runs the receiver for wr as a local process.
func (d *devRun) startReceiver(ctx context.Context, bin devenv.Binary, wr *whv1alpha1.WebhookReceiver) (*devenv.Subcommand, error) {
	if d.cp != nil {
		// No kubelet: the receiver runs as a local process; report its pod
		// Ready so the Deployment (and the WebhookReceiver) become Ready.
		sel := labels.SelectorFromSet(labels.Set{"app.kubernetes.io/name": "webhook-receiver", "app.kubernetes.io/instance": wr.Name})
		go devenv.RunPodReadiness(ctx, d.apply.Client, wr.Namespace, sel, time.Second, nil)
	}
	bind := d.bind
	if bind == "" && d.port != 0 {
		bind = fmt.Sprintf("127.0.0.1:%d", d.port)
	}
	exe, sub := bin.ReceiverCommand()
	d.step("starting the receiver: %s --name %s --namespace %s (log: %s)", strings.Join(append([]string{exe}, sub...), " "),
		wr.Name, wr.Namespace, filepath.Join(d.dir, "receiver.log"))
	rcv, err := bin.StartReceiver(ctx, "receiver", devenv.ReceiverOptions{Name: wr.Name, Namespace: wr.Namespace, SecretName: wr.SecretNameOrDefault(), Bind: bind})
	if err != nil {
		return nil, err
	}
	d.procs = append(d.procs, rcv.Process)
	return rcv, nil
}

// cleanup stops the receiver, the operator and the control plane, in that
// order, and removes the work folder.
func (d *devRun) cleanup() error {
	var errs []error
	for i := len(d.procs) - 1; i >= 0; i-- {
		if err := d.procs[i].Stop(15 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if d.cp != nil {
		if err := d.cp.Stop(); err != nil {
			errs = append(errs, err)
		}
	} else if d.apply != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		errs = append(errs, d.apply.DeleteCreated(ctx))
	}
	if d.dir != "" {
		if err := os.RemoveAll(d.dir); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", d.dir, err))
		}
	}
	return errors.Join(errs...)
}

// devStepWriter turns each line written to it into a timestamped step.
type devStepWriter struct{ d *devRun }

func (s devStepWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		s.d.step("%s", line)
	}
	return len(p), nil
}

func devRelPath(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

func devOrNone(s string) string {
	if s == "" {
		return "(not set yet)"
	}
	return s
}
