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
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

const (
	// namespace holds the GitRepos and our WebhookReceivers.
	namespace = "bench"
	// fleetNamespace holds Fleet's global gitjob-webhook Secret (gitjob's
	// NAMESPACE).
	fleetNamespace = "cattle-fleet-system"
	// fleetSecretName is the Secret Fleet's handler verifies signatures with.
	fleetSecretName = "gitjob-webhook"
	// setLabel marks GitRepos created for one scenario, so they can be
	// deleted before the next.
	setLabel = "bench.webhook-operator.dev/set"
	// repoOrg prefixes every GitRepo's spec.repo; pushes carry the same
	// URL.
	repoOrg = "https://github.com/bench-org/"
	// createWorkers is how many GitRepo creates run at once.
	createWorkers = 32
)

// env is the control plane, the binaries and the shared webhook secret every
// run uses.
type env struct {
	root, dir string
	cp        *devenv.ControlPlane
	c         client.WithWatch
	ours      devenv.Binary
	fleetPath string
	// secret signs every push; our Secrets and Fleet's gitjob-webhook Secret
	// hold it under the github key.
	secret []byte
	// repos is how many size GitRepos (repoName(0..repos-1)) exist.
	repos int
	// seq numbers the receivers started, for unique names.
	seq int
}

// startEnv builds missing binaries, starts etcd and kube-apiserver and
// creates the namespaces and Fleet's Secret. The returned env (with its
// control plane, to be stopped) is set even on error once the control plane
// started.
func startEnv(ctx context.Context, root, dir string, withFleet bool) (*env, error) {
	e := &env{root: root, dir: dir, secret: []byte(gitsim.RandomToken())}
	exe := filepath.Join(root, "bin", "webhook-operator")
	if !devenv.Exists(exe) || !devenv.Exists(filepath.Join(root, "bin", devenv.ReceiverBinary)) {
		fmt.Println("== building the webhook-operator and webhook-receiver binaries")
		var err error
		if exe, err = devenv.BuildBinary(ctx, root, dir); err != nil {
			return nil, err
		}
	}
	if withFleet {
		var err error
		if e.fleetPath, err = fleetBinary(ctx, root); err != nil {
			return nil, err
		}
	}
	fmt.Println("== starting etcd and kube-apiserver")
	cp, err := devenv.StartControlPlane(devenv.ControlPlaneOptions{
		AssetsDir: devenv.AssetsDir(root), Dir: dir, Progress: os.Stdout, CRDPaths: devenv.CRDs(root),
	})
	if err != nil {
		return nil, err
	}
	e.cp = cp
	e.ours = devenv.Binary{Path: exe, Kubeconfig: cp.Kubeconfig, LogDir: dir}
	if e.c, err = newClient(cp.Config); err != nil {
		return e, err
	}
	for _, ns := range []string{namespace, fleetNamespace} {
		if err := e.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return e, fmt.Errorf("creating namespace %s: %w", ns, err)
		}
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: fleetSecretName, Namespace: fleetNamespace},
		Data:       map[string][]byte{whv1alpha1.SecretKeyGitHub: e.secret},
	}
	if err := e.c.Create(ctx, sec); err != nil {
		return e, fmt.Errorf("creating Fleet's %s Secret: %w", fleetSecretName, err)
	}
	return e, nil
}

// fleetBinary is bin/fleetbench, built from its own module when missing
// (`make bench` builds it first).
func fleetBinary(ctx context.Context, root string) (string, error) {
	exe := filepath.Join(root, "bin", "fleetbench")
	if devenv.Exists(exe) {
		return exe, nil
	}
	fmt.Println("== building bin/fleetbench (Fleet's webhook handler; its own module in hack/fleetbench)")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", exe, ".")
	cmd.Dir = filepath.Join(root, "hack", "fleetbench")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building bin/fleetbench: %w\n%s", err, b)
	}
	return exe, nil
}

// newClient is a client without client-side rate limiting: creating 10,000
// GitRepos at client-go's default 5 requests/s would take half an hour.
func newClient(cfg *rest.Config) (client.WithWatch, error) {
	s, err := devenv.Scheme()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("creating client: %w", err)
	}
	return c, nil
}

func repoName(i int) string { return fmt.Sprintf("repo-%05d", i) }

func repoURL(name string) string { return repoOrg + name }

// ensureRepos creates the size GitRepos up to n. They carry
// spec.pollingInterval, as every GitRepo does after its first webhook, so
// the runs measure steady-state writes; first-trigger writes are measured
// apart on fresh GitRepos.
func (e *env) ensureRepos(ctx context.Context, n int) error {
	if n <= e.repos {
		return nil
	}
	names := make([]string, 0, n-e.repos)
	for i := e.repos; i < n; i++ {
		names = append(names, repoName(i))
	}
	fmt.Printf("== creating %d GitRepos (%d workers)\n", len(names), createWorkers)
	t0 := time.Now()
	if err := e.createRepos(ctx, names, sizeSet, true); err != nil {
		return err
	}
	fmt.Printf("== %d GitRepos created in %s\n", len(names), time.Since(t0).Round(100*time.Millisecond))
	e.repos = n
	return nil
}

// createRepos creates GitRepos for names in parallel, labelled set; polling
// sets spec.pollingInterval.
// sizeSet labels the GitRepos of the side-by-side runs.
const sizeSet = "size"

func (e *env) createRepos(ctx context.Context, names []string, set string, polling bool) error {
	jobs := make(chan string)
	var mu sync.Mutex
	var failed int
	var first error
	var wg sync.WaitGroup
	for range createWorkers {
		wg.Go(func() {
			for name := range jobs {
				gr := &fleetv1alpha1.GitRepo{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{setLabel: set}},
					Spec:       fleetv1alpha1.GitRepoSpec{Repo: repoURL(name), Branch: "main"},
				}
				if polling {
					gr.Spec.PollingInterval = &metav1.Duration{Duration: time.Hour}
				}
				if err := e.c.Create(ctx, gr); err != nil {
					mu.Lock()
					if failed++; first == nil {
						first = fmt.Errorf("creating GitRepo %s: %w", name, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, name := range names {
		jobs <- name
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return fmt.Errorf("%d of %d GitRepo creates failed, the first: %w", failed, len(names), first)
	}
	return nil
}

// deleteRepos deletes the GitRepos labelled set.
func (e *env) deleteRepos(ctx context.Context, set string) error {
	if err := e.c.DeleteAllOf(ctx, &fleetv1alpha1.GitRepo{}, client.InNamespace(namespace), client.MatchingLabels{setLabel: set}); err != nil {
		return fmt.Errorf("deleting the %s GitRepos: %w", set, err)
	}
	return nil
}

// landed counts, of want (GitRepo name -> commit), the GitRepos whose
// status.webhookCommit is that commit.
func (e *env) landed(ctx context.Context, want map[string]string) (int, error) {
	var list fleetv1alpha1.GitRepoList
	if err := e.c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return 0, fmt.Errorf("listing GitRepos: %w", err)
	}
	ok := 0
	for i := range list.Items {
		if c, found := want[list.Items[i].Name]; found && list.Items[i].Status.WebhookCommit == c {
			ok++
		}
	}
	return ok, nil
}
