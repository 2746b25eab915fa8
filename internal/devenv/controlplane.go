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
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ControlPlaneOptions configures StartControlPlane.
type ControlPlaneOptions struct {
	// AssetsDir holds kube-apiserver, etcd and kube-controller-manager.
	AssetsDir string
	// Dir is where the kubeconfig and the controller-manager log are written.
	Dir string
	// CRDPaths are files or directories of CRD YAML installed once the API
	// server is up. A missing path is an error.
	CRDPaths []string
	// ControllerManager also runs kube-controller-manager, so garbage
	// collection and the Deployment and ReplicaSet controllers are real.
	ControllerManager bool
	// Progress receives one line per step (may be nil).
	Progress io.Writer
}

// ControlPlane is a running local control plane.
type ControlPlane struct {
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// Kubeconfig is the path of an admin kubeconfig file for kubectl and the
	// child processes.
	Kubeconfig string
	// ControllerManager is the kube-controller-manager process, if started.
	ControllerManager *Process

	env *envtest.Environment
}

// StartControlPlane starts etcd and kube-apiserver through envtest, installs
// the CRDs, writes an admin kubeconfig and, if asked, starts
// kube-controller-manager. On error everything started is stopped.
func StartControlPlane(opts ControlPlaneOptions) (cp *ControlPlane, err error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	bins := []string{BinAPIServer, BinEtcd}
	if opts.ControllerManager {
		bins = append(bins, BinControllerManager)
	}
	if err := CheckAssets(opts.AssetsDir, bins...); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", opts.Dir, err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: opts.AssetsDir,
		CRDDirectoryPaths:     opts.CRDPaths,
		ErrorIfCRDPathMissing: true,
		// A shared 2-core machine can be slow to bring up kube-apiserver.
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	cp = &ControlPlane{env: env}
	defer func() {
		if err != nil {
			err = errors.Join(err, cp.Stop())
			cp = nil
		}
	}()
	_, _ = fmt.Fprintf(progress, "starting etcd and kube-apiserver from %s ...\n", opts.AssetsDir)
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		return cp, fmt.Errorf("starting the control plane: %w", err)
	}
	cp.Config = cfg
	_, _ = fmt.Fprintf(progress, "kube-apiserver is serving at %s (%s); CRDs installed: %d\n", cfg.Host, time.Since(start).Round(100*time.Millisecond), len(env.CRDs))
	cp.Kubeconfig = filepath.Join(opts.Dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, env.KubeConfig, 0o600); err != nil {
		return cp, fmt.Errorf("writing kubeconfig: %w", err)
	}
	if opts.ControllerManager {
		_, _ = fmt.Fprintln(progress, "starting kube-controller-manager (garbage collector, Deployment and ReplicaSet controllers) ...")
		cp.ControllerManager, err = StartProcess(ProcessSpec{
			Name: BinControllerManager,
			Path: filepath.Join(opts.AssetsDir, BinControllerManager),
			Args: []string{
				"--kubeconfig=" + cp.Kubeconfig,
				"--controllers=garbage-collector-controller,deployment-controller,replicaset-controller",
				"--use-service-account-credentials=false",
				"--leader-elect=false",
				"--secure-port=0",
				"--authentication-skip-lookup=true",
			},
			LogFile: filepath.Join(opts.Dir, BinControllerManager+".log"),
		})
		if err != nil {
			return cp, err
		}
	}
	return cp, nil
}

// Stop stops kube-controller-manager, kube-apiserver and etcd, and removes
// etcd's data. Safe to call more than once.
func (c *ControlPlane) Stop() error {
	var errs []error
	if c.ControllerManager != nil {
		if err := c.ControllerManager.Stop(15 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if c.env != nil && c.Config != nil {
		if err := c.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping the control plane: %w", err))
		}
		c.env = nil
	} else if c.env != nil {
		// Start failed half-way; the embedded control plane may still run.
		_ = c.env.ControlPlane.Stop()
		c.env = nil
	}
	return errors.Join(errs...)
}

// InstallCRDs installs the CRD files or directories in paths into the cluster
// cfg points at (used for an existing cluster) and waits until they serve.
func InstallCRDs(cfg *rest.Config, paths []string) error {
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: paths, ErrorIfPathMissing: true}); err != nil {
		return fmt.Errorf("installing CRDs from %v: %w", paths, err)
	}
	return nil
}
