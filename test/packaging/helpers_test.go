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

// Package packaging tests what ships: the kustomize installer, the OLM
// bundle, the Dockerfile's binary, and that generated files match the code.
package packaging

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := devenv.RepoRoot()
	if err != nil {
		t.Fatalf("repo root: %v", err)
	}
	return root
}

// tool is a binary `make` installs into bin/; the tests use the pinned one.
func tool(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "bin", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s missing (run 'make %s'): %v", path, name, err)
	}
	return path
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// copyConfig copies config/ to a temp dir, so `kustomize edit` never touches
// the working tree.
func copyConfig(t *testing.T) string {
	t.Helper()
	src := filepath.Join(repoRoot(t), "config")
	dst := filepath.Join(t.TempDir(), "config")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy config: %v", err)
	}
	return dst
}

func decodeAll(t *testing.T, stream []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]interface{}
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("decode YAML: %v", err)
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func mustFind(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	o := find(objs, kind, name)
	if o == nil {
		t.Fatalf("%s %s not found; have: %s", kind, name, inventory(objs))
	}
	return o
}

func toTyped(t *testing.T, u *unstructured.Unstructured, into interface{}) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func inventory(objs []*unstructured.Unstructured) string {
	var s []string
	for _, o := range objs {
		s = append(s, o.GetKind()+"/"+o.GetName())
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// diffTrees compares two directories file by file and describes the first
// difference in each differing file.
func diffTrees(want, got string) ([]string, error) {
	files := map[string]bool{}
	for _, dir := range []string{want, got} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			files[rel] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	var diffs []string
	for _, f := range names {
		if d := diffFile(filepath.Join(want, f), filepath.Join(got, f)); d != "" {
			diffs = append(diffs, f+": "+d)
		}
	}
	return diffs, nil
}

func diffFile(committed, generated string) string {
	a, errA := os.ReadFile(committed)
	b, errB := os.ReadFile(generated)
	switch {
	case errA != nil && errB != nil:
		return ""
	case errA != nil:
		return "missing from the repository (newly generated)"
	case errB != nil:
		return "no longer generated (stale file)"
	case bytes.Equal(a, b):
		return ""
	}
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, x, y)
		}
	}
	return "differs"
}
