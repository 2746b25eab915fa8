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

package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// AnnotationDesiredHash holds a hash of what the operator last applied to a
// child, so a change of the desired state is seen without a dry-run.
const AnnotationDesiredHash = "gitops.webhook-operator.dev/desired-hash"

// Document converts obj to the document to server-side apply: no status,
// no nulls (creationTimestamp and other unset fields), plus the hash
// annotation. obj must have its TypeMeta set.
func Document(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	delete(m, "status")
	pruneNulls(m)
	u := &unstructured.Unstructured{Object: m}
	h, err := hashOf(u)
	if err != nil {
		return nil, err
	}
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[AnnotationDesiredHash] = h
	u.SetAnnotations(ann)
	return u, nil
}

// hashOf hashes the document. A Secret's data values are left out so the
// annotation never carries anything derived from a secret; UpToDate still
// compares the values themselves.
func hashOf(u *unstructured.Unstructured) (string, error) {
	doc := u.Object
	if u.GetKind() == "Secret" && u.GetAPIVersion() == "v1" {
		doc = runtime.DeepCopyJSON(u.Object)
		if data, ok := doc["data"].(map[string]any); ok {
			for k := range data {
				data[k] = ""
			}
		}
	}
	// encoding/json sorts map keys, so the hash is deterministic.
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", u.GetKind(), err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:20], nil
}

// UpToDate reports whether the live object already is what applying desired
// (from Document) would make it; see the package documentation.
func UpToDate(desired *unstructured.Unstructured, live runtime.Object) (bool, error) {
	lm, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return false, fmt.Errorf("converting live %T: %w", live, err)
	}
	l := &unstructured.Unstructured{Object: lm}
	if l.GetAnnotations()[AnnotationDesiredHash] != desired.GetAnnotations()[AnnotationDesiredHash] {
		return false, nil
	}
	// Typed objects from the cache carry no TypeMeta; it is not state anyway.
	want := make(map[string]any, len(desired.Object))
	for k, v := range desired.Object {
		if k != "apiVersion" && k != "kind" {
			want[k] = v
		}
	}
	return Subset(want, lm), nil
}

// Subset reports whether every field of want is in have with an equal value.
// List elements with a "name" are matched by name (the merge key of
// containers, ports, volumes, env, subjects, owner references), others by
// position with equal length (atomic lists such as args or rules). An empty
// map or list in want also matches a missing field.
func Subset(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return len(w) == 0 && have == nil
		}
		for k, wv := range w {
			hv, found := h[k]
			if !found {
				if isEmpty(wv) {
					continue
				}
				return false
			}
			if !Subset(wv, hv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok {
			return len(w) == 0 && have == nil
		}
		if byName(w) {
			for _, we := range w {
				name := we.(map[string]any)["name"]
				found := false
				// Names need not be unique (parentRefs to two listeners of
				// one Gateway): any live element of that name may match.
				for _, he := range h {
					if hm, ok := he.(map[string]any); ok && hm["name"] == name && Subset(we, he) {
						found = true
						break
					}
				}
				if !found {
					return false
				}
			}
			return true
		}
		if len(w) != len(h) {
			return false
		}
		for i := range w {
			if !Subset(w[i], h[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, have)
	}
}

func byName(l []any) bool {
	if len(l) == 0 {
		return false
	}
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["name"].(string); !ok {
			return false
		}
	}
	return true
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

func pruneNulls(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneNulls(t)
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					pruneNulls(em)
				}
			}
		}
	}
}
