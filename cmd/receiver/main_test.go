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

// TestCommandLine runs the built webhook-receiver the way its Deployment
// does: flags only, no subcommand; -help and bad flags answer as
// `webhook-operator receiver` does.
func TestCommandLine(t *testing.T) {
	testenv.RunCommandCases(t, "webhook-receiver", map[string]testenv.CommandCase{
		"help":            {Args: []string{"--help"}, Code: 0, Output: []string{"-pprof-bind-address", "-name", "-namespace", "-secret-name", "-bind-address", "-ack-timeout", "-kubeconfig"}},
		"bad flag":        {Args: []string{"--no-such-flag"}, Code: 2, Output: []string{"no-such-flag"}},
		"no receiver":     {Code: 2, Output: []string{"--name and --namespace are required"}},
		"a subcommand":    {Args: []string{"receiver", "--name=a", "--namespace=b"}, Code: 2, Output: []string{"unexpected arguments"}},
		"inflight < body": {Args: []string{"--name=a", "--namespace=b", "--max-inflight-bytes=1024"}, Code: 2, Output: []string{"--max-inflight-bytes must be at least twice --max-body-bytes"}},
	})
}
