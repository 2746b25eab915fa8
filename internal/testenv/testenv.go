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

// Package testenv sets up the envtest suites: whether they run at all
// (SkipIfShort), and an envtest.Environment with our CRD, Fleet's GitRepo CRD
// and the optional Traefik and Gateway API ones. Where things are (repository
// root, control-plane binaries, our CRD folders) is devenv's to know, so the
// suites, `webhook-operator dev` and the e2e suite find them the same way.
package testenv

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// SkipIfShort skips a suite that needs a control plane when tests run with
// -short (`make test-unit`). Call it first in the suite's TestXxx, before
// RunSpecs. Without -short such a suite fails, rather than skips, when the
// binaries are missing: a skipped integration test proves nothing.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a control plane (kube-apiserver, etcd): skipped under -short")
	}
}

// ProjectEnvironment is an envtest.Environment with only our CRD installed,
// for suites that must start without Fleet's or the optional CRDs. It fails
// when the control-plane binaries are missing: `make envtest` builds them.
func ProjectEnvironment() (*envtest.Environment, error) {
	root, err := devenv.RepoRoot()
	if err != nil {
		return nil, err
	}
	assets := devenv.AssetsDir(root)
	if err := devenv.CheckAssets(assets, devenv.BinAPIServer, devenv.BinEtcd); err != nil {
		return nil, err
	}
	return &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{devenv.ProjectCRDs(root)},
		ErrorIfCRDPathMissing: true,
	}, nil
}

// Environment is an envtest.Environment with our CRD and Fleet's GitRepo CRD
// installed, plus any extra CRD paths given.
func Environment(extraCRDPaths ...string) (*envtest.Environment, error) {
	root, err := devenv.RepoRoot()
	if err != nil {
		return nil, err
	}
	env, err := ProjectEnvironment()
	if err != nil {
		return nil, err
	}
	env.CRDDirectoryPaths = append(append(env.CRDDirectoryPaths, devenv.FleetCRDs(root)), extraCRDPaths...)
	return env, nil
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

// moduleDir is where the go command keeps module mod's source, for CRDs that
// ship with a Go dependency rather than being copied into this repository.
func moduleDir(mod string) (string, error) {
	root, err := devenv.RepoRoot()
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
