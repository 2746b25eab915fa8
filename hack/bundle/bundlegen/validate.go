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

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	valerrors "github.com/operator-framework/api/pkg/validation/errors"
	interfaces "github.com/operator-framework/api/pkg/validation/interfaces"
)

// DefaultK8sVersion is the Kubernetes version the removed-API checks run
// against: the one this project builds and tests with.
const DefaultK8sVersion = "1.37"

// Finding is one validator result.
type Finding struct {
	Validator string
	Level     valerrors.Level
	Message   string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s [%s] %s", f.Level, f.Validator, f.Message)
}

// Validate runs what `operator-sdk bundle validate --select-optional
// suite=operatorframework` runs: the default bundle validators plus the
// operatorframework optional suite (operatorhub v2, capabilities, categories,
// good practices, removed APIs).
func Validate(dir, k8sVersion string) ([]Finding, error) {
	bundle, err := manifests.GetBundleFromDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load bundle %s: %w", dir, err)
	}
	optionalValues := map[string]string{"k8s-version": k8sVersion}
	suites := []struct {
		name       string
		validators interfaces.Validators
		objs       []interface{}
	}{
		{"default", validation.DefaultBundleValidators, bundle.ObjectsToValidate()},
		{"operatorhubv2", interfaces.Validators{validation.OperatorHubV2Validator}, []interface{}{bundle, optionalValues}},
		{"capabilities", interfaces.Validators{validation.StandardCapabilitiesValidator}, []interface{}{bundle}},
		{"categories", interfaces.Validators{validation.StandardCategoriesValidator}, []interface{}{bundle}},
		{"good-practices", interfaces.Validators{validation.GoodPracticesValidator}, []interface{}{bundle}},
		{"alpha-deprecated-apis", interfaces.Validators{validation.AlphaDeprecatedAPIsValidator}, []interface{}{bundle, optionalValues}},
	}
	var out []Finding
	for _, s := range suites {
		for _, r := range s.validators.Validate(s.objs...) {
			for _, e := range r.Errors {
				out = append(out, Finding{Validator: s.name, Level: e.Level, Message: e.Error()})
			}
			for _, w := range r.Warnings {
				out = append(out, Finding{Validator: s.name, Level: w.Level, Message: w.Error()})
			}
		}
	}
	return out, nil
}
