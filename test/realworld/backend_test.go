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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// backendPort is where every backend listens on its own test-network
// address, the receiver container's port.
const backendPort = 8080

// nextHost hands out backend addresses 192.0.2.10, .11, ...
var nextHost atomic.Int32

func nextBackendAddr() string {
	return net.JoinHostPort(fmt.Sprintf("192.0.2.%d", 10+nextHost.Add(1)-1), strconv.Itoa(backendPort))
}

// hit is one request that reached a backend, as the ingress controller
// forwarded it, with the backend's answer.
type hit struct {
	Method, Path, ContentType, Host string
	Code                            int
	Body                            string
}

// tap stands where the receiver pod's IP would be: it records what Traefik
// forwards (the path after Traefik's rewriting is the proof of the prefix
// strip; the receiver serves every path alike) and proxies it unchanged to
// the receiver process.
type tap struct {
	srv  *http.Server
	mu   sync.Mutex
	hits []hit
}

func startTap(addr, target string) *tap {
	GinkgoHelper()
	u, err := url.Parse(target)
	Expect(err).NotTo(HaveOccurred())
	t := &tap{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.URL.Path, r.Out.URL.RawPath = r.In.URL.Path, r.In.URL.RawPath
			r.Out.Host = r.In.Host
		},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			in := resp.Request
			t.record(hit{Method: in.Method, Path: in.URL.Path, ContentType: in.Header.Get("Content-Type"),
				Host: in.Host, Code: resp.StatusCode, Body: string(body)})
			return err
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			t.record(hit{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
				Host: r.Host, Code: http.StatusBadGateway, Body: "tap: " + err.Error()})
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	t.srv = serve(addr, proxy)
	return t
}

func (t *tap) record(h hit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hits = append(t.hits, h)
}

// Hits returns a copy of the hits recorded so far.
func (t *tap) Hits() []hit {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]hit(nil), t.hits...)
}

// HitsSince returns the hits after the first n.
func (t *tap) HitsSince(n int) []hit { return t.Hits()[n:] }

// serve runs h on addr until the returned server is closed.
func serve(addr string, h http.Handler) *http.Server {
	GinkgoHelper()
	ln, err := net.Listen("tcp", addr)
	Expect(err).NotTo(HaveOccurred())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			GinkgoWriter.Printf("server on %s: %v\n", addr, err)
		}
	}()
	return srv
}

// receiverBackend is a running receiver for one WebhookReceiver, reachable
// through its Service at a test-network address.
type receiverBackend struct {
	WR       *whv1alpha1.WebhookReceiver
	Receiver *subcommand
	Tap      *tap
}

// runReceiver waits for the operator to create wr's receiver Deployment and
// Service, runs `webhook-operator receiver` for it with the receiver
// ServiceAccount's token (the RBAC the operator grants it), and puts it
// behind the Service at a fresh test-network address.
func runReceiver(ctx context.Context, ns, name string) *receiverBackend {
	GinkgoHelper()
	wr := &whv1alpha1.WebhookReceiver{}
	var sa, svc string
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, wr)).To(Succeed())
		g.Expect(wr.Status.SecretName).NotTo(BeEmpty())
		children := client.MatchingLabels{"app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": "webhook-operator"}
		var deps appsv1.DeploymentList
		g.Expect(k8s.List(ctx, &deps, client.InNamespace(ns), children)).To(Succeed())
		g.Expect(deps.Items).To(HaveLen(1))
		sa = deps.Items[0].Spec.Template.Spec.ServiceAccountName
		var svcs corev1.ServiceList
		g.Expect(k8s.List(ctx, &svcs, client.InNamespace(ns), children)).To(Succeed())
		g.Expect(svcs.Items).To(HaveLen(1))
		svc = svcs.Items[0].Name
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: sa}, &corev1.ServiceAccount{})).To(Succeed())
	}).WithTimeout(time.Minute).Should(Succeed())

	rcv, err := operator.StartReceiver(ctx, "receiver-"+ns+"-"+name, receiverOpts{
		Name: name, Namespace: ns, SecretName: wr.Status.SecretName, Kubeconfig: tokenKubeconfig(ns, sa),
	})
	Expect(err).NotTo(HaveOccurred())
	track(rcv.Process)
	addr := nextBackendAddr()
	b := &receiverBackend{WR: wr, Receiver: rcv, Tap: startTap(addr, rcv.Endpoints.WebhookURL())}
	exposeAt(ctx, ns, svc, addr)
	return b
}

// Stop stops the receiver process and its tap.
func (b *receiverBackend) Stop() {
	GinkgoHelper()
	_ = b.Tap.srv.Close()
	Expect(b.Receiver.Stop(15 * time.Second)).To(Succeed())
}

// removeReceiver deletes the WebhookReceiver (its Ingress or HTTPRoute goes
// with it), stops its receiver and waits until Traefik no longer routes
// probe, so the next case starts from an empty router table for the host.
func removeReceiver(ctx context.Context, b *receiverBackend, c *http.Client, probe string) {
	GinkgoHelper()
	if b == nil {
		return // the case failed before its receiver ran
	}
	Expect(client.IgnoreNotFound(k8s.Delete(ctx, b.WR))).To(Succeed())
	b.Stop()
	Eventually(func() (string, error) {
		resp, err := c.Get(probe)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return fmt.Sprintf("%d %s", resp.StatusCode, body), nil
	}).WithTimeout(time.Minute).Should(HavePrefix("404 "),
		"Traefik still routes %s after the WebhookReceiver was deleted", probe)
}
