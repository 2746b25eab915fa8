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
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/testenv"
)

// TestCommandLine runs the built binary the way scripts and manifests do:
// every subcommand takes --help, and a bad flag prints usage and exits 2.
func TestCommandLine(t *testing.T) {
	testenv.RunCommandCases(t, "webhook-operator", map[string]testenv.CommandCase{
		"no command":                   {Code: 2, Output: []string{"manager", "receiver", "dev"}},
		"unknown command":              {Args: []string{"operate"}, Code: 2, Output: []string{`unknown command "operate"`}},
		"top-level help":               {Args: []string{"--help"}, Code: 0, Output: []string{"webhook-operator manager"}},
		"manager help":                 {Args: []string{"manager", "--help"}, Code: 0, Output: []string{"-leader-elect", "-metrics-bind-address", "-health-probe-bind-address", "-receiver-image", "-cross-namespace-namespaces", "-kubeconfig"}},
		"manager bad flag":             {Args: []string{"manager", "--no-such-flag"}, Code: 2, Output: []string{"no-such-flag"}},
		"receiver help":                {Args: []string{"receiver", "--help"}, Code: 0, Output: []string{"-name", "-namespace", "-bind-address", "-max-body-bytes", "-max-inflight-bytes", "-ack-timeout", "-metrics-bind-address", "-health-probe-bind-address", "-kubeconfig"}},
		"receiver bad flag":            {Args: []string{"receiver", "--no-such-flag"}, Code: 2, Output: []string{"no-such-flag"}},
		"receiver bad timeout":         {Args: []string{"receiver", "--ack-timeout", "soon"}, Code: 2, Output: []string{"ack-timeout"}},
		"receiver inflight below body": {Args: []string{"receiver", "--name=a", "--namespace=b", "--max-inflight-bytes=1024"}, Code: 2, Output: []string{"--max-inflight-bytes must be at least twice --max-body-bytes"}},
		"dev help":                     {Args: []string{"dev", "--help"}, Code: 0, Output: []string{"-kubeconfig", "-real"}},
		"dev real on a cluster":        {Args: []string{"dev", "--real", "--kubeconfig", "/nowhere"}, Code: 2, Output: []string{"--real runs its own control plane"}},
		"dev bad flag":                 {Args: []string{"dev", "--no-such-flag"}, Code: 2, Output: []string{"no-such-flag"}},
		"dev stray argument":           {Args: []string{"dev", "now"}, Code: 2, Output: []string{"dev: unexpected arguments [now]", "-kubeconfig"}},
	})
}
