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

// Package e2e runs the built webhook-operator binary the way a cluster does:
// `manager` and `receiver` as separate OS processes against a real
// kube-apiserver + etcd + kube-controller-manager, YAML applied with kubectl,
// and real signed webhooks over loopback. It fails (never skips) when it
// cannot run, except under -short, where it does not start at all.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/testenv"
)

// receiverClusterRole is config/rbac/receiver_role.yaml's name as installed
// by config/default (with kustomize's namePrefix): the manager's default.
const receiverClusterRole = "webhook-operator-receiver-role"

// The operator's ServiceAccount as config/default installs it.
const operatorNamespace, operatorServiceAccount = "webhook-operator-system", "webhook-operator-controller-manager"

var (
	root      string
	workDir   string
	cp        *devenv.ControlPlane
	restCfg   *rest.Config
	k8s       client.Client
	clientset *kubernetes.Clientset
	bin       devenv.Binary
	manager   *devenv.Subcommand

	// procs are every process the suite started, stopped in AfterSuite.
	procsMu sync.Mutex
	procs   []*devenv.Process

	stopPodReadiness context.CancelFunc
)

func TestE2E(t *testing.T) {
	testenv.SkipIfShort(t)
	RegisterFailHandler(Fail)
	suiteCfg, reporterCfg := GinkgoConfiguration()
	if suiteCfg.Timeout > 8*time.Minute {
		// Leave AfterSuite time to stop every process before go test's own
		// timeout would kill the binary and orphan the control plane.
		suiteCfg.Timeout = 8 * time.Minute
	}
	RunSpecs(t, "webhook-operator e2e", suiteCfg, reporterCfg)
}

func track(p *devenv.Process) {
	procsMu.Lock()
	defer procsMu.Unlock()
	procs = append(procs, p)
}

var _ = BeforeSuite(func(ctx SpecContext) {
	ctrl.SetLogger(GinkgoLogr)
	var err error
	root, err = devenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())

	// Preconditions fail loudly: a skipped e2e suite proves nothing.
	assets := devenv.AssetsDir(root)
	Expect(devenv.CheckAssets(assets, devenv.BinAPIServer, devenv.BinEtcd, devenv.BinControllerManager)).
		To(Succeed(), "the e2e suite needs the control-plane binaries")
	_, err = exec.LookPath("kubectl")
	Expect(err).NotTo(HaveOccurred(), "the e2e suite needs kubectl on PATH")

	workDir = GinkgoT().TempDir()
	if d := os.Getenv("E2E_KEEP_LOGS"); d != "" {
		workDir = d // logs survive the run for debugging
		Expect(os.MkdirAll(workDir, 0o755)).To(Succeed())
	}
	By("building the webhook-operator binary")
	exe, err := devenv.BuildBinary(ctx, root, workDir)
	Expect(err).NotTo(HaveOccurred())

	By("starting etcd, kube-apiserver and kube-controller-manager")
	crds := devenv.CRDs(root)
	for _, crd := range []func() (string, error){testenv.GatewayAPICRDs, testenv.TraefikMiddlewareCRD} {
		path, err := crd()
		Expect(err).NotTo(HaveOccurred())
		crds = append(crds, path)
	}
	cp, err = devenv.StartControlPlane(devenv.ControlPlaneOptions{
		AssetsDir: assets, Dir: workDir, CRDPaths: crds, ControllerManager: true, Progress: GinkgoWriter,
	})
	Expect(err).NotTo(HaveOccurred())
	track(cp.ControllerManager)
	restCfg = cp.Config

	scheme, err := devenv.Scheme()
	Expect(err).NotTo(HaveOccurred())
	Expect(gatewayv1.Install(scheme)).To(Succeed())
	Expect(traefikv1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(restCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clientset, err = kubernetes.NewForConfig(restCfg)
	Expect(err).NotTo(HaveOccurred())

	By("applying the install's namespace and RBAC (kustomize build config/default) with kubectl")
	kubectlApply(installRBAC())

	By("starting `webhook-operator manager` as a process, with its own ServiceAccount's token")
	bin = devenv.Binary{Path: exe, Kubeconfig: cp.Kubeconfig, LogDir: workDir}
	operator := bin
	operator.Kubeconfig = tokenKubeconfig(operatorNamespace, operatorServiceAccount)
	manager, err = operator.StartManager(ctx, "manager", "--cross-namespace-namespaces", nsCross)
	Expect(err).NotTo(HaveOccurred())
	track(manager.Process)

	// No kubelet runs here: the receivers run as local processes, and this
	// stands in for the kubelet reporting their pods Ready.
	prCtx, cancel := context.WithCancel(context.Background())
	stopPodReadiness = cancel
	sel := labels.SelectorFromSet(labels.Set{"app.kubernetes.io/name": "webhook-receiver"})
	go devenv.RunPodReadiness(prCtx, k8s, "", sel, 500*time.Millisecond, func(err error) {
		GinkgoWriter.Printf("pod readiness: %v\n", err)
	})
}, NodeTimeout(5*time.Minute))

var _ = AfterSuite(func() {
	if stopPodReadiness != nil {
		stopPodReadiness()
	}
	procsMu.Lock()
	ps := append([]*devenv.Process{}, procs...)
	procsMu.Unlock()
	// Receivers and the manager first, kube-controller-manager with the
	// control plane.
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i] == nil || (cp != nil && ps[i] == cp.ControllerManager) {
			continue
		}
		Expect(ps[i].Stop(15 * time.Second)).To(Succeed())
	}
	if cp != nil {
		Expect(cp.Stop()).To(Succeed())
	}
})

// ReportAfterEach shows the processes' last log lines next to a failure.
var _ = ReportAfterEach(func(r SpecReport) {
	if !r.Failed() {
		return
	}
	procsMu.Lock()
	defer procsMu.Unlock()
	for _, p := range procs {
		if p != nil {
			AddReportEntry(p.Spec.Name+" log", p.LogTail(40))
		}
	}
})

// installRBAC is the Namespace, ServiceAccount and RBAC objects of
// dist/install.yaml, so the manager runs with exactly the permissions a
// cluster install grants it (the CRD is already installed; no Deployment).
func installRBAC() string {
	GinkgoHelper()
	rbac, err := devenv.InstallRBAC(root, filepath.Join(root, "bin", "kustomize"))
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
	kc, err := devenv.KubeconfigForToken(restCfg, tr.Status.Token)
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(workDir, fmt.Sprintf("kubeconfig-%s-%s", ns, sa))
	Expect(os.WriteFile(path, kc, 0o600)).To(Succeed())
	return path
}

// kubectl runs kubectl against the suite's control plane and returns stdout.
func kubectl(args ...string) string {
	GinkgoHelper()
	out, err := kubectlErr(nil, args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// kubectlApply pipes YAML into `kubectl apply -f -`.
func kubectlApply(yaml string) {
	GinkgoHelper()
	_, err := kubectlErr([]byte(yaml), "apply", "-f", "-")
	Expect(err).NotTo(HaveOccurred())
}

func kubectlErr(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
