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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLine runs the built webhook-receiver the way its Deployment
// does: flags only, no subcommand; -help and bad flags answer as
// `webhook-operator receiver` does.
func TestCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "webhook-receiver")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cases := map[string]struct {
		args       []string
		wantCode   int
		wantOutput []string
	}{
		"help":            {[]string{"--help"}, 0, []string{"-name", "-namespace", "-secret-name", "-bind-address", "-ack-timeout", "-kubeconfig"}},
		"bad flag":        {[]string{"--no-such-flag"}, 2, []string{"no-such-flag"}},
		"no receiver":     {nil, 2, []string{"--name and --namespace are required"}},
		"a subcommand":    {[]string{"receiver", "--name=a", "--namespace=b"}, 2, []string{"unexpected arguments"}},
		"inflight < body": {[]string{"--name=a", "--namespace=b", "--max-inflight-bytes=1024"}, 2, []string{"--max-inflight-bytes must be at least --max-body-bytes"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
			out, _ := cmd.CombinedOutput()
			if got := cmd.ProcessState.ExitCode(); got != tc.wantCode {
				t.Fatalf("exit code %d, want %d; output:\n%s", got, tc.wantCode, out)
			}
			for _, want := range tc.wantOutput {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
