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

// Package devenv runs the project the way a user does, on one machine: it
// knows the repository's layout (root, control-plane binaries, CRD folders),
// starts a local control plane (etcd + kube-apiserver from envtest binaries,
// optionally kube-controller-manager) and runs the webhook-operator binary's
// subcommands as supervised OS processes. It is shared by `webhook-operator
// dev`, the envtest and e2e suites and the load benchmark, so all of them
// exercise the same wiring. Deliveries from Git hosts come from gitsim.
package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// RepoRoot finds the module root by walking up from the working directory to
// the first go.mod, then from the running executable (bin/webhook-operator).
func RepoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("cannot find the repository root (no go.mod above the working directory or the executable)")
}

// AssetsDir is where the control-plane binaries are: KUBEBUILDER_ASSETS if
// set, else <root>/bin/k8s (where `make envtest` builds them).
func AssetsDir(root string) string {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d
	}
	return filepath.Join(root, "bin", "k8s")
}

// Control-plane binary names in AssetsDir.
const (
	BinAPIServer         = "kube-apiserver"
	BinEtcd              = "etcd"
	BinControllerManager = "kube-controller-manager"
)

// CheckAssets returns an error naming every binary missing from dir, with
// the command that builds them.
func CheckAssets(dir string, bins ...string) error {
	var missing []string
	for _, b := range bins {
		st, err := os.Stat(filepath.Join(dir, b))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("control-plane binaries %v missing from %s: run `make envtest` (hack/envtest-bins.sh) or set KUBEBUILDER_ASSETS", missing, dir)
	}
	return nil
}

// ControlPlaneBins are every binary a control plane with
// kube-controller-manager needs.
var ControlPlaneBins = []string{BinAPIServer, BinEtcd, BinControllerManager}

// BuildAssets builds the control-plane binaries into AssetsDir(root) with
// hack/envtest-bins.sh, streaming its output to out (the first build takes
// a while), and checks they are all there.
func BuildAssets(ctx context.Context, root string, out io.Writer) error {
	assets := AssetsDir(root)
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "envtest-bins.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OUT_DIR="+assets)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("hack/envtest-bins.sh: %w", err)
	}
	return CheckAssets(assets, ControlPlaneBins...)
}

// ProjectCRDs is the folder of the WebhookReceiver CRD under root.
func ProjectCRDs(root string) string { return filepath.Join(root, "config", "crd", "bases") }

// FleetCRDs is the folder of Fleet's GitRepo CRD under root, generated from
// Fleet's Go types by `make manifests`.
func FleetCRDs(root string) string { return filepath.Join(root, "test", "crds", "fleet") }

// CRDs lists the CRD folders a control plane needs to run the operator:
// ours and Fleet's GitRepo.
func CRDs(root string) []string { return []string{ProjectCRDs(root), FleetCRDs(root)} }
