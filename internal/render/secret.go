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
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// specField names a provider's field under spec.providers, for messages.
var specField = map[string]string{
	v1alpha1.SecretKeyGitHub:          "github",
	v1alpha1.SecretKeyGitLab:          "gitlab",
	v1alpha1.SecretKeyBitbucket:       "bitbucket",
	v1alpha1.SecretKeyBitbucketServer: "bitbucketServer",
	v1alpha1.SecretKeyGogs:            "gogs",
	v1alpha1.SecretKeyGitea:           "gitea",
}

// SecretLookup returns the data of a Secret in the WebhookReceiver's
// namespace; found is false when it does not exist. err is for transient
// failures only.
type SecretLookup func(name string) (data map[string][]byte, found bool, err error)

// MissingSecretError says which referenced Secrets or keys do not exist. The
// spec cannot work until someone creates them: the controller reports it as
// Stalled and waits for the Secret watch.
type MissingSecretError struct {
	Problems []string
}

func (e *MissingSecretError) Error() string {
	return strings.Join(e.Problems, "; ")
}

// GenerateToken returns a random webhook secret: 32 bytes, hex encoded.
func GenerateToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// SecretData computes the receiver Secret's data under Fleet's keys: values
// copied from secretRefs, and for generate: true the value already in the
// existing Secret (if the operator generated it, or the Secret is not yet
// owned by this receiver and is being adopted) or a new one from gen.
// existing may be nil. It returns the keys that hold generated values.
func SecretData(wr *v1alpha1.WebhookReceiver, existing *corev1.Secret, lookup SecretLookup, gen func() (string, error)) (map[string][]byte, []string, error) {
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
	missing := &MissingSecretError{}
	for _, p := range wr.Spec.Providers.EnabledProviders() {
		switch {
		case p.Source.SecretRef != nil:
			ref := p.Source.SecretRef
			src, found, err := lookup(ref.Name)
			if err != nil {
				return nil, nil, fmt.Errorf("reading Secret %q: %w", ref.Name, err)
			}
			if !found {
				missing.Problems = append(missing.Problems, fmt.Sprintf("Secret %q referenced by spec.providers.%s.secretRef not found", ref.Name, specField[p.Key]))
				continue
			}
			v, ok := src[ref.Key]
			if !ok || len(v) == 0 {
				missing.Problems = append(missing.Problems, fmt.Sprintf("key %q not found in Secret %q referenced by spec.providers.%s.secretRef", ref.Key, ref.Name, specField[p.Key]))
				continue
			}
			data[p.Key] = slices.Clone(v)
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
	if len(missing.Problems) > 0 {
		return nil, nil, missing
	}
	slices.Sort(generated)
	return data, generated, nil
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
