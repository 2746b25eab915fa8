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

package bundlegen

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

const (
	clusterRole = `{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: %s}, rules: [{apiGroups: [""], resources: [%s], verbs: [get]}]}`
	role        = `{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: %s, namespace: ns}, rules: [{apiGroups: [""], resources: [%s], verbs: [get]}]}`
	crb         = `{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: %s}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %s}, subjects: [{kind: ServiceAccount, name: %s, namespace: ns}]}`
	rb          = `{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: %s, namespace: ns}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: %s, name: %s}, subjects: [{kind: ServiceAccount, name: %s, namespace: ns}]}`
)

func f(format string, args ...interface{}) string {
	return fmt.Sprintf(format, args...)
}

// grantedResources flattens permissions, checking they are all for "op".
func grantedResources(t *testing.T, perms []operatorsv1alpha1.StrategyDeploymentPermissions) []string {
	t.Helper()
	var out []string
	for _, p := range perms {
		if p.ServiceAccountName != "op" {
			t.Errorf("permissions for ServiceAccount %q, want op", p.ServiceAccountName)
		}
		for _, r := range p.Rules {
			out = append(out, r.Resources...)
		}
	}
	return out
}

func TestInstallStrategy(t *testing.T) {
	dep := appsv1.Deployment{}
	dep.Name = "manager"
	dep.Spec.Template.Spec.ServiceAccountName = "op"
	dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "m", Image: "img"}}

	cases := map[string]struct {
		objs             []string
		wantPerms        []string // resources granted through permissions
		wantClusterPerms []string // resources granted through clusterPermissions
		wantKept         []string // kind/name left as separate bundle manifests
		wantErr          bool
	}{
		"cluster role bound to the operator goes to clusterPermissions": {
			objs:             []string{f(clusterRole, "manager-role", "secrets"), f(crb, "b", "manager-role", "op")},
			wantClusterPerms: []string{"secrets"},
		},
		"role bound to the operator goes to permissions": {
			objs:      []string{f(role, "leader", "leases"), f(rb, "b", "Role", "leader", "op")},
			wantPerms: []string{"leases"},
		},
		"cluster role bound by a RoleBinding is namespaced permissions": {
			objs:      []string{f(clusterRole, "cr", "configmaps"), f(rb, "b", "ClusterRole", "cr", "op")},
			wantPerms: []string{"configmaps"},
		},
		"unbound cluster role (the receiver role) stays a bundle object": {
			objs:     []string{f(clusterRole, "receiver-role", "gitrepos")},
			wantKept: []string{"ClusterRole/receiver-role"},
		},
		"binding to another subject stays, with its role": {
			objs:     []string{f(clusterRole, "cr", "pods"), f(crb, "b", "cr", "someone-else")},
			wantKept: []string{"ClusterRole/cr", "ClusterRoleBinding/b"},
		},
		"operator ServiceAccount dropped, services kept": {
			objs: []string{
				`{apiVersion: v1, kind: ServiceAccount, metadata: {name: op, namespace: ns}}`,
				`{apiVersion: v1, kind: Service, metadata: {name: metrics, namespace: ns}}`,
			},
			wantKept: []string{"Service/metrics"},
		},
		"binding to a missing role is an error": {
			objs:    []string{f(crb, "b", "nope", "op")},
			wantErr: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var in []*unstructured.Unstructured
			for _, y := range tc.objs {
				in = append(in, obj(t, y))
			}
			s, kept, err := installStrategy([]appsv1.Deployment{dep}, in)
			if tc.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			perms, clusterPerms := grantedResources(t, s.Permissions), grantedResources(t, s.ClusterPermissions)
			var keptNames []string
			for _, u := range kept {
				keptNames = append(keptNames, u.GetKind()+"/"+u.GetName())
			}
			sort.Strings(keptNames)
			for what, pair := range map[string][2][]string{
				"permissions":        {perms, tc.wantPerms},
				"clusterPermissions": {clusterPerms, tc.wantClusterPerms},
				"kept objects":       {keptNames, tc.wantKept},
			} {
				if len(pair[0]) != 0 || len(pair[1]) != 0 {
					if !reflect.DeepEqual(pair[0], pair[1]) {
						t.Errorf("%s = %v, want %v", what, pair[0], pair[1])
					}
				}
			}
			if len(s.DeploymentSpecs) != 1 || s.DeploymentSpecs[0].Name != "manager" {
				t.Errorf("deployment specs = %+v", s.DeploymentSpecs)
			}
		})
	}
}
