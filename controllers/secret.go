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

package controllers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// desiredSecret builds the receiver Secret from the referenced Secrets'
// values and generated tokens, keeping the tokens generated before. An
// existing Secret this receiver may not write is a SecretNotOwned stall.
func (r *WebhookReceiverReconciler) desiredSecret(ctx context.Context, wr *v1alpha1.WebhookReceiver, refs render.ReferencedSecrets) (*corev1.Secret, error) {
	existing, err := r.currentSecret(ctx, wr)
	if err != nil {
		return nil, err
	}
	adopted, st := secretOwnership(wr, existing)
	if st != nil {
		return nil, st
	}
	data, generated, err := render.SecretData(wr, existing, refs, generateToken)
	if err != nil {
		return nil, fmt.Errorf("computing Secret %s: %w", wr.SecretNameOrDefault(), err)
	}
	if adopted {
		return render.AdoptedSecret(wr, data, generated), nil
	}
	return render.Secret(wr, data, generated), nil
}

// secretOwnership decides whether wr may write the existing Secret named
// by spec.secretName (nil: none exists, the operator creates it): one it
// created (controlled by wr), or one that carries the adopt opt-in and no
// other controller (adopted). Anything else is left untouched: whoever may
// edit WebhookReceivers must not gain, by naming a Secret, a way to
// overwrite it, expose it to the receiver or have it garbage-collected.
func secretOwnership(wr *v1alpha1.WebhookReceiver, existing *corev1.Secret) (adopted bool, st *stall) {
	if existing == nil || metav1.IsControlledBy(existing, wr) {
		return false, nil
	}
	name := existing.Name
	if c := metav1.GetControllerOf(existing); c != nil {
		return false, &stall{reason: v1alpha1.ReasonSecretNotOwned, message: fmt.Sprintf(
			"Secret %q named by spec.secretName is controlled by %s %q, so this receiver leaves it untouched: set spec.secretName to a Secret no one else manages (or leave it empty for %s-webhook)",
			name, c.Kind, c.Name, wr.Name)}
	}
	if existing.Annotations[v1alpha1.AnnotationAdopt] == "true" {
		return true, nil
	}
	return false, &stall{reason: v1alpha1.ReasonSecretNotOwned, message: fmt.Sprintf(
		"Secret %q named by spec.secretName exists and was not created by this receiver, so it is left untouched: to let the receiver manage it (Fleet's gitjob-webhook, say), annotate it with %s=\"true\" (kubectl annotate secret -n %s %s %s=true), or set spec.secretName to a Secret that does not exist yet",
		name, v1alpha1.AnnotationAdopt, existing.Namespace, name, v1alpha1.AnnotationAdopt)}
}

// currentSecret reads the receiver Secret, nil when it does not exist. The
// cache may lag behind a Secret just written with generated values, and
// regenerating them would break configured Git hosts: when the cache has no
// Secret, or one without a generated value, the API server is asked.
func (r *WebhookReceiverReconciler) currentSecret(ctx context.Context, wr *v1alpha1.WebhookReceiver) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: wr.Namespace, Name: wr.SecretNameOrDefault()}
	cached := &corev1.Secret{}
	err := r.Get(ctx, key, cached)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading Secret %s: %w", key.Name, err)
	}
	if err == nil && !lacksGeneratedKey(wr, cached) {
		return cached, nil
	}
	live := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, live); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading Secret %s: %w", key.Name, err)
	}
	return live, nil
}

// lacksGeneratedKey reports whether a generate: true provider has no value
// in the (cached) Secret yet.
func lacksGeneratedKey(wr *v1alpha1.WebhookReceiver, s *corev1.Secret) bool {
	for _, p := range wr.Spec.Providers.EnabledProviders() {
		if p.Source.Generate && len(s.Data[p.Key]) == 0 {
			return true
		}
	}
	return false
}

// generateToken returns a random webhook secret: 32 bytes, hex encoded.
func generateToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
