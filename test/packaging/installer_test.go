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

package packaging

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const (
	testImage       = "registry.example.com/team/webhook-operator:v9.9.9-test"
	namespace       = "webhook-operator-system"
	deploymentName  = "webhook-operator-controller-manager"
	serviceAccount  = "webhook-operator-controller-manager"
	receiverRole    = "webhook-operator-receiver-role"
	managerRoleName = "webhook-operator-manager-role"
)

// buildInstaller does what `make build-installer IMG=...` does, on a copy of
// config/: set the image, then build config/default (dist/install.yaml).
func buildInstaller(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	kustomize := tool(t, "kustomize")
	cfg := copyConfig(t)
	run(t, filepath.Join(cfg, "manager"), kustomize, "edit", "set", "image", "controller="+testImage)
	return decodeAll(t, run(t, cfg, kustomize, "build", "default"))
}

func TestInstallerHoldsEverythingToRunTheOperator(t *testing.T) {
	objs := buildInstaller(t)

	crd := mustFind(t, objs, "CustomResourceDefinition", "webhookreceivers.gitops.webhook-operator.dev")
	if crd.GetNamespace() != "" {
		t.Errorf("CRD has namespace %q", crd.GetNamespace())
	}
	ns := mustFind(t, objs, "Namespace", namespace)
	if got := ns.GetLabels()["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("namespace pod-security enforce label = %q, want restricted", got)
	}
	mustFind(t, objs, "ServiceAccount", serviceAccount)
	mustFind(t, objs, "ClusterRole", managerRoleName)
	mustFind(t, objs, "ClusterRole", "webhook-operator-metrics-auth-role")
	mustFind(t, objs, "ClusterRole", "webhook-operator-metrics-reader")
	mustFind(t, objs, "Role", "webhook-operator-leader-election-role")
	mustFind(t, objs, "Service", "webhook-operator-controller-manager-metrics-service")

	// The receiver ClusterRole ships exactly as the lead wrote it, under the
	// name the manager binds receivers to by default.
	var shipped, source rbacv1.ClusterRole
	toTyped(t, mustFind(t, objs, "ClusterRole", receiverRole), &shipped)
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "rbac", "receiver_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &source); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shipped.Rules, source.Rules) {
		t.Errorf("receiver role rules changed by kustomize:\n got %v\nwant %v", shipped.Rules, source.Rules)
	}

	for _, o := range objs {
		switch o.GetKind() {
		case "CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterRoleBinding":
			if o.GetNamespace() != "" {
				t.Errorf("%s %s is cluster-scoped but has namespace %q", o.GetKind(), o.GetName(), o.GetNamespace())
			}
		default:
			if o.GetNamespace() != namespace {
				t.Errorf("%s %s in namespace %q, want %q", o.GetKind(), o.GetName(), o.GetNamespace(), namespace)
			}
		}
	}
	checkBindings(t, objs)
}

// checkBindings: every binding points at a role that ships, and the operator's
// ServiceAccount gets the manager role, leader election and metrics auth.
func checkBindings(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	boundToOperator := map[string]bool{}
	for _, o := range objs {
		switch o.GetKind() {
		case "ClusterRoleBinding", "RoleBinding":
		default:
			continue
		}
		var b rbacv1.RoleBinding // same fields as a ClusterRoleBinding
		toTyped(t, o, &b)
		if find(objs, b.RoleRef.Kind, b.RoleRef.Name) == nil {
			t.Errorf("%s %s refers to missing %s %s", o.GetKind(), b.Name, b.RoleRef.Kind, b.RoleRef.Name)
		}
		for _, s := range b.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == serviceAccount && s.Namespace == namespace {
				boundToOperator[b.RoleRef.Kind+"/"+b.RoleRef.Name] = true
			}
		}
	}
	for _, want := range []string{
		"ClusterRole/" + managerRoleName,
		"ClusterRole/webhook-operator-metrics-auth-role",
		"Role/webhook-operator-leader-election-role",
	} {
		if !boundToOperator[want] {
			t.Errorf("%s is not bound to ServiceAccount %s/%s", want, namespace, serviceAccount)
		}
	}
	if boundToOperator["ClusterRole/"+receiverRole] {
		t.Errorf("the operator must not be bound to the receiver role; it only needs bind on it")
	}
}

func TestInstallerManagerRoleHasNoWildcards(t *testing.T) {
	var role rbacv1.ClusterRole
	toTyped(t, mustFind(t, buildInstaller(t), "ClusterRole", managerRoleName), &role)
	if len(role.Rules) == 0 {
		t.Fatal("manager role has no rules: run 'make manifests' once controllers/ has RBAC markers")
	}
	for _, r := range role.Rules {
		for _, field := range [][]string{r.Verbs, r.Resources, r.APIGroups} {
			if slices.Contains(field, "*") {
				t.Errorf("wildcard in manager role rule %v", r)
			}
		}
	}
}

func TestInstallerDeployment(t *testing.T) {
	objs := buildInstaller(t)
	var d appsv1.Deployment
	toTyped(t, mustFind(t, objs, "Deployment", deploymentName), &d)
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != serviceAccount {
		t.Errorf("serviceAccountName = %q, want %q", pod.ServiceAccountName, serviceAccount)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]

	if c.Image != testImage {
		t.Errorf("image = %q, want %q", c.Image, testImage)
	}
	if !reflect.DeepEqual(c.Command, []string{"/webhook-operator"}) {
		t.Errorf("command = %v", c.Command)
	}
	if len(c.Args) == 0 || c.Args[0] != "manager" || !slices.Contains(c.Args, "--leader-elect") {
		t.Errorf("args = %v, want manager ... --leader-elect", c.Args)
	}

	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for _, name := range []string{"OPERATOR_IMAGE", "RELATED_IMAGE_RECEIVER"} {
		if env[name].Value != testImage {
			t.Errorf("env %s = %q, want the operator image %q", name, env[name].Value, testImage)
		}
	}
	if ref := env["POD_NAMESPACE"].ValueFrom; ref == nil || ref.FieldRef == nil || ref.FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("POD_NAMESPACE must come from fieldRef metadata.namespace, got %+v", env["POD_NAMESPACE"])
	}

	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	probes := map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe}
	for path, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("probe %s missing", path)
			continue
		}
		port := p.HTTPGet.Port.IntVal
		if p.HTTPGet.Port.StrVal != "" {
			port = ports[p.HTTPGet.Port.StrVal]
		}
		if p.HTTPGet.Path != path || port != 8081 {
			t.Errorf("probe %s: path %q port %d, want port 8081", path, p.HTTPGet.Path, port)
		}
	}

	// Pod Security "restricted".
	psc, sc := pod.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot:
		t.Error("pod must set runAsNonRoot")
	case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("pod must use seccomp RuntimeDefault")
	case sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("container must set allowPrivilegeEscalation: false")
	case sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Error("container must drop ALL capabilities and add none")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("container must have a read-only root filesystem")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources need cpu/memory requests and a memory limit: %+v", c.Resources)
	}

	// The metrics Service selects these pods on a port the container serves.
	var svc corev1.Service
	toTyped(t, mustFind(t, objs, "Service", "webhook-operator-controller-manager-metrics-service"), &svc)
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selector %s=%s does not match the pod labels %v", k, v, d.Spec.Template.Labels)
		}
	}
	if len(svc.Spec.Ports) != 1 || ports[svc.Spec.Ports[0].TargetPort.StrVal] != 8080 {
		t.Errorf("metrics Service must target the container's 8080 metrics port, got %+v", svc.Spec.Ports)
	}
}

func TestNetworkPolicies(t *testing.T) {
	cfg := copyConfig(t)
	objs := decodeAll(t, run(t, cfg, tool(t, "kustomize"), "build", "network-policy"))

	fromMetricsNamespaces := func(peers []networkingv1.NetworkPolicyPeer) bool {
		return len(peers) == 1 && peers[0].PodSelector == nil && peers[0].NamespaceSelector != nil &&
			reflect.DeepEqual(peers[0].NamespaceSelector.MatchLabels, map[string]string{"metrics": "enabled"})
	}
	type rule struct {
		port     int32
		anywhere bool
	}
	cases := map[string]struct {
		name     string
		selector map[string]string
		want     []rule
	}{
		"receiver: webhook from anywhere, metrics from labelled namespaces": {
			name:     "receiver-ingress",
			selector: map[string]string{"app.kubernetes.io/name": "webhook-receiver", "app.kubernetes.io/managed-by": "webhook-operator"},
			want:     []rule{{8080, true}, {8082, false}},
		},
		"manager: metrics from labelled namespaces only": {
			name:     "allow-metrics-traffic",
			selector: map[string]string{"control-plane": "controller-manager", "app.kubernetes.io/name": "webhook-operator"},
			want:     []rule{{8080, false}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var np networkingv1.NetworkPolicy
			toTyped(t, mustFind(t, objs, "NetworkPolicy", tc.name), &np)
			if !reflect.DeepEqual(np.Spec.PodSelector.MatchLabels, tc.selector) {
				t.Errorf("podSelector = %v, want %v", np.Spec.PodSelector.MatchLabels, tc.selector)
			}
			if !reflect.DeepEqual(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
				t.Errorf("policyTypes = %v", np.Spec.PolicyTypes)
			}
			var got []rule
			for _, in := range np.Spec.Ingress {
				anywhere := len(in.From) == 0
				if !anywhere && !fromMetricsNamespaces(in.From) {
					t.Errorf("unexpected peers %+v", in.From)
				}
				for _, p := range in.Ports {
					got = append(got, rule{p.Port.IntVal, anywhere})
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ingress (port, from anywhere) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPrometheusMonitorsMatchTheMetricsService(t *testing.T) {
	cfg := copyConfig(t)
	kustomize := tool(t, "kustomize")
	monitors := decodeAll(t, run(t, cfg, kustomize, "build", "prometheus"))
	sm := mustFind(t, monitors, "ServiceMonitor", "controller-manager-metrics-monitor")
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(endpoints) != 1 || endpoints[0].(map[string]interface{})["port"] != "http-metrics" {
		t.Errorf("ServiceMonitor endpoints = %v, want port http-metrics", endpoints)
	}
	var svc corev1.Service
	toTyped(t, mustFind(t, decodeAll(t, run(t, cfg, kustomize, "build", "default")), "Service", "webhook-operator-controller-manager-metrics-service"), &svc)
	if svc.Spec.Ports[0].Name != "http-metrics" {
		t.Errorf("metrics Service port name = %q, the ServiceMonitor scrapes http-metrics", svc.Spec.Ports[0].Name)
	}
	mustFind(t, monitors, "PodMonitor", "receiver-metrics-monitor")
}
