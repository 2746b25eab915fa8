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
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ExposeAt makes addr the one ready endpoint of Service ns/svc: the
// EndpointSlice a kubelet-backed endpointslice controller would write for a
// ready pod, with the port named as the receiver Service's target port.
func ExposeAt(ctx context.Context, c client.Client, ns, svc, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("exposing %s/%s at %q: %w", ns, svc, addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("exposing %s/%s at %q: %w", ns, svc, addr, err)
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: svc + "-realworld", Namespace: ns, Labels: map[string]string{
			discoveryv1.LabelServiceName: svc,
			discoveryv1.LabelManagedBy:   "realworld-test",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{host},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(int32(p)), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	if err := c.Create(ctx, slice); err != nil {
		return fmt.Errorf("creating EndpointSlice %s/%s: %w", ns, slice.Name, err)
	}
	return nil
}

// ReceiverService waits until the operator created the Service of
// WebhookReceiver ns/name and returns its name.
func ReceiverService(ctx context.Context, c client.Client, ns, name string, timeout time.Duration) (string, error) {
	children := client.MatchingLabels{"app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": "webhook-operator"}
	deadline := time.Now().Add(timeout)
	for {
		var svcs corev1.ServiceList
		err := c.List(ctx, &svcs, client.InNamespace(ns), children)
		if err == nil && len(svcs.Items) == 1 {
			return svcs.Items[0].Name, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return "", fmt.Errorf("listing the Services of WebhookReceiver %s/%s: %w", ns, name, err)
			}
			return "", fmt.Errorf("no one Service for WebhookReceiver %s/%s after %s (%d found)", ns, name, timeout, len(svcs.Items))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// GitRepoYAML is a Fleet GitRepo; ref is "branch: x" or "revision: y".
func GitRepoYAML(ns, name, repo, ref string) string {
	return fmt.Sprintf(`
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: %s
  namespace: %s
spec:
  repo: %s
  %s
`, name, ns, repo, ref)
}

// Git runs git in dir (empty: the current folder) with home as $HOME and a
// fixed identity, and returns its trimmed output.
func Git(home, dir string, args ...string) (string, error) {
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", home, err)
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=realworld", "GIT_AUTHOR_EMAIL=realworld@example.test",
		"GIT_COMMITTER_NAME=realworld", "GIT_COMMITTER_EMAIL=realworld@example.test")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s (%s): %w: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}
