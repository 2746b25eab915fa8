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
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// The operator's ServiceAccount as config/default installs it.
const operatorNamespace, operatorServiceAccount = "webhook-operator-system", "webhook-operator-controller-manager"

var (
	root, workDir, binsDir string
	cp                     *controlPlane
	restCfg                *rest.Config
	k8s                    client.Client
	clientset              *kubernetes.Clientset
	operator               operatorBin

	// procs are every process the suite started, stopped in reverse order
	// in AfterSuite.
	procsMu sync.Mutex
	procs   []*process
)

func track(p *process) *process {
	procsMu.Lock()
	defer procsMu.Unlock()
	procs = append(procs, p)
	return p
}

var _ = BeforeSuite(func(ctx SpecContext) {
	ctrl.SetLogger(GinkgoLogr)
	var err error
	root, err = repoRoot()
	Expect(err).NotTo(HaveOccurred())
	binsDir = realBinsDir(root)
	workDir = os.Getenv(envWorkDir)
	Expect(workDir).NotTo(BeEmpty(), "run through TestRealWorld, which sets up the network namespace")

	By("starting etcd and kube-apiserver with our, Fleet's, Traefik's and Gateway API's CRDs")
	start := time.Now()
	cp, err = startControlPlane(root, workDir)
	Expect(err).NotTo(HaveOccurred())
	restCfg = cp.Config
	k8s, err = newClient(restCfg)
	Expect(err).NotTo(HaveOccurred())
	clientset, err = kubernetes.NewForConfig(restCfg)
	Expect(err).NotTo(HaveOccurred())

	By("starting kube-controller-manager with the garbage collector, Job and EndpointSlice controllers")
	track(startOrFail(processSpec{
		Name: "kube-controller-manager", Path: controllerManagerPath(root),
		Args: []string{
			"--kubeconfig=" + cp.Kubeconfig,
			"--controllers=garbage-collector-controller,job-controller,endpointslice-controller",
			"--use-service-account-credentials=false", "--leader-elect=false",
			"--secure-port=0", "--authentication-skip-lookup=true",
		},
	}))

	By("installing the operator's namespace and RBAC (kustomize build config/default) and starting `webhook-operator manager`")
	Expect(applyYAML(ctx, k8s, installRBAC())).To(Succeed())
	operator = operatorBin{Path: os.Getenv(envOperatorBin), Kubeconfig: cp.Kubeconfig, LogDir: workDir}
	asOperator := operator
	asOperator.Kubeconfig = tokenKubeconfig(operatorNamespace, operatorServiceAccount)
	manager, err := asOperator.StartManager(ctx, "manager")
	Expect(err).NotTo(HaveOccurred())
	track(manager.Process)

	By("starting Traefik, Fleet's gitjob controller and Gitea")
	startComponents(ctx)
	GinkgoWriter.Printf("real world up in %s\n", time.Since(start).Round(100*time.Millisecond))
}, NodeTimeout(4*time.Minute))

var _ = AfterSuite(func() {
	procsMu.Lock()
	ps := append([]*process{}, procs...)
	procsMu.Unlock()
	var errs []error
	for i := len(ps) - 1; i >= 0; i-- {
		errs = append(errs, ps[i].Stop(15*time.Second))
	}
	if cp != nil {
		errs = append(errs, cp.Stop())
	}
	Expect(errors.Join(errs...)).To(Succeed())
})

// ReportAfterEach shows the processes' last log lines next to a failure.
var _ = ReportAfterEach(func(r SpecReport) {
	if !r.Failed() {
		return
	}
	procsMu.Lock()
	defer procsMu.Unlock()
	for _, p := range procs {
		AddReportEntry(p.Spec.Name+" log", p.LogTail(40))
	}
})

// startOrFail starts a process logging to <workDir>/<name>.log.
func startOrFail(spec processSpec) *process {
	GinkgoHelper()
	if spec.LogFile == "" {
		spec.LogFile = filepath.Join(workDir, spec.Name+".log")
	}
	p, err := startProcess(spec)
	Expect(err).NotTo(HaveOccurred())
	return p
}

// installRBAC is the Namespace, ServiceAccount and RBAC objects of the
// install, so the manager runs with exactly the permissions a cluster
// install grants it (the CRD is already installed; no Deployment).
func installRBAC() string {
	GinkgoHelper()
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	rbac, err := devenv.InstallRBAC(root, kustomize)
	Expect(err).NotTo(HaveOccurred())
	return rbac
}

// tokenKubeconfig writes a kubeconfig that authenticates as a ServiceAccount.
func tokenKubeconfig(ns, sa string) string {
	GinkgoHelper()
	tr, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}},
		metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	kc, err := kubeconfigForToken(restCfg, tr.Status.Token)
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(workDir, "kubeconfig-"+ns+"-"+sa)
	Expect(os.WriteFile(path, kc, 0o600)).To(Succeed())
	return path
}
