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

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	fleetv1alpha1 "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/devenv"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/realworld"
)

// printRealInstructions prints the commit-and-push line, the kubectl line
// for Fleet's Job and the signed curl line, each run in the namespace.
func (d *devRun) printRealInstructions(wr *whv1alpha1.WebhookReceiver, checkout, repoURL string, githubSecret []byte) error {
	w := d.out
	cmds := realworld.Commands{PID: os.Getpid(), Root: os.Getenv(envDevUserNS) == ""}
	if addr := os.Getenv(envDevAPI); addr != "" {
		cmds.HostKubeconfig = filepath.Join(d.dir, "kubeconfig-host")
		if err := realworld.WriteForwardedKubeconfig(d.kubeconfig, cmds.HostKubeconfig, addr); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\n=== webhook-operator dev --real is running (Ctrl-C stops everything) ===\n\n")
	d.printStatus(wr)
	fmt.Fprintf(w, "\nIn a network namespace of its own (process %d), whose names exist only there:\n", cmds.PID)
	fmt.Fprintf(w, "  Traefik %s  http://%s (%s:%d) routes /gitjob to the receiver at %s\n",
		realworld.Components["traefik"], realworld.HooksHost, realworld.TraefikIP, realworld.WebPort, devRealBackend)
	fmt.Fprintf(w, "  Gitea %s    %s (user %s, password %s): %s/%s has a push webhook to %s\n",
		realworld.Components["gitea"], realworld.GiteaURL, realworld.GiteaUser, realworld.GiteaPassword,
		realworld.GiteaUser, devRealRepo, devRealWebhookURL)
	fmt.Fprintf(w, "  Fleet %s    gitjob controller; GitRepo %s/%s follows %s of %s\n",
		realworld.Components["fleetcontroller"], devRealNamespace, devRealGitRepo, devRealBranch, repoURL)
	fmt.Fprintf(w, "\nCommit and git push to Gitea (prints the new commit):\n\n%s\n", cmds.CommitAndPush(checkout, devRealBranch))
	fmt.Fprintf(w, "\nFleet's Job for that commit appears within seconds (COMMIT column):\n\n%s\n", cmds.FleetJobs(d.kubeconfig, devRealNamespace))

	head, err := realworld.Git(filepath.Join(d.dir, "git-home"), checkout, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	push := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: repoURL, Branch: devRealBranch, Commit: head, DefaultBranch: devRealBranch}
	headers, bodyFile, err := d.writePush(push, githubSecret)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nOr send a signed GitHub push of %s (%s -> %s) through Traefik yourself:\n\n%s %s\n",
		repoURL, devRealBranch, head, cmds.Nsenter(true), gitsim.CurlCommand(devRealWebhookURL, headers, bodyFile))
	fmt.Fprintf(w, "\nMore: %s\n", cmds.Kubectl(d.kubeconfig, "get whr,gitrepo,ingress,endpointslices,jobs -A"))
	fmt.Fprintf(w, "Logs: %s/{manager,receiver,traefik,fleet-gitjob,gitea,kube-controller-manager}.log\n\n", d.dir)
	return nil
}

// printRealHint says how to get the loop with the real components, in
// plain dev mode.
func (d *devRun) printRealHint() {
	if realworld.CheckBins(realworld.BinsDir(d.root)) == nil {
		fmt.Fprintf(d.out, "The real loop (git push to Gitea -> Traefik -> receiver -> Fleet's Job) is built: make dev-real\n\n")
		return
	}
	fmt.Fprintf(d.out, "For the real loop (git push to Gitea -> Traefik -> receiver -> Fleet's Job): make real-bins && make dev-real\n\n")
}

func (d *devRun) printInstructions(wr *whv1alpha1.WebhookReceiver, repos []*fleetv1alpha1.GitRepo, secret []byte, ep devenv.Endpoints) error {
	w := d.out
	fmt.Fprintf(w, "\n=== webhook-operator dev is running (Ctrl-C stops everything) ===\n\n")
	d.printStatus(wr)
	fmt.Fprintf(w, "\nWebhook URL (this machine): %s\n", ep.WebhookURL())
	if len(repos) == 0 {
		fmt.Fprintf(w, "\nno GitRepo among the samples: nothing to push to\n")
		return nil
	}
	gr := repos[0]
	push := gitsim.Push{Provider: whv1alpha1.SecretKeyGitHub, RepoURL: gr.Spec.Repo, Branch: gr.Spec.Branch, Commit: gitsim.RandomSHA()}
	if push.Branch == "" {
		push.Branch = "master"
	}
	push.DefaultBranch = push.Branch
	headers, bodyFile, err := d.writePush(push, secret)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSend a signed GitHub push of %s (%s -> %s):\n\n", gr.Spec.Repo, push.Branch, push.Commit)
	fmt.Fprintf(w, "%s\n", gitsim.CurlCommand(ep.WebhookURL(), headers, bodyFile))
	fmt.Fprintf(w, "\nThen GitRepo %s/%s carries the commit:\n\n", gr.Namespace, gr.Name)
	fmt.Fprintf(w, "kubectl --kubeconfig %s -n %s get gitrepo %s -o jsonpath='{.status.webhookCommit}{\"\\n\"}'\n", d.kubeconfig, gr.Namespace, gr.Name)
	fmt.Fprintf(w, "\nMore: kubectl --kubeconfig %s get whr,gitrepo,deploy,svc,ingress -A\n", d.kubeconfig)
	fmt.Fprintf(w, "Logs: %s/{manager,receiver}.log", d.dir)
	if d.cp != nil {
		fmt.Fprintf(w, " and %s/kube-controller-manager.log", d.dir)
	}
	fmt.Fprintf(w, "\n\n")
	d.printRealHint()
	return nil
}

// printStatus shows the WebhookReceiver's status as a user reads it.
func (d *devRun) printStatus(wr *whv1alpha1.WebhookReceiver) {
	w := d.out
	fmt.Fprintf(w, "WebhookReceiver %s/%s\n", wr.Namespace, wr.Name)
	fmt.Fprintf(w, "  status.url:    %s   (the URL for the Git host, behind the Ingress of a real cluster)\n", devOrNone(wr.Status.URL))
	fmt.Fprintf(w, "  status.secret: %s   (key %q holds the generated GitHub secret)\n", devOrNone(wr.Status.SecretName), whv1alpha1.SecretKeyGitHub)
	conds := wr.Status.Conditions
	if len(conds) == 0 {
		fmt.Fprintf(w, "  conditions:    none yet (see the operator log)\n")
	}
	for _, c := range conds {
		line := fmt.Sprintf("  %-14s %-5s %s", c.Type+":", c.Status, c.Reason)
		if c.Message != "" {
			line += ": " + c.Message
		}
		fmt.Fprintln(w, line)
	}
	if d.cp == nil && !meta.IsStatusConditionTrue(conds, whv1alpha1.ConditionReady) {
		fmt.Fprintf(w, "  (the receiver Deployment needs the operator image in this cluster; the local receiver below serves meanwhile)\n")
	}
}

// writePush signs push with secret and writes its body to a file for the
// printed curl line; it returns the headers to send and the file.
func (d *devRun) writePush(push gitsim.Push, secret []byte) (http.Header, string, error) {
	delivery, err := push.Delivery(secret)
	if err != nil {
		return nil, "", err
	}
	headers, body := delivery.Build()
	bodyFile := filepath.Join(d.dir, "github-push.json")
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return nil, "", fmt.Errorf("writing the push body: %w", err)
	}
	return headers, bodyFile, nil
}
