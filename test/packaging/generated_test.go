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
	"testing"
)

// TestControllerGenOutputUpToDate runs controller-gen exactly as
// `make manifests` does, into a temp dir, and compares with config/crd/bases
// and config/rbac/role.yaml.
func TestControllerGenOutputUpToDate(t *testing.T) {
	root := repoRoot(t)
	out := t.TempDir()
	crdOut, rbacOut := filepath.Join(out, "crd"), filepath.Join(out, "rbac")
	run(t, root, tool(t, "controller-gen"), "rbac:roleName=manager-role", "crd",
		"paths=./api/...", "paths=./controllers/...",
		"output:crd:artifacts:config="+crdOut, "output:rbac:artifacts:config="+rbacOut)

	diffs, err := diffTrees(filepath.Join(root, "config", "crd", "bases"), crdOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		if entries, _ := os.ReadDir(crdOut); len(entries) == 0 {
			t.Fatal("controller-gen generated no CRD")
		}
	}
	for _, d := range diffs {
		t.Errorf("config/crd/bases is stale (run 'make manifests'): %s", d)
	}
	if d := diffFile(filepath.Join(root, "config", "rbac", "role.yaml"), filepath.Join(rbacOut, "role.yaml")); d != "" {
		t.Errorf("config/rbac/role.yaml is stale (run 'make manifests'): %s", d)
	}
}
