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
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// InstallRBAC is the Namespace, ServiceAccounts and RBAC objects of
// `kustomize build config/default`, so a manager run as a process has
// exactly the permissions a cluster install grants it (no CRD, no
// Deployment). kustomize is the binary to run.
func InstallRBAC(root, kustomize string) (string, error) {
	out, err := exec.Command(kustomize, "build", filepath.Join(root, "config", "default")).Output()
	if err != nil {
		return "", fmt.Errorf("kustomize build config/default (run 'make kustomize'): %w", err)
	}
	keep := map[string]bool{"Namespace": true, "ServiceAccount": true, "ClusterRole": true,
		"ClusterRoleBinding": true, "Role": true, "RoleBinding": true}
	var docs []string
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			return "", fmt.Errorf("reading the install's YAML: %w", err)
		}
		if keep[meta.Kind] {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		return "", errors.New("the install has no RBAC objects")
	}
	return strings.Join(docs, "\n---\n"), nil
}
