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

package v1alpha1

import "time"

// SecretNameOrDefault is the name of the Secret the receiver owns.
func (w *WebhookReceiver) SecretNameOrDefault() string {
	if w.Spec.SecretName != "" {
		return w.Spec.SecretName
	}
	return w.Name + "-webhook"
}

// Defaults the API server fills in; repeated here so code reading an object
// that skipped admission (unit tests, older objects) behaves the same.
const (
	DefaultPollingInterval = time.Hour
	DefaultWindow          = time.Second
	DefaultQPS             = 20
	DefaultBurst           = 100
)

// PollingIntervalOrDefault is spec.pollingInterval, or 1h when unset.
func (s *WebhookReceiverSpec) PollingIntervalOrDefault() time.Duration {
	if s.PollingInterval == nil {
		return DefaultPollingInterval
	}
	return s.PollingInterval.Duration
}

// WindowOrDefault is the coalescing window, or 1s when unset.
func (b *Batching) WindowOrDefault() time.Duration {
	if b.Window == nil {
		return DefaultWindow
	}
	return b.Window.Duration
}

// QPSOrDefault is the GitRepo write rate, or 20 when unset.
func (b *Batching) QPSOrDefault() int32 {
	if b.QPS == nil {
		return DefaultQPS
	}
	return *b.QPS
}

// BurstOrDefault is the GitRepo write burst, or 100 when unset.
func (b *Batching) BurstOrDefault() int32 {
	if b.Burst == nil {
		return DefaultBurst
	}
	return *b.Burst
}

// ReplicasOrDefault is the receiver's replica count, or 1 when unset.
func (r *ReceiverSpec) ReplicasOrDefault() int32 {
	if r.Replicas == nil {
		return 1
	}
	return *r.Replicas
}

// CrossNamespace reports whether GitRepos outside the WebhookReceiver's own
// namespace may be targeted: namespaceSelector set, even to {}.
func (t Targets) CrossNamespace() bool { return t.NamespaceSelector != nil }
