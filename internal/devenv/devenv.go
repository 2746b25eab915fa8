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

// Package devenv runs the project the way a user does, on one machine: a
// local control plane (etcd + kube-apiserver from envtest binaries, optionally
// kube-controller-manager), the webhook-operator binary's subcommands as
// supervised OS processes, and correctly signed provider push requests. It is
// shared by `webhook-operator dev`, the e2e suite and the load benchmark, so
// the three exercise the same wiring.
package devenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
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

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("picking a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr is a free loopback host:port for a --*-bind-address flag.
func FreeAddr() (string, error) {
	p, err := FreePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}
