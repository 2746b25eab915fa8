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

package devenv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Scheme knows the built-in types, WebhookReceiver and Fleet's GitRepo.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, whv1alpha1.AddToScheme, fleetv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("building scheme: %w", err)
		}
	}
	return s, nil
}

// NewClient is a controller-runtime client for cfg with Scheme's types.
func NewClient(cfg *rest.Config) (client.Client, error) {
	s, err := Scheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("creating client: %w", err)
	}
	return c, nil
}

// KubeconfigForToken is a kubeconfig for the API server cfg points at,
// authenticating with a bearer token (a ServiceAccount's).
func KubeconfigForToken(cfg *rest.Config, token string) ([]byte, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthorityData: cfg.CAData,
		CertificateAuthority:     cfg.CAFile,
		InsecureSkipTLSVerify:    cfg.Insecure,
	}
	kc.AuthInfos["token"] = &clientcmdapi.AuthInfo{Token: token}
	kc.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "token"}
	kc.CurrentContext = "local"
	b, err := clientcmd.Write(*kc)
	if err != nil {
		return nil, fmt.Errorf("writing kubeconfig: %w", err)
	}
	return b, nil
}

// FakeNodeName is the Node devenv binds receiver pods to. No kubelet runs
// here: the receiver the pod stands for runs as a local process instead.
const FakeNodeName = "devenv-local"

// MarkPodsReady plays the kubelet for pods matching selector in namespace
// ("" for all): it binds them to a stand-in Node and reports them Running and
// Ready, so the ReplicaSet and Deployment controllers (and the operator's
// Ready condition) see the receiver that runs as a local process; and it
// confirms the deletion of terminating pods, as a kubelet does. It returns
// how many pods it changed.
func MarkPodsReady(ctx context.Context, c client.Client, namespace string, selector labels.Selector) (int, error) {
	if err := ensureFakeNode(ctx, c); err != nil {
		return 0, err
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
		return 0, fmt.Errorf("listing pods: %w", err)
	}
	changed := 0
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.DeletionTimestamp != nil {
			// A bound pod waits for its kubelet to confirm the deletion.
			if pod.Spec.NodeName == FakeNodeName {
				if err := c.Delete(ctx, pod, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
					return changed, fmt.Errorf("finishing deletion of pod %s: %w", pod.Name, err)
				}
				changed++
			}
			continue
		}
		if podReady(pod) {
			continue
		}
		if pod.Spec.NodeName == "" {
			binding := &corev1.Binding{
				ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace},
				Target:     corev1.ObjectReference{Kind: "Node", Name: FakeNodeName},
			}
			if err := c.SubResource("binding").Create(ctx, pod, binding); err != nil && !apierrors.IsConflict(err) {
				return changed, fmt.Errorf("binding pod %s: %w", pod.Name, err)
			}
		}
		now := metav1.Now()
		status := corev1.PodStatus{
			Phase:     corev1.PodRunning,
			HostIP:    "127.0.0.1",
			PodIP:     "127.0.0.1",
			StartTime: &now,
		}
		for _, t := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
			status.Conditions = append(status.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
		}
		for _, ctr := range pod.Spec.Containers {
			started := true
			status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{
				Name: ctr.Name, Image: ctr.Image, ImageID: ctr.Image, Ready: true, Started: &started,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
			})
		}
		patch := pod.DeepCopy()
		patch.Status = status
		if err := c.Status().Patch(ctx, patch, client.MergeFrom(pod)); err != nil {
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
				continue
			}
			return changed, fmt.Errorf("marking pod %s ready: %w", pod.Name, err)
		}
		changed++
	}
	return changed, nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func ensureFakeNode(ctx context.Context, c client.Client) error {
	node := &corev1.Node{}
	if err := c.Get(ctx, types.NamespacedName{Name: FakeNodeName}, node); err == nil {
		return nil
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading node: %w", err)
	}
	node = &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   FakeNodeName,
		Labels: map[string]string{"kubernetes.io/hostname": FakeNodeName},
	}}
	if err := c.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating node: %w", err)
	}
	return nil
}

// RunPodReadiness calls MarkPodsReady every interval until ctx ends; errors
// go to report (may be nil).
func RunPodReadiness(ctx context.Context, c client.Client, namespace string, selector labels.Selector, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := MarkPodsReady(ctx, c, namespace, selector); err != nil && report != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SumMetric adds up every sample of the Prometheus text-format metric name
// whose labels include all of match.
func SumMetric(text []byte, name string, match map[string]string) (float64, error) {
	var sum float64
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		var lbls string
		switch {
		case strings.HasPrefix(rest, "{"):
			end := strings.LastIndex(rest, "}")
			if end < 0 {
				continue
			}
			lbls, rest = rest[1:end], rest[end+1:]
		case strings.HasPrefix(rest, " "):
		default:
			continue // a longer metric name with the same prefix
		}
		if !labelsMatch(lbls, match) {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("parsing %q: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}

func labelsMatch(lbls string, match map[string]string) bool {
	for k, v := range match {
		if !strings.Contains(lbls, k+`="`+v+`"`) {
			return false
		}
	}
	return true
}

// APIServerMetrics fetches kube-apiserver's /metrics with cfg's credentials.
func APIServerMetrics(ctx context.Context, cfg *rest.Config) ([]byte, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("metrics client: %w", err)
	}
	return HTTPGet(ctx, hc, strings.TrimRight(cfg.Host, "/")+"/metrics")
}

// HTTPGet returns the body of a 200 answer to GET url.
func HTTPGet(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, nil
}
