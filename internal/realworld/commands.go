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
	"fmt"
	"strings"
)

// Commands print what a person pastes into a shell outside the namespace
// to act inside it: the namespace's addresses and host names only exist
// there.
type Commands struct {
	// PID is a process in the namespace (its network and mount namespace).
	PID int
	// Root says the namespace was made by root, so no user namespace is
	// entered.
	Root bool
	// HostKubeconfig, when set, reaches the namespace's API server from
	// outside (through Forward); kubectl lines then need no nsenter.
	HostKubeconfig string
}

// Nsenter is the prefix that runs a command in the namespace: its network,
// its mount namespace too when mount is set (for the private /etc/hosts
// that names Traefik and Gitea), and its user namespace when it was made
// without root.
func (c Commands) Nsenter(mount bool) string {
	s := fmt.Sprintf("nsenter --net=/proc/%d/ns/net", c.PID)
	if mount {
		s += fmt.Sprintf(" --mount=/proc/%d/ns/mnt", c.PID)
	}
	if !c.Root {
		s += fmt.Sprintf(" --user=/proc/%d/ns/user --preserve-credentials", c.PID)
	}
	return s + " --"
}

// CommitAndPush commits a change to the file CHANGES of the checkout in dir
// and pushes it to the checkout's origin branch, printing the new commit.
func (c Commands) CommitAndPush(dir, branch string) string {
	script := fmt.Sprintf(`cd %s && date >> CHANGES && git commit -q -am "change from webhook-operator dev" && git push -q origin %s && git rev-parse HEAD`,
		ShellQuote(dir), ShellQuote(branch))
	return c.Nsenter(true) + " sh -c " + ShellQuote(script)
}

// Kubectl runs kubectl with args against the namespace's API server,
// whose kubeconfig inside the namespace is kubeconfig.
func (c Commands) Kubectl(kubeconfig, args string) string {
	if c.HostKubeconfig != "" {
		return fmt.Sprintf("kubectl --kubeconfig %s %s", ShellQuote(c.HostKubeconfig), args)
	}
	return fmt.Sprintf("%s kubectl --kubeconfig %s %s", c.Nsenter(false), ShellQuote(kubeconfig), args)
}

// FleetJobs lists the Jobs in namespace ns with the commit Fleet annotated
// each with.
func (c Commands) FleetJobs(kubeconfig, ns string) string {
	return c.Kubectl(kubeconfig, "-n "+ShellQuote(ns)+
		" get jobs -o custom-columns=JOB:.metadata.name,COMMIT:.metadata.annotations.commit,CREATED:.metadata.creationTimestamp")
}

// ShellQuote quotes s for a POSIX shell when it holds anything but plain
// path characters.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
