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

// Package rbac audits the shipped RBAC against a real API server: what a
// receiver's ServiceAccount can and cannot do, and that the operator can bind
// receivers but cannot escalate.
package rbac

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/testenv"
)

const (
	operatorNamespace = "webhook-operator-system"
	operatorSA        = "webhook-operator-controller-manager"
	receiverRole      = "webhook-operator-receiver-role"
)

var (
	env    *envtest.Environment
	cfg    *rest.Config
	admin  client.Client
	scheme = runtime.NewScheme()
)

func TestRBAC(t *testing.T) {
	testenv.SkipIfShort(t)
	RegisterFailHandler(Fail)
	RunSpecs(t, "RBAC audit")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(v1alpha1.AddToScheme(scheme)).To(Succeed())

	// The RBAC exactly as `make deploy` ships it (namePrefix and namespace
	// applied): role.yaml, receiver_role.yaml, bindings, ServiceAccount.
	installed := installerRBAC()
	Expect(installed).NotTo(BeEmpty())

	var err error
	env, err = testenv.Environment()
	Expect(err).NotTo(HaveOccurred())
	cfg, err = env.Start()
	Expect(err).NotTo(HaveOccurred())
	admin, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	for _, o := range installed {
		Expect(admin.Create(ctx, o)).To(Succeed(), "create %s %s", o.GetKind(), o.GetName())
	}
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// installerRBAC renders config/default with the pinned kustomize and keeps
// the Namespace, ServiceAccounts and RBAC objects.
func installerRBAC() []*unstructured.Unstructured {
	root, err := devenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(root, "bin", "kustomize"), "build", filepath.Join(root, "config", "default"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	Expect(cmd.Run()).To(Succeed(), "kustomize build config/default (run 'make kustomize'): %s", stderr.String())

	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(&stdout, 4096)
	for {
		var m map[string]interface{}
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			Expect(err).NotTo(HaveOccurred())
		}
		u := &unstructured.Unstructured{Object: m}
		switch u.GetKind() {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			out = append(out, u)
		}
	}
	// Namespace first, so the namespaced objects have somewhere to go.
	for i, u := range out {
		if u.GetKind() == "Namespace" {
			out[0], out[i] = out[i], out[0]
		}
	}
	return out
}

// as returns a client that impersonates a ServiceAccount, with the groups the
// API server gives real ServiceAccount tokens.
func as(namespace, name string) client.WithWatch {
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + namespace + ":" + name,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}
	cl, err := client.NewWithWatch(c, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return cl
}
