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

// Every use of the project's devenv and testenv packages is in this file,
// so a change of their API is fixed here alone.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/testenv"
)

type (
	process      = devenv.Process
	processSpec  = devenv.ProcessSpec
	controlPlane = devenv.ControlPlane
	operatorBin  = devenv.Binary
	subcommand   = devenv.Subcommand
	receiverOpts = devenv.ReceiverOptions
)

var (
	startProcess = devenv.StartProcess
	waitHTTPOK   = devenv.WaitHTTPOK
	randomSHA    = gitsim.RandomSHA
)

// Modules whose files the suite reads; the versions hack/real-bins.sh builds.
const (
	fleetModule = "github.com/rancher/fleet@v0.16.0"
	giteaModule = "code.gitea.io/gitea@v1.26.0"
)

// realComponents are the binaries hack/real-bins.sh builds, with the
// version each stamp must hold.
var realComponents = map[string]string{
	"traefik":         "v3.6.12",
	"fleetcontroller": "v0.16.0",
	"gitea":           "v1.26.0",
}

// prepared is what the outer run resolves for the inner one.
type prepared struct {
	workDir, operatorPath, giteaStatic string
	crds                               []string
}

// prepare checks every binary the suite needs (failing, not skipping, when
// one is missing), builds the operator and finds the CRD files and Gitea's
// runtime files in the Go module cache. It runs outside the namespace: the
// go command may need the module proxy.
func prepare(t *testing.T) (prepared, error) {
	root, err := devenv.RepoRoot()
	if err != nil {
		return prepared{}, err
	}
	if err := devenv.CheckAssets(devenv.AssetsDir(root), devenv.BinAPIServer, devenv.BinEtcd, devenv.BinControllerManager); err != nil {
		return prepared{}, err
	}
	if err := checkRealBins(realBinsDir(root)); err != nil {
		return prepared{}, err
	}
	for _, tool := range []string{"unshare", "ip", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			return prepared{}, fmt.Errorf("the real-world suite needs %s on PATH: %w", tool, err)
		}
	}
	p := prepared{workDir: os.Getenv(envKeepLogs)}
	if p.workDir == "" {
		p.workDir = t.TempDir()
	} else if err := os.MkdirAll(p.workDir, 0o755); err != nil {
		return prepared{}, err
	}
	if p.operatorPath, err = devenv.BuildBinary(context.Background(), root, p.workDir); err != nil {
		return prepared{}, err
	}
	ours := devenv.ProjectCRDs(root)
	gateway, err := testenv.GatewayAPICRDs()
	if err != nil {
		return prepared{}, err
	}
	middleware, err := testenv.TraefikMiddlewareCRD()
	if err != nil {
		return prepared{}, err
	}
	fleetDir, err := moduleDir(fleetModule)
	if err != nil {
		return prepared{}, err
	}
	if p.giteaStatic, err = moduleDir(giteaModule); err != nil {
		return prepared{}, err
	}
	p.crds = []string{
		ours, gateway,
		// All of Traefik's CRDs, next to the Middleware one in its module.
		filepath.Join(filepath.Dir(middleware), "kubernetes-crd-definition-v1.yml"),
		// Fleet's own CRDs (GitRepo with the schema Fleet itself installs).
		filepath.Join(fleetDir, "charts", "fleet-crd", "templates", "crds.yaml"),
	}
	return p, nil
}

// realBinsDir is $REALWORLD_BINS, else <repo>/bin/real.
func realBinsDir(root string) string {
	if d := os.Getenv(envBins); d != "" {
		return d
	}
	return filepath.Join(root, "bin", "real")
}

func checkRealBins(dir string) error {
	var missing []string
	for name, version := range realComponents {
		stamp, _ := os.ReadFile(filepath.Join(dir, "."+name+".version"))
		if !devenv.Exists(filepath.Join(dir, name)) || strings.TrimSpace(string(stamp)) != version {
			missing = append(missing, name+" "+version)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%s missing from %s: run hack/real-bins.sh (or set %s)", strings.Join(missing, ", "), dir, envBins)
	}
	return nil
}

// moduleDir downloads (or finds in the cache) a module and returns its folder.
func moduleDir(modVersion string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", modVersion).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", modVersion, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no folder (%s): %v", modVersion, m.Error, err)
	}
	return m.Dir, nil
}

// startControlPlane starts etcd and kube-apiserver with the CRDs installed;
// kube-controller-manager is started by the suite with the controllers it
// needs.
func startControlPlane(root, dir string, crds []string) (*controlPlane, error) {
	return devenv.StartControlPlane(devenv.ControlPlaneOptions{
		AssetsDir: devenv.AssetsDir(root), Dir: dir, CRDPaths: crds, Progress: GinkgoWriter,
	})
}

func controllerManagerPath(root string) string {
	return filepath.Join(devenv.AssetsDir(root), devenv.BinControllerManager)
}

func repoRoot() (string, error) { return devenv.RepoRoot() }

func newClient(cfg *rest.Config) (client.Client, error) { return devenv.NewClient(cfg) }

func kubeconfigForToken(cfg *rest.Config, token string) ([]byte, error) {
	return devenv.KubeconfigForToken(cfg, token)
}

// applyYAML server-side applies a multi-document YAML stream.
func applyYAML(ctx context.Context, c client.Client, yaml string) error {
	_, err := devenv.ApplyYAML(ctx, c, []byte(yaml), "default", nil)
	return err
}

// gitHubPush is a GitHub push webhook for repoURL's branch at commit,
// signed with secret, addressed to target.
func gitHubPush(ctx context.Context, target, repoURL, branch, commit string, secret []byte) (*http.Request, error) {
	p := gitsim.Push{Provider: v1alpha1.SecretKeyGitHub, RepoURL: repoURL, Branch: branch, Commit: commit, DefaultBranch: branch}
	return p.NewRequest(ctx, target, secret)
}
