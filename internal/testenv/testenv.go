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

// Package testenv finds what the envtest suites need: the repository root,
// the control-plane binaries built by hack/envtest-bins.sh, and the CRDs
// (ours, Fleet's GitRepo, and the optional Traefik and Gateway API ones).
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Assets is the folder with kube-apiserver and etcd: $KUBEBUILDER_ASSETS, else
// <repo>/bin/k8s. It fails, rather than letting a suite skip, when the
// binaries are missing: `make envtest` builds them.
func Assets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s")
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("envtest binary %s missing in %s (run 'make envtest'): %w", b, dir, err)
		}
	}
	return dir, nil
}

// ProjectCRDs is the WebhookReceiver CRD folder.
func ProjectCRDs() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "config", "crd", "bases"), nil
}

// FleetCRDs is the folder with Fleet's GitRepo CRD, generated from Fleet's Go
// types by `make manifests`.
func FleetCRDs() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "test", "crds", "fleet"), nil
}

// GatewayAPICRDs is the standard-channel CRD folder of the gateway-api module.
func GatewayAPICRDs() (string, error) {
	dir, err := moduleDir("sigs.k8s.io/gateway-api")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config", "crd", "standard"), nil
}

// GatewayAPIHTTPRouteCRD is the standard-channel HTTPRoute CRD file alone,
// for suites that install just the kind the operator creates.
func GatewayAPIHTTPRouteCRD() (string, error) {
	dir, err := GatewayAPICRDs()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "gateway.networking.k8s.io_httproutes.yaml"), nil
}

// TraefikMiddlewareCRD is the Middleware CRD file shipped in Traefik's module.
func TraefikMiddlewareCRD() (string, error) {
	dir, err := moduleDir("github.com/traefik/traefik/v3")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "docs", "content", "reference", "dynamic-configuration", "traefik.io_middlewares.yaml"), nil
}

func moduleDir(mod string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", mod, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ProjectEnvironment is an envtest.Environment with only our CRD installed,
// for suites that must start without Fleet's or the optional CRDs.
func ProjectEnvironment() (*envtest.Environment, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	ours, err := ProjectCRDs()
	if err != nil {
		return nil, err
	}
	return &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{ours},
		ErrorIfCRDPathMissing: true,
	}, nil
}

// Environment is an envtest.Environment with our CRD and Fleet's GitRepo CRD
// installed, plus any extra CRD paths given.
func Environment(extraCRDPaths ...string) (*envtest.Environment, error) {
	env, err := ProjectEnvironment()
	if err != nil {
		return nil, err
	}
	fleet, err := FleetCRDs()
	if err != nil {
		return nil, err
	}
	env.CRDDirectoryPaths = append(append(env.CRDDirectoryPaths, fleet), extraCRDPaths...)
	return env, nil
}
