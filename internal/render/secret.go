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

package render

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// defaultAzureUsername is spec.providers.azureDevOps.username's schema
// default, for a receiver read before the API server defaulted it.
const defaultAzureUsername = "webhook"

// ReferencedSecrets holds the data of the Secrets spec.providers refers to,
// by name; a Secret that does not exist has no entry.
type ReferencedSecrets map[string]map[string][]byte

// MissingSecretError says which referenced Secrets or keys do not exist. The
// spec cannot work until someone creates them: the controller reports it as
// Stalled and waits for the Secret watch.
type MissingSecretError struct {
	Problems []string
}

func (e *MissingSecretError) Error() string {
	return strings.Join(e.Problems, "; ")
}

// CheckSecretRefs returns a *MissingSecretError naming every secretRef whose
// Secret or key is missing from refs, or nil.
func CheckSecretRefs(wr *v1alpha1.WebhookReceiver, refs ReferencedSecrets) error {
	var problems []string
	for _, p := range wr.Spec.Providers.EnabledProviders() {
		ref := p.Source.SecretRef
		if ref == nil {
			continue
		}
		src, found := refs[ref.Name]
		switch {
		case !found:
			problems = append(problems, fmt.Sprintf("Secret %q referenced by spec.providers.%s.secretRef not found", ref.Name, v1alpha1.SpecField(p.Key)))
		case len(src[ref.Key]) == 0:
			problems = append(problems, fmt.Sprintf("key %q not found in Secret %q referenced by spec.providers.%s.secretRef", ref.Key, ref.Name, v1alpha1.SpecField(p.Key)))
		}
	}
	if len(problems) > 0 {
		return &MissingSecretError{Problems: problems}
	}
	return nil
}

// SecretData computes the receiver Secret's data under Fleet's keys: values
// copied from secretRefs (refs), and for generate: true the value already in
// the existing Secret (if the operator generated it, or the Secret is not yet
// owned by this receiver and is being adopted) or a new one from gen.
// existing may be nil. It returns the keys that hold generated values, or the
// *MissingSecretError of CheckSecretRefs.
func SecretData(wr *v1alpha1.WebhookReceiver, existing *corev1.Secret, refs ReferencedSecrets, gen func() (string, error)) (map[string][]byte, []string, error) {
	if err := CheckSecretRefs(wr, refs); err != nil {
		return nil, nil, err
	}
	prevGenerated := map[string]bool{}
	if existing != nil {
		for _, k := range strings.Split(existing.Annotations[AnnotationGeneratedKeys], ",") {
			if k != "" {
				prevGenerated[k] = true
			}
		}
	}
	data := map[string][]byte{}
	var generated []string
	for _, p := range wr.Spec.Providers.EnabledProviders() {
		switch {
		case p.Source.SecretRef != nil:
			data[p.Key] = slices.Clone(refs[p.Source.SecretRef.Name][p.Source.SecretRef.Key])
		case p.Source.Generate:
			// Keep a value this operator generated before, and every value
			// of a Secret it is adopting (say Fleet's own gitjob-webhook):
			// Git hosts already sign with those, a new token would 401 them.
			adopting := existing != nil && !metav1.IsControlledBy(existing, wr)
			if existing != nil && (prevGenerated[p.Key] || adopting) && len(existing.Data[p.Key]) > 0 {
				data[p.Key] = slices.Clone(existing.Data[p.Key])
			} else {
				tok, err := gen()
				if err != nil {
					return nil, nil, err
				}
				data[p.Key] = []byte(tok)
			}
			generated = append(generated, p.Key)
		}
		// Neither: an unauthenticated provider (allowed by CEL only with
		// allowUnauthenticated), so no key.
	}
	setAzureUsername(wr, data)
	slices.Sort(generated)
	return data, generated, nil
}

// setAzureUsername writes Azure DevOps' basic auth username beside its
// password, under Fleet's azure-username key: plain configuration from
// spec.providers.azureDevOps.username, not a secret, so always the spec's.
func setAzureUsername(wr *v1alpha1.WebhookReceiver, data map[string][]byte) {
	az := wr.Spec.Providers.AzureDevOps
	if az == nil || len(data[v1alpha1.SecretKeyAzurePassword]) == 0 {
		return
	}
	user := az.Username
	if user == "" {
		user = defaultAzureUsername
	}
	data[v1alpha1.SecretKeyAzureUsername] = []byte(user)
}

// Secret is the receiver Secret (spec.secretName, default <name>-webhook).
func Secret(wr *v1alpha1.WebhookReceiver, data map[string][]byte, generatedKeys []string) *corev1.Secret {
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(wr, wr.SecretNameOrDefault()),
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
	if len(generatedKeys) > 0 {
		s.Annotations = map[string]string{AnnotationGeneratedKeys: strings.Join(generatedKeys, ",")}
	}
	return s
}

// AdoptedSecret is the receiver Secret when it is an existing Secret the
// user let the operator adopt: the same content, but no owner reference. The
// Secret was there before the WebhookReceiver and others may use it (Fleet's
// own webhook reads gitjob-webhook), so deleting the WebhookReceiver must
// leave it in place rather than let the garbage collector delete it.
func AdoptedSecret(wr *v1alpha1.WebhookReceiver, data map[string][]byte, generatedKeys []string) *corev1.Secret {
	s := Secret(wr, data, generatedKeys)
	s.OwnerReferences = nil
	return s
}

// ReferencedSecretNames lists the Secrets spec.providers refer to (for the
// controller's index, so a change in one of them reconciles its receivers).
func ReferencedSecretNames(wr *v1alpha1.WebhookReceiver) []string {
	var names []string
	for _, p := range wr.Spec.Providers.EnabledProviders() {
		if p.Source.SecretRef != nil && !slices.Contains(names, p.Source.SecretRef.Name) {
			names = append(names, p.Source.SecretRef.Name)
		}
	}
	return names
}
