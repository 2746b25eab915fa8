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
	"strings"
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

// TestFleetGitRepoCRDUpToDate regenerates the GitRepo CRD the tests and
// `make dev` install from Fleet's Go types, as `make manifests` does.
func TestFleetGitRepoCRDUpToDate(t *testing.T) {
	root := repoRoot(t)
	fleetDir := strings.TrimSpace(string(run(t, root, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/rancher/fleet/pkg/apis")))
	out := t.TempDir()
	run(t, root, tool(t, "controller-gen"), "crd",
		"paths="+filepath.Join(fleetDir, "fleet.cattle.io", "v1alpha1")+"/...", "output:crd:artifacts:config="+out)
	name := "fleet.cattle.io_gitrepos.yaml"
	if d := diffFile(filepath.Join(root, "test", "crds", "fleet", name), filepath.Join(out, name)); d != "" {
		t.Errorf("test/crds/fleet/%s is stale (run 'make manifests'): %s", name, d)
	}
}

// TestDeepCopyUpToDate runs `controller-gen object` on a copy of the API
// package (it writes in place) and compares with the committed file.
func TestDeepCopyUpToDate(t *testing.T) {
	root := repoRoot(t)
	work := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(root, f), filepath.Join(work, f))
	}
	api := filepath.Join("api", "v1alpha1")
	files, err := filepath.Glob(filepath.Join(root, api, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") && filepath.Base(f) != "zz_generated.deepcopy.go" {
			copyFile(t, f, filepath.Join(work, api, filepath.Base(f)))
		}
	}
	run(t, work, tool(t, "controller-gen"), "object:headerFile="+filepath.Join(root, "hack", "boilerplate.go.txt"), "paths=./api/...")
	name := "zz_generated.deepcopy.go"
	if d := diffFile(filepath.Join(root, api, name), filepath.Join(work, api, name)); d != "" {
		t.Errorf("%s is stale (run 'make generate'): %s", filepath.Join(api, name), d)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
