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

package provider

// KeyedSecret is implemented by providers whose secret is not simply the
// value under their own key of a Secret laid out like Fleet's
// gitjob-webhook: Gitea falls back to the gogs key, Azure DevOps combines
// two keys.
type KeyedSecret interface {
	// SecretFrom returns the secret Verify takes, read through lookup (a
	// Secret's keys; false for a missing or empty key).
	SecretFrom(lookup func(key string) ([]byte, bool)) ([]byte, bool)
}

// Aliased is implemented by providers that Fleet handles as another
// provider: a receiver that enables that other provider accepts their
// deliveries too.
type Aliased interface {
	// AliasOf is the other provider's key.
	AliasOf() string
}

// SecretFor returns the secret p's deliveries verify with, read through
// lookup, and false when the Secret holds none for p. It is how both the
// receiver's own Secret and a GitRepo's spec.webhookSecret are read, so
// both take the same keys Fleet's do.
func SecretFor(p Provider, lookup func(key string) ([]byte, bool)) ([]byte, bool) {
	if k, ok := p.(KeyedSecret); ok {
		return k.SecretFrom(lookup)
	}
	return lookup(p.Key())
}

// SecretFromData is SecretFor over a Secret's data.
func SecretFromData(p Provider, data map[string][]byte) ([]byte, bool) {
	return SecretFor(p, func(key string) ([]byte, bool) {
		v := data[key]
		return v, len(v) > 0
	})
}

// EnabledBy reports whether p may deliver to a receiver, given whether a
// provider key is enabled there: its own key, or for an Aliased provider
// the key it is an alias of.
func EnabledBy(p Provider, enabled func(key string) bool) bool {
	if enabled(p.Key()) {
		return true
	}
	a, ok := p.(Aliased)
	return ok && enabled(a.AliasOf())
}
