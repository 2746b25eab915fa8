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

package realworld

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// Assets are the files the components read at run time, found outside the
// namespace (the go command may need the module proxy) and handed to the
// run inside it through the environment.
type Assets struct {
	// CRDs are ours, Gateway API's, all of Traefik's and Fleet's own.
	CRDs []string
	// GiteaStatic is Gitea's module folder, its STATIC_ROOT_PATH.
	GiteaStatic string
}

// Environment variables that carry Assets into the namespace.
const (
	envCRDs        = "REALWORLD_CRDS"
	envGiteaStatic = "REALWORLD_GITEA_STATIC"
)

// FindAssets resolves Assets for the repository at root from the Go
// module cache.
func FindAssets(root string) (Assets, error) {
	gateway, err := listedModuleDir(root, "sigs.k8s.io/gateway-api")
	if err != nil {
		return Assets{}, err
	}
	traefik, err := listedModuleDir(root, "github.com/traefik/traefik/v3")
	if err != nil {
		return Assets{}, err
	}
	fleet, err := ModuleDir(FleetModule)
	if err != nil {
		return Assets{}, err
	}
	gitea, err := ModuleDir(GiteaModule)
	if err != nil {
		return Assets{}, err
	}
	return Assets{
		CRDs: []string{
			devenv.ProjectCRDs(root),
			filepath.Join(gateway, "config", "crd", "standard"),
			filepath.Join(traefik, "docs", "content", "reference", "dynamic-configuration", "kubernetes-crd-definition-v1.yml"),
			// GitRepo with the schema Fleet itself installs.
			filepath.Join(fleet, "charts", "fleet-crd", "templates", "crds.yaml"),
		},
		GiteaStatic: gitea,
	}, nil
}

// Env is a as the environment variables for AssetsFromEnv.
func (a Assets) Env() []string {
	return []string{envCRDs + "=" + strings.Join(a.CRDs, string(os.PathListSeparator)), envGiteaStatic + "=" + a.GiteaStatic}
}

// AssetsFromEnv reads what Env wrote.
func AssetsFromEnv() (Assets, error) {
	a := Assets{CRDs: filepath.SplitList(os.Getenv(envCRDs)), GiteaStatic: os.Getenv(envGiteaStatic)}
	if len(a.CRDs) == 0 || a.GiteaStatic == "" {
		return a, fmt.Errorf("%s and %s must be set (by the run outside the network namespace)", envCRDs, envGiteaStatic)
	}
	return a, nil
}

// listedModuleDir is the folder of a module this repository requires.
func listedModuleDir(root, mod string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", mod, err)
	}
	return strings.TrimSpace(string(out)), nil
}
