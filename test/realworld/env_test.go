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

// Every use of the project's devenv, gitsim and realworld packages is in
// this file, so a change of their API is fixed here alone.

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/realworld"
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
	randomSHA    = gitsim.RandomSHA
)

const giteaUser = realworld.GiteaUser

// prepared is what the outer run resolves for the inner one.
type prepared struct {
	workDir, operatorPath string
	assets                realworld.Assets
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
	if err := devenv.CheckAssets(devenv.AssetsDir(root), devenv.ControlPlaneBins...); err != nil {
		return prepared{}, err
	}
	if err := realworld.CheckBins(realworld.BinsDir(root)); err != nil {
		return prepared{}, err
	}
	if err := realworld.CheckTools(); err != nil {
		return prepared{}, err
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
	p.assets, err = realworld.FindAssets(root)
	return p, err
}

// componentEnv is what the components run against: the suite's control
// plane, with every process they start tracked for AfterSuite.
func componentEnv() realworld.Env {
	assets, err := realworld.AssetsFromEnv()
	Expect(err).NotTo(HaveOccurred())
	return realworld.Env{
		Client: k8s, Kubeconfig: cp.Kubeconfig, BinsDir: binsDir, WorkDir: workDir, Assets: assets,
		Start: func(spec processSpec) (*process, error) {
			p, err := startProcess(spec)
			if err == nil {
				track(p)
			}
			return p, err
		},
	}
}

// startComponents starts Traefik, Fleet's gitjob controller and Gitea.
func startComponents(ctx context.Context) {
	GinkgoHelper()
	env := componentEnv()
	for _, start := range []func(context.Context, realworld.Env) (*process, error){
		realworld.StartTraefik, realworld.StartFleet, realworld.StartGitea,
	} {
		_, err := start(ctx, env)
		Expect(err).NotTo(HaveOccurred())
	}
}

// startControlPlane starts etcd and kube-apiserver with the CRDs installed;
// kube-controller-manager is started by the suite with the controllers it
// needs.
func startControlPlane(root, dir string) (*controlPlane, error) {
	assets, err := realworld.AssetsFromEnv()
	if err != nil {
		return nil, err
	}
	return devenv.StartControlPlane(devenv.ControlPlaneOptions{
		AssetsDir: devenv.AssetsDir(root), Dir: dir, CRDPaths: assets.CRDs, Progress: GinkgoWriter,
	})
}

func controllerManagerPath(root string) string {
	return filepath.Join(devenv.AssetsDir(root), devenv.BinControllerManager)
}

func repoRoot() (string, error) { return devenv.RepoRoot() }

func realBinsDir(root string) string { return realworld.BinsDir(root) }

func newClient(cfg *rest.Config) (client.Client, error) { return devenv.NewClient(cfg) }

func kubeconfigForToken(cfg *rest.Config, token string) ([]byte, error) {
	return devenv.KubeconfigForToken(cfg, token)
}

// applyYAML server-side applies a multi-document YAML stream.
func applyYAML(ctx context.Context, c client.Client, yaml string) error {
	_, err := devenv.ApplyYAML(ctx, c, []byte(yaml), "default", nil)
	return err
}

// exposeAt makes addr the one ready endpoint of Service ns/svc.
func exposeAt(ctx context.Context, ns, svc, addr string) {
	GinkgoHelper()
	Expect(realworld.ExposeAt(ctx, k8s, ns, svc, addr)).To(Succeed())
}

// gitHubPush is a GitHub push webhook for repoURL's branch at commit,
// signed with secret, addressed to target.
func gitHubPush(ctx context.Context, target, repoURL, branch, commit string, secret []byte) (*http.Request, error) {
	p := gitsim.Push{Provider: v1alpha1.SecretKeyGitHub, RepoURL: repoURL, Branch: branch, Commit: commit, DefaultBranch: branch}
	return p.NewRequest(ctx, target, secret)
}

// fleetGitRepoYAML is a GitRepo Fleet polls or is triggered for; ref is
// "branch: x" or "revision: y".
func fleetGitRepoYAML(ns, name, repo, ref string) string {
	return realworld.GitRepoYAML(ns, name, repo, ref)
}
