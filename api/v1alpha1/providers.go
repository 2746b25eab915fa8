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

// Provider keys in the receiver's Secret. They are the keys Fleet's own
// gitjob-webhook Secret uses, so the Secret is a drop-in for Fleet. They also
// name the providers everywhere else: receiver metrics and logs, the
// receiver's answers and the push events it dispatches.
const (
	SecretKeyGitHub          = "github"
	SecretKeyGitLab          = "gitlab"
	SecretKeyBitbucket       = "bitbucket"
	SecretKeyBitbucketServer = "bitbucket-server"
	SecretKeyGogs            = "gogs"
	SecretKeyGitea           = "gitea"
	// Azure DevOps authenticates with HTTP basic auth: two keys.
	SecretKeyAzureUsername = "azure-username"
	SecretKeyAzurePassword = "azure-password"
)

// NamedProvider is one provider of spec.providers with its Secret key.
type NamedProvider struct {
	// Key is the provider's key in the receiver Secret (Fleet's names).
	Key string
	// Field is the provider's field under spec.providers, for messages
	// (bitbucketServer where the key is bitbucket-server).
	Field string
	// Source is the provider's entry; nil when the provider is not enabled.
	Source *ProviderSecret
}

// all lists every provider in the fixed order of spec.providers.
func (p *Providers) all() []NamedProvider {
	return []NamedProvider{
		{SecretKeyGitHub, "github", p.GitHub},
		{SecretKeyGitLab, "gitlab", p.GitLab},
		{SecretKeyBitbucket, "bitbucket", p.Bitbucket},
		{SecretKeyBitbucketServer, "bitbucketServer", p.BitbucketServer},
		{SecretKeyGogs, "gogs", p.Gogs},
		{SecretKeyGitea, "gitea", p.Gitea},
		{SecretKeyAzurePassword, "azureDevOps", p.azureSecret()},
	}
}

// azureSecret is Azure DevOps' password source, nil when not enabled.
func (p *Providers) azureSecret() *ProviderSecret {
	if p.AzureDevOps == nil {
		return nil
	}
	return &p.AzureDevOps.ProviderSecret
}

// EnabledProviders lists the providers set in spec.providers, in a fixed
// order, keyed by their Secret key.
func (p *Providers) EnabledProviders() []NamedProvider {
	all := p.all()
	out := all[:0]
	for _, np := range all {
		if np.Source != nil {
			out = append(out, np)
		}
	}
	return out
}

// SecretKeys lists every provider's Secret key, in the order of
// spec.providers.
func SecretKeys() []string {
	all := (&Providers{}).all()
	keys := make([]string, len(all))
	for i, np := range all {
		keys[i] = np.Key
	}
	return keys
}

// SpecField names the field under spec.providers of the provider whose
// Secret key is key, for messages; "" for an unknown key.
func SpecField(key string) string {
	for _, np := range (&Providers{}).all() {
		if np.Key == key {
			return np.Field
		}
	}
	return ""
}
