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

package realworld

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

const nsTLS = "rw-tls"

// The receiver's Ingress serves TLS with the Secret named in spec.tls.
const tlsIngressYAML = plainIngressYAML + `
  tls:
    secretName: hooks-tls`

// testCA issues a serving certificate for host; it stands in for
// cert-manager, whose controller binary is not published as a Go module.
func testCA(host string) (caPool *x509.CertPool, certPEM, keyPEM []byte) {
	GinkgoHelper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		return k
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "realworld test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	ca, err := x509.ParseCertificate(caDER)
	Expect(err).NotTo(HaveOccurred())
	leafKey := newKey()
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, &leafKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalECPrivateKey(leafKey)
	Expect(err).NotTo(HaveOccurred())
	caPool = x509.NewCertPool()
	caPool.AddCert(ca)
	return caPool, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

var _ = Describe("Traefik with TLS", Ordered, func() {
	var (
		b        *receiverBackend
		https    *http.Client
		httpsURL = fmt.Sprintf("https://%s/gitjob", hooksHost)
	)

	BeforeAll(func(ctx SpecContext) {
		pool, certPEM, keyPEM := testCA(hooksHost)
		// Trusts only the test CA; SNI is the URL's host.
		https = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
			DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		}}
		Expect(applyYAML(ctx, k8s, receiverYAML(nsTLS, simulatedRepo, tlsIngressYAML))).To(Succeed())
		Expect(k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: objectMeta(nsTLS, "hooks-tls"), Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
		})).To(Succeed())
		b = runReceiver(ctx, nsTLS, "hooks")
		// Until Traefik serves the Secret's certificate, the handshake fails
		// verification against the test CA.
		Eventually(func() (int, error) {
			resp, err := https.Get(httpsURL)
			if err != nil {
				return 0, err
			}
			_ = resp.Body.Close()
			return resp.StatusCode, nil
		}).WithTimeout(time.Minute).WithPolling(250 * time.Millisecond).Should(Equal(http.StatusMethodNotAllowed))
	}, NodeTimeout(2*time.Minute))

	AfterAll(func(ctx SpecContext) {
		// Once the router is gone Traefik answers with its default
		// certificate, which only an unverifying client accepts.
		insecure := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
			DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // probe only
		}}
		removeReceiver(ctx, b, insecure, httpsURL)
	}, NodeTimeout(2*time.Minute))

	It("serves the push over HTTPS with the Secret's certificate for SNI hooks.example.test, and triggers the GitRepo", func(ctx SpecContext) {
		n := len(b.Tap.Hits())
		commit := randomSHA()
		req, err := gitHubPush(ctx, httpsURL, simulatedRepo, "main", commit, []byte(githubSecret))
		Expect(err).NotTo(HaveOccurred())
		resp, err := https.Do(req)
		Expect(err).NotTo(HaveOccurred(), "the certificate must verify against the test CA for %s", hooksHost)
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(BeElementOf(http.StatusOK, http.StatusAccepted))
		Expect(resp.TLS.VerifiedChains).NotTo(BeEmpty())
		Expect(resp.TLS.PeerCertificates[0].DNSNames).To(ConsistOf(hooksHost))
		Expect(b.Tap.HitsSince(n)).To(ConsistOf(HaveField("Path", "/")))
		Eventually(func(g Gomega) {
			g.Expect(gitRepo(g, nsTLS, "app").Status.WebhookCommit).To(Equal(commit))
		}).WithTimeout(10 * time.Second).Should(Succeed())
	})

	It("does not route plain HTTP to that router, on either entryPoint", func() {
		before := gitRepo(Default, nsTLS, "app").Status.WebhookCommit
		n := len(b.Tap.Hits())
		for _, url := range []string{webhookURL, fmt.Sprintf("http://%s:%d/gitjob", hooksHost, websecurePort)} {
			r := sendGitHubPush(plainHTTP, url, simulatedRepo, "main", randomSHA(), []byte(githubSecret))
			Expect(r.Code).To(Equal(http.StatusNotFound), "%s: %s", url, r.Body)
		}
		Expect(b.Tap.HitsSince(n)).To(BeEmpty(), "plain HTTP reached the receiver")
		Consistently(func(g Gomega) {
			g.Expect(gitRepo(g, nsTLS, "app").Status.WebhookCommit).To(Equal(before))
		}).WithTimeout(2 * time.Second).Should(Succeed())
	})
})
