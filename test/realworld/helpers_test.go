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
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// reply is an HTTP answer as the sender saw it.
type reply struct {
	Code   int
	Header http.Header
	Body   string
	// Receiver is the receiver's JSON answer, when it is one.
	Receiver struct {
		Status    string `json:"status"`
		Triggered []struct {
			Namespace, Name, Commit string
		} `json:"triggered"`
		Pending []struct {
			Namespace, Name, Commit string
		} `json:"pending"`
	}
}

// triggered lists namespace/name of every GitRepo the receiver's answer
// names as written or pending.
func (r reply) triggered() []string {
	var out []string
	for _, t := range r.Receiver.Triggered {
		out = append(out, t.Namespace+"/"+t.Name)
	}
	for _, t := range r.Receiver.Pending {
		out = append(out, t.Namespace+"/"+t.Name)
	}
	return out
}

// plainHTTP never reuses connections, so every request meets the router
// table Traefik has at that moment.
var plainHTTP = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// do sends req with c; a transport error is a failed assertion.
func do(c *http.Client, req *http.Request) reply {
	GinkgoHelper()
	resp, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	r := reply{Code: resp.StatusCode, Header: resp.Header, Body: string(b)}
	_ = json.Unmarshal(b, &r.Receiver)
	return r
}

// get GETs url; the receiver answers 405 to it, Traefik 404 when no router
// matches.
func get(url string) reply {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	return do(plainHTTP, req)
}

// sendGitHubPush sends a signed GitHub push of repoURL's branch at commit
// to target with c.
func sendGitHubPush(c *http.Client, target, repoURL, branch, commit string, secret []byte) reply {
	GinkgoHelper()
	req, err := gitHubPush(context.Background(), target, repoURL, branch, commit, secret)
	Expect(err).NotTo(HaveOccurred())
	return do(c, req)
}

// waitForReceiverRoute polls url until Traefik routes it to a receiver
// (the receiver answers GET with 405); routes change a second or two after
// the objects do.
func waitForReceiverRoute(url string) {
	GinkgoHelper()
	Eventually(func() int { return get(url).Code }).WithTimeout(time.Minute).WithPolling(250*time.Millisecond).
		Should(Equal(http.StatusMethodNotAllowed), "Traefik does not route %s to a receiver", url)
}

func gitRepo(g Gomega, ns, name string) *fleetv1alpha1.GitRepo {
	gr := &fleetv1alpha1.GitRepo{}
	g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, gr)).To(Succeed())
	return gr
}

// fleetJobs are the Jobs Fleet made for GitRepo ns/name, by the commit
// annotation Fleet sets on them.
func fleetJobs(g Gomega, ns, name string) map[string]batchv1.Job {
	var jobs batchv1.JobList
	g.Expect(k8s.List(context.Background(), &jobs, client.InNamespace(ns))).To(Succeed())
	out := map[string]batchv1.Job{}
	for _, j := range jobs.Items {
		for _, o := range j.OwnerReferences {
			if o.Kind == "GitRepo" && o.Name == name {
				out[j.Annotations["commit"]] = j
			}
		}
	}
	return out
}

// waitForJob waits until Fleet has a Job for GitRepo ns/name annotated with
// commit, and returns how long that took from since.
func waitForJob(ns, name, commit string, since time.Time, timeout time.Duration) time.Duration {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(fleetJobs(g, ns, name)).To(HaveKey(commit))
	}).WithTimeout(timeout).WithPolling(100*time.Millisecond).Should(Succeed(), func() string {
		gr := gitRepo(Default, ns, name)
		status, _ := json.MarshalIndent(gr.Status, "", "  ")
		return fmt.Sprintf("Fleet made no Job for %s/%s at commit %s; GitRepo status:\n%s", ns, name, commit, status)
	})
	return time.Since(since)
}

func objectMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}

// afterFleetPoll waits until Fleet polled GitRepo ns/name within the last
// few seconds, so its next poll (every 15 s without spec.pollingInterval)
// comes well after what the test does next. A commit Fleet finds by polling
// before the receiver's first write gets a Job without the webhook; that
// write then sets spec.pollingInterval, and Fleet deletes the Job for the
// new generation and re-creates it only much later (40 s seen).
func afterFleetPoll(ns, name string) {
	GinkgoHelper()
	// Fleet schedules its polls itself and sometimes makes the first one
	// late. Waiting longer proves nothing about the receiver: after the
	// bound, go on (a poll then racing the webhook is the rare case above).
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		polled := gitRepo(Default, ns, name).Status.LastPollingTime.Time
		if polled.After(time.Now().Add(-3 * time.Second)) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	GinkgoWriter.Printf("Fleet did not poll %s/%s within 30s; going on\n", ns, name)
}
