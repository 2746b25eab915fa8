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

// bundleParts are the rendered objects sorted by the role they play in the
// bundle.
type bundleParts struct {
	csv         *operatorsv1alpha1.ClusterServiceVersion
	crds        []*unstructured.Unstructured
	deployments []appsv1.Deployment
	samples     []*unstructured.Unstructured
	scorecard   *unstructured.Unstructured
	rest        []*unstructured.Unstructured
}

// sortObjects sorts the rendered objects into bundleParts. Objects of a kind
// one of the CRDs defines are samples.
func sortObjects(objs []*unstructured.Unstructured) (bundleParts, error) {
	var p bundleParts
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
			p.csv = &operatorsv1alpha1.ClusterServiceVersion{}
			if err := fromUnstructured(u, p.csv); err != nil {
				return p, err
			}
		case gvk.Kind == "CustomResourceDefinition":
			p.crds = append(p.crds, u)
		case gvk.Group == "scorecard.operatorframework.io" && gvk.Kind == "Configuration":
			p.scorecard = u
		case ownedKinds[gvk.Group+"/"+gvk.Kind]:
			p.samples = append(p.samples, u)
		case gvk.Group == "apps" && gvk.Kind == "Deployment":
			var d appsv1.Deployment
			if err := fromUnstructured(u, &d); err != nil {
				return p, err
			}
			p.deployments = append(p.deployments, d)
		case gvk.Group == "" && gvk.Kind == "Namespace":
			// OLM installs into the namespace the user picks.
		default:
			p.rest = append(p.rest, u)
		}
	}
	switch {
	case p.csv == nil:
		return p, errors.New("no ClusterServiceVersion base in config/manifests")
	case len(p.deployments) == 0:
		return p, errors.New("no Deployment in config/manifests")
	case p.scorecard == nil:
		return p, errors.New("no scorecard Configuration in config/manifests")
	}
	return p, nil
}

// assemble sorts the rendered objects into bundle files, keyed by their path
// relative to the output directory.
func assemble(o Options, objs []*unstructured.Unstructured) (map[string][]byte, error) {
	p, err := sortObjects(objs)
	if err != nil {
		return nil, err
	}
	strategy, extra, err := installStrategy(p.deployments, p.rest)
	if err != nil {
		return nil, err
	}
	if err := fillCSV(o, p.csv, p.crds, p.samples, strategy); err != nil {
		return nil, err
	}

	files := map[string][]byte{}
	csvYAML, err := marshalCSV(p.csv)
	if err != nil {
		return nil, err
	}
	files["manifests/"+o.Package+".clusterserviceversion.yaml"] = csvYAML
	for _, crd := range p.crds {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		b, err := marshal(crd.Object)
		if err != nil {
			return nil, err
		}
		files["manifests/"+group+"_"+plural+".yaml"] = b
	}
	if err := addManifests(files, extra); err != nil {
		return nil, err
	}
	sc, err := marshal(p.scorecard.Object)
	if err != nil {
		return nil, err
	}
	files["tests/scorecard/config.yaml"] = sc
	files["metadata/annotations.yaml"] = annotationsYAML(o)
	return files, nil
}

// addManifests adds each object as manifests/<name>_<group>_<version>_<kind>.yaml.
func addManifests(files map[string][]byte, objs []*unstructured.Unstructured) error {
	for _, u := range objs {
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
			return fmt.Errorf("two bundle objects map to %s", name)
		}
		b, err := marshal(u.Object)
		if err != nil {
			return err
		}
		files[name] = b
	}
	return nil
}

// rbacObjects are the RBAC objects of config, by name.
type rbacObjects struct {
	roles               map[string]*rbacv1.Role
	clusterRoles        map[string]*rbacv1.ClusterRole
	roleBindings        []rbacv1.RoleBinding
	clusterRoleBindings []rbacv1.ClusterRoleBinding
}

// usedRBAC names the RBAC objects folded into the CSV's permissions, as
// Kind/name.
type usedRBAC map[string]bool

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
	rbac, rest, err := collectRBAC(objs, operatorSAs)
	if err != nil {
		return s, nil, err
	}
	perms, clusterPerms, used, err := bindPermissions(rbac, operatorSAs)
	if err != nil {
		return s, nil, err
	}
	s.Permissions = permissionList(perms)
	s.ClusterPermissions = permissionList(clusterPerms)

	// Keep only what OLM does not derive from the CSV.
	kept := rest[:0]
	for _, u := range rest {
		if u.GroupVersionKind().Group == rbacv1.GroupName && used[u.GetKind()+"/"+u.GetName()] {
			continue
		}
		kept = append(kept, u)
	}
	return s, kept, nil
}

// collectRBAC decodes the RBAC objects among objs. It returns every object
// but the operator's ServiceAccounts, which OLM creates itself.
func collectRBAC(objs []*unstructured.Unstructured, operatorSAs map[string]bool) (rbacObjects, []*unstructured.Unstructured, error) {
	r := rbacObjects{roles: map[string]*rbacv1.Role{}, clusterRoles: map[string]*rbacv1.ClusterRole{}}
	var rest []*unstructured.Unstructured
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		if gvk.Group != rbacv1.GroupName {
			if gvk.Group == "" && gvk.Kind == "ServiceAccount" && operatorSAs[u.GetName()] {
				continue
			}
			rest = append(rest, u)
			continue
		}
		var err error
		switch gvk.Kind {
		case "Role":
			role := &rbacv1.Role{}
			err = fromUnstructured(u, role)
			r.roles[role.Name] = role
		case "ClusterRole":
			role := &rbacv1.ClusterRole{}
			err = fromUnstructured(u, role)
			r.clusterRoles[role.Name] = role
		case "RoleBinding":
			var b rbacv1.RoleBinding
			err = fromUnstructured(u, &b)
			r.roleBindings = append(r.roleBindings, b)
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			err = fromUnstructured(u, &b)
			r.clusterRoleBindings = append(r.clusterRoleBindings, b)
		}
		if err != nil {
			return r, nil, err
		}
		rest = append(rest, u)
	}
	return r, rest, nil
}

// bindPermissions collects, per operator ServiceAccount, the rules of the
// roles bound to it: ClusterRoleBindings give cluster permissions,
// RoleBindings namespaced ones. used names the objects folded in.
func bindPermissions(r rbacObjects, operatorSAs map[string]bool) (perms, clusterPerms map[string][]rbacv1.PolicyRule, used usedRBAC, err error) {
	boundSA := func(subjects []rbacv1.Subject) (string, bool) {
		for _, sub := range subjects {
			if sub.Kind == rbacv1.ServiceAccountKind && operatorSAs[sub.Name] {
				return sub.Name, true
			}
		}
		return "", false
	}
	perms, clusterPerms, used = map[string][]rbacv1.PolicyRule{}, map[string][]rbacv1.PolicyRule{}, usedRBAC{}
	for _, b := range r.clusterRoleBindings {
		sa, ok := boundSA(b.Subjects)
		if !ok {
			continue
		}
		role, ok := r.clusterRoles[b.RoleRef.Name]
		if !ok {
			return nil, nil, nil, fmt.Errorf("ClusterRoleBinding %s refers to ClusterRole %s, not in config", b.Name, b.RoleRef.Name)
		}
		clusterPerms[sa] = append(clusterPerms[sa], role.Rules...)
		used["ClusterRole/"+role.Name] = true
		used["ClusterRoleBinding/"+b.Name] = true
	}
	for _, b := range r.roleBindings {
		sa, ok := boundSA(b.Subjects)
		if !ok {
			continue
		}
		var rules []rbacv1.PolicyRule
		switch b.RoleRef.Kind {
		case "Role":
			role, ok := r.roles[b.RoleRef.Name]
			if !ok {
				return nil, nil, nil, fmt.Errorf("RoleBinding %s refers to Role %s, not in config", b.Name, b.RoleRef.Name)
			}
			rules = role.Rules
			used["Role/"+role.Name] = true
		case "ClusterRole":
			role, ok := r.clusterRoles[b.RoleRef.Name]
			if !ok {
				return nil, nil, nil, fmt.Errorf("RoleBinding %s refers to ClusterRole %s, not in config", b.Name, b.RoleRef.Name)
			}
			rules = role.Rules
			used["ClusterRole/"+role.Name] = true
		}
		perms[sa] = append(perms[sa], rules...)
		used["RoleBinding/"+b.Name] = true
	}
	return perms, clusterPerms, used, nil
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
