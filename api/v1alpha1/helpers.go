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

// SecretNameOrDefault is the name of the Secret the receiver owns.
func (w *WebhookReceiver) SecretNameOrDefault() string {
	if w.Spec.SecretName != "" {
		return w.Spec.SecretName
	}
	return w.Name + "-webhook"
}

// NamedProvider is one enabled provider with its Secret key.
type NamedProvider struct {
	// Key is the provider's key in the receiver Secret (Fleet's names).
	Key    string
	Source *ProviderSecret
}

// EnabledProviders lists the providers set in spec.providers, in a fixed
// order, keyed by their Secret key.
func (p *Providers) EnabledProviders() []NamedProvider {
	all := []NamedProvider{
		{SecretKeyGitHub, p.GitHub},
		{SecretKeyGitLab, p.GitLab},
		{SecretKeyBitbucket, p.Bitbucket},
		{SecretKeyBitbucketServer, p.BitbucketServer},
		{SecretKeyGogs, p.Gogs},
		{SecretKeyGitea, p.Gitea},
	}
	out := all[:0]
	for _, np := range all {
		if np.Source != nil {
			out = append(out, np)
		}
	}
	return out
}
