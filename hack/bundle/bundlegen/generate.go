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

// Package bundlegen builds the OLM registry+v1 bundle from config/ (what
// `operator-sdk generate bundle` does, which cannot be installed here) and
// validates it with operator-framework/api, the library behind
// `operator-sdk bundle validate`.
package bundlegen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver/v4"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Options says what to build and where.
type Options struct {
	// Version is the bundle's semantic version (no leading "v").
	Version string
	// Image is the operator image; the receiver runs the same image.
	Image string
	// Kustomize is the kustomize binary.
	Kustomize string
	// ConfigDir is the kustomize tree; config/manifests is built from it.
	ConfigDir string
	// OutputDir receives manifests/, metadata/ and tests/scorecard/.
	OutputDir string
	// Dockerfile is where bundle.Dockerfile is written.
	Dockerfile string
	// Package, Channels and DefaultChannel are the OLM package metadata.
	Package        string
	Channels       []string
	DefaultChannel string
}

// Defaults are the repository's layout and package metadata.
func Defaults() Options {
	return Options{
		Kustomize:      "bin/kustomize",
		ConfigDir:      "config",
		OutputDir:      "bundle",
		Dockerfile:     "bundle.Dockerfile",
		Package:        "webhook-operator",
		Channels:       []string{"candidate"},
		DefaultChannel: "candidate",
	}
}

// Generate renders config/manifests with kustomize and writes the bundle.
// The output depends only on config/ and the options, so a rerun with the
// same inputs gives byte-identical files (the staleness test relies on it).
func Generate(o Options) error {
	if _, err := semver.Parse(o.Version); err != nil {
		return fmt.Errorf("version %q is not semver (x.y.z): %w", o.Version, err)
	}
	if o.Image == "" {
		return errors.New("an operator image is required")
	}
	stream, err := renderManifests(o)
	if err != nil {
		return err
	}
	objs, err := decodeAll(stream)
	if err != nil {
		return err
	}
	files, err := assemble(o, objs)
	if err != nil {
		return err
	}
	// Start from empty directories so files of removed objects do not linger.
	for _, sub := range []string{"manifests", "metadata", "tests"} {
		if err := os.RemoveAll(filepath.Join(o.OutputDir, sub)); err != nil {
			return fmt.Errorf("clean %s: %w", sub, err)
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(o.OutputDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("mkdir for %s: %w", name, err)
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := os.WriteFile(o.Dockerfile, dockerfile(o), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.Dockerfile, err)
	}
	return nil
}

// renderManifests builds config/manifests from a copy of config/, with the
// operator image set there, so the working tree is never modified.
func renderManifests(o Options) ([]byte, error) {
	kustomize, err := filepath.Abs(o.Kustomize)
	if err != nil {
		return nil, fmt.Errorf("kustomize path: %w", err)
	}
	tmp, err := os.MkdirTemp("", "bundlegen-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	cfg := filepath.Join(tmp, "config")
	if err := copyTree(o.ConfigDir, cfg); err != nil {
		return nil, err
	}
	if _, err := run(filepath.Join(cfg, "manager"), kustomize, "edit", "set", "image", "controller="+o.Image); err != nil {
		return nil, err
	}
	return run(cfg, kustomize, "build", "manifests")
}

func run(dir, name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("copy %s: %w", path, err)
		}
		return os.WriteFile(target, data, 0o644)
	})
}

func decodeAll(stream []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]interface{}
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decode kustomize output: %w", err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// assemble sorts the rendered objects into bundle files, keyed by their path
// relative to the output directory.
func assemble(o Options, objs []*unstructured.Unstructured) (map[string][]byte, error) {
	var (
		csv         *operatorsv1alpha1.ClusterServiceVersion
		crds        []*unstructured.Unstructured
		deployments []appsv1.Deployment
		samples     []*unstructured.Unstructured
		scorecard   *unstructured.Unstructured
		rest        []*unstructured.Unstructured
	)
	ownedKinds := map[string]bool{} // group/kind of every CRD in the stream
	for _, u := range objs {
		if u.GetKind() == "CustomResourceDefinition" {
			group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
			ownedKinds[group+"/"+kind] = true
		}
	}
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		switch {
		case gvk.Kind == "ClusterServiceVersion":
			csv = &operatorsv1alpha1.ClusterServiceVersion{}
			if err := fromUnstructured(u, csv); err != nil {
				return nil, err
			}
		case gvk.Kind == "CustomResourceDefinition":
			crds = append(crds, u)
		case gvk.Group == "scorecard.operatorframework.io" && gvk.Kind == "Configuration":
			scorecard = u
		case ownedKinds[gvk.Group+"/"+gvk.Kind]:
			samples = append(samples, u)
		case gvk.Group == "apps" && gvk.Kind == "Deployment":
			var d appsv1.Deployment
			if err := fromUnstructured(u, &d); err != nil {
				return nil, err
			}
			deployments = append(deployments, d)
		case gvk.Group == "" && gvk.Kind == "Namespace":
			// OLM installs into the namespace the user picks.
		default:
			rest = append(rest, u)
		}
	}
	switch {
	case csv == nil:
		return nil, errors.New("no ClusterServiceVersion base in config/manifests")
	case len(deployments) == 0:
		return nil, errors.New("no Deployment in config/manifests")
	case scorecard == nil:
		return nil, errors.New("no scorecard Configuration in config/manifests")
	}

	strategy, extra, err := installStrategy(deployments, rest)
	if err != nil {
		return nil, err
	}
	if err := fillCSV(o, csv, crds, samples, strategy); err != nil {
		return nil, err
	}

	files := map[string][]byte{}
	csvYAML, err := marshalCSV(csv)
	if err != nil {
		return nil, err
	}
	files["manifests/"+o.Package+".clusterserviceversion.yaml"] = csvYAML
	for _, crd := range crds {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		b, err := marshal(crd.Object)
		if err != nil {
			return nil, err
		}
		files["manifests/"+group+"_"+plural+".yaml"] = b
	}
	for _, u := range extra {
		// OLM creates bundle objects in the install namespace.
		u.SetNamespace("")
		gvk := u.GroupVersionKind()
		parts := []string{u.GetName()}
		if gvk.Group != "" {
			parts = append(parts, gvk.Group)
		}
		parts = append(parts, gvk.Version, strings.ToLower(gvk.Kind))
		name := "manifests/" + strings.Join(parts, "_") + ".yaml"
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("two bundle objects map to %s", name)
		}
		b, err := marshal(u.Object)
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	sc, err := marshal(scorecard.Object)
	if err != nil {
		return nil, err
	}
	files["tests/scorecard/config.yaml"] = sc
	files["metadata/annotations.yaml"] = annotationsYAML(o)
	return files, nil
}

// installStrategy turns the Deployments into the CSV's install strategy and
// the RBAC bound to their ServiceAccounts into permissions/clusterPermissions.
// It returns the objects that stay separate bundle manifests: Roles and
// ClusterRoles not bound to the operator (e.g. the receiver ClusterRole the
// operator binds at run time), Services, and so on.
func installStrategy(deployments []appsv1.Deployment, objs []*unstructured.Unstructured) (operatorsv1alpha1.StrategyDetailsDeployment, []*unstructured.Unstructured, error) {
	var s operatorsv1alpha1.StrategyDetailsDeployment
	operatorSAs := map[string]bool{}
	for _, d := range deployments {
		sa := d.Spec.Template.Spec.ServiceAccountName
		if sa == "" {
			sa = "default"
		}
		operatorSAs[sa] = true
		d.Spec.Template.Namespace = ""
		s.DeploymentSpecs = append(s.DeploymentSpecs, operatorsv1alpha1.StrategyDeploymentSpec{
			Name:  d.Name,
			Label: d.Labels,
			Spec:  d.Spec,
		})
	}

	roles := map[string]*rbacv1.Role{}
	clusterRoles := map[string]*rbacv1.ClusterRole{}
	usedRoles, usedClusterRoles := map[string]bool{}, map[string]bool{}
	var roleBindings []rbacv1.RoleBinding
	var clusterRoleBindings []rbacv1.ClusterRoleBinding
	var rest []*unstructured.Unstructured
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		if gvk.Group != rbacv1.GroupName {
			if gvk.Group == "" && gvk.Kind == "ServiceAccount" && operatorSAs[u.GetName()] {
				continue // OLM creates the operator's ServiceAccount itself.
			}
			rest = append(rest, u)
			continue
		}
		switch gvk.Kind {
		case "Role":
			r := &rbacv1.Role{}
			if err := fromUnstructured(u, r); err != nil {
				return s, nil, err
			}
			roles[r.Name] = r
		case "ClusterRole":
			r := &rbacv1.ClusterRole{}
			if err := fromUnstructured(u, r); err != nil {
				return s, nil, err
			}
			clusterRoles[r.Name] = r
		case "RoleBinding":
			var b rbacv1.RoleBinding
			if err := fromUnstructured(u, &b); err != nil {
				return s, nil, err
			}
			roleBindings = append(roleBindings, b)
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			if err := fromUnstructured(u, &b); err != nil {
				return s, nil, err
			}
			clusterRoleBindings = append(clusterRoleBindings, b)
		}
		rest = append(rest, u)
	}

	boundSA := func(subjects []rbacv1.Subject) (string, bool) {
		for _, sub := range subjects {
			if sub.Kind == rbacv1.ServiceAccountKind && operatorSAs[sub.Name] {
				return sub.Name, true
			}
		}
		return "", false
	}
	perms := map[string][]rbacv1.PolicyRule{}
	clusterPerms := map[string][]rbacv1.PolicyRule{}
	usedBindings := map[string]bool{}
	for _, b := range clusterRoleBindings {
		sa, ok := boundSA(b.Subjects)
		if !ok {
			continue
		}
		r, ok := clusterRoles[b.RoleRef.Name]
		if !ok {
			return s, nil, fmt.Errorf("ClusterRoleBinding %s refers to ClusterRole %s, not in config", b.Name, b.RoleRef.Name)
		}
		clusterPerms[sa] = append(clusterPerms[sa], r.Rules...)
		usedClusterRoles[r.Name] = true
		usedBindings["ClusterRoleBinding/"+b.Name] = true
	}
	for _, b := range roleBindings {
		sa, ok := boundSA(b.Subjects)
		if !ok {
			continue
		}
		var rules []rbacv1.PolicyRule
		switch b.RoleRef.Kind {
		case "Role":
			r, ok := roles[b.RoleRef.Name]
			if !ok {
				return s, nil, fmt.Errorf("RoleBinding %s refers to Role %s, not in config", b.Name, b.RoleRef.Name)
			}
			rules = r.Rules
			usedRoles[r.Name] = true
		case "ClusterRole":
			r, ok := clusterRoles[b.RoleRef.Name]
			if !ok {
				return s, nil, fmt.Errorf("RoleBinding %s refers to ClusterRole %s, not in config", b.Name, b.RoleRef.Name)
			}
			rules = r.Rules
			usedClusterRoles[r.Name] = true
		}
		perms[sa] = append(perms[sa], rules...)
		usedBindings["RoleBinding/"+b.Name] = true
	}
	s.Permissions = permissionList(perms)
	s.ClusterPermissions = permissionList(clusterPerms)

	// Keep only what OLM does not derive from the CSV.
	kept := rest[:0]
	for _, u := range rest {
		if u.GroupVersionKind().Group == rbacv1.GroupName {
			switch u.GetKind() {
			case "Role":
				if usedRoles[u.GetName()] {
					continue
				}
			case "ClusterRole":
				if usedClusterRoles[u.GetName()] {
					continue
				}
			case "RoleBinding", "ClusterRoleBinding":
				if usedBindings[u.GetKind()+"/"+u.GetName()] {
					continue
				}
			}
		}
		kept = append(kept, u)
	}
	return s, kept, nil
}

func permissionList(m map[string][]rbacv1.PolicyRule) []operatorsv1alpha1.StrategyDeploymentPermissions {
	sas := make([]string, 0, len(m))
	for sa := range m {
		sas = append(sas, sa)
	}
	sort.Strings(sas)
	out := make([]operatorsv1alpha1.StrategyDeploymentPermissions, 0, len(sas))
	for _, sa := range sas {
		out = append(out, operatorsv1alpha1.StrategyDeploymentPermissions{ServiceAccountName: sa, Rules: m[sa]})
	}
	return out
}

// fillCSV sets what the CSV base leaves open: name, version, images, the
// install strategy and alm-examples; and checks the base describes every CRD.
func fillCSV(o Options, csv *operatorsv1alpha1.ClusterServiceVersion, crds, samples []*unstructured.Unstructured, strategy operatorsv1alpha1.StrategyDetailsDeployment) error {
	v := semver.MustParse(o.Version)
	csv.Name = o.Package + ".v" + o.Version
	csv.Namespace = "placeholder"
	csv.Spec.Version.Version = v

	ann := csv.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	examples := make([]map[string]interface{}, 0, len(samples))
	for _, s := range samples {
		examples = append(examples, s.Object)
	}
	alm, err := json.MarshalIndent(examples, "", "  ")
	if err != nil {
		return fmt.Errorf("alm-examples: %w", err)
	}
	ann["alm-examples"] = string(alm)
	ann["containerImage"] = o.Image
	ann["operators.operatorframework.io/builder"] = "hack/bundle"
	csv.SetAnnotations(ann)

	csv.Spec.InstallStrategy = operatorsv1alpha1.NamedInstallStrategy{
		StrategyName: operatorsv1alpha1.InstallStrategyNameDeployment,
		StrategySpec: strategy,
	}

	// relatedImages: the operator, plus every RELATED_IMAGE_<NAME> env var
	// (OLM's convention for images an operator deploys), so mirroring tools
	// and disconnected installs see the receiver image.
	related := []operatorsv1alpha1.RelatedImage{{Name: o.Package, Image: o.Image}}
	seen := map[string]bool{o.Package: true}
	for _, d := range strategy.DeploymentSpecs {
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if !strings.HasPrefix(e.Name, "RELATED_IMAGE_") || e.Value == "" {
					continue
				}
				name := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(e.Name, "RELATED_IMAGE_")), "_", "-")
				if !seen[name] {
					seen[name] = true
					related = append(related, operatorsv1alpha1.RelatedImage{Name: name, Image: e.Value})
				}
			}
		}
	}
	csv.Spec.RelatedImages = related

	owned := map[string]int{}
	for i, d := range csv.Spec.CustomResourceDefinitions.Owned {
		owned[d.Name] = i
	}
	for _, crd := range crds {
		i, ok := owned[crd.GetName()]
		if !ok {
			return fmt.Errorf("CRD %s has no spec.customresourcedefinitions.owned entry in the CSV base", crd.GetName())
		}
		desc := &csv.Spec.CustomResourceDefinitions.Owned[i]
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		if desc.Kind != kind {
			return fmt.Errorf("CSV base owned CRD %s has kind %q, the CRD says %q", crd.GetName(), desc.Kind, kind)
		}
		if !servesVersion(crd, desc.Version) {
			return fmt.Errorf("CSV base owned CRD %s names version %q, which the CRD does not serve", crd.GetName(), desc.Version)
		}
	}
	return nil
}

func servesVersion(crd *unstructured.Unstructured, version string) bool {
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		m, ok := v.(map[string]interface{})
		if ok && m["name"] == version && m["served"] == true {
			return true
		}
	}
	return false
}

func fromUnstructured(u *unstructured.Unstructured, into interface{}) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

func marshalCSV(csv *operatorsv1alpha1.ClusterServiceVersion) ([]byte, error) {
	raw, err := json.Marshal(csv)
	if err != nil {
		return nil, fmt.Errorf("marshal CSV: %w", err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("unmarshal CSV: %w", err)
	}
	delete(m, "status") // OLM owns it.
	return marshal(m)
}

// marshal writes YAML with sorted keys, dropping the empty creationTimestamp
// fields typed objects carry.
func marshal(obj map[string]interface{}) ([]byte, error) {
	dropNullTimestamps(obj)
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return b, nil
}

func dropNullTimestamps(v interface{}) {
	switch t := v.(type) {
	case map[string]interface{}:
		if ts, ok := t["creationTimestamp"]; ok && ts == nil {
			delete(t, "creationTimestamp")
		}
		for _, c := range t {
			dropNullTimestamps(c)
		}
	case []interface{}:
		for _, c := range t {
			dropNullTimestamps(c)
		}
	}
}
