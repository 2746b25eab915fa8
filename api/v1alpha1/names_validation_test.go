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

package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Names and hosts the API server would accept for a WebhookReceiver but
// not for its children (a Service name, an Ingress host) are refused when
// the WebhookReceiver is created, not half way through a reconcile.
var _ = Describe("WebhookReceiver names and hosts", func() {
	DescribeTable("refuses a name its Service could not carry",
		func(name string) {
			wr := fromYAML(minimal)
			wr.Name = name
			err := k8sClient.Create(ctx, wr)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid for %q, got %v", name, err)
			Expect(err.Error()).To(ContainSubstring("metadata.name must be a DNS-1035 label"))
		},
		Entry("a dot", "fleet.hooks"),
		Entry("a leading digit", "1fleet"),
		Entry("only digits", "123"),
	)

	DescribeTable("accepts a DNS-1035 label up to 54 characters",
		func(name string) {
			wr := fromYAML(minimal)
			wr.Name = name
			Expect(k8sClient.Create(ctx, wr)).To(Succeed())
		},
		Entry("letters and a dash", "fleet-hooks"),
		Entry("digits inside", "fleet2-hooks9"),
		Entry("54 characters", "a23456789012345678901234567890123456789012345678901234"),
	)

	DescribeTable("refuses an IP address as spec.host",
		func(host string) {
			wr := fromYAML(`
ingress: {className: nginx}
providers: {github: {generate: true}}`)
			wr.Spec.Host = host
			err := k8sClient.Create(ctx, wr)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid for %q, got %v", host, err)
			Expect(err.Error()).To(ContainSubstring("spec.host must be a DNS name, not an IP address: " + host))
		},
		Entry("IPv4", "192.0.2.10"),
		Entry("IPv4 with leading zeros", "010.000.002.010"),
	)

	It("accepts a DNS name that starts with digits", func() {
		wr := fromYAML(`
host: 1password.example.com
ingress: {className: nginx}
providers: {github: {generate: true}}`)
		Expect(k8sClient.Create(ctx, wr)).To(Succeed())
	})
})
