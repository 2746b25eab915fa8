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

package provider_test

import (
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// BenchmarkParse: each provider's Parse of its realistic push fixture, the
// part of a request's cost the payload's size drives.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		p              provider.Provider
		event, fixture string
	}{
		{provider.GitHub{}, "push", "github/push.json"},
		{provider.GitLab{}, "Push Hook", "gitlab/push.json"},
		{provider.BitbucketCloud{}, "repo:push", "bitbucket/push.json"},
		{provider.BitbucketServer{}, "repo:refs_changed", "bitbucket-server/refs_changed.json"},
		{provider.Gogs{}, "push", "gogs/push.json"},
		{provider.Gitea{}, "push", "gitea/push.json"},
		{provider.AzureDevOps{}, "", "azure/push.json"},
	} {
		payload := fixture(b, c.fixture)
		b.Run(c.p.Key(), func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				evs, _, err := c.p.Parse(c.event, payload)
				if err != nil || len(evs) == 0 {
					b.Fatalf("Parse: %v, %d events", err, len(evs))
				}
			}
		})
	}
}
