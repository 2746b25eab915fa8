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

// TestCommandLine runs the built binary the way scripts and manifests do:
// every subcommand takes --help, and a bad flag prints usage and exits 2.
func TestCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "webhook-operator")
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
		"no command":            {nil, 2, []string{"manager", "receiver", "dev"}},
		"unknown command":       {[]string{"operate"}, 2, []string{`unknown command "operate"`}},
		"top-level help":        {[]string{"--help"}, 0, []string{"webhook-operator manager"}},
		"manager help":          {[]string{"manager", "--help"}, 0, []string{"-leader-elect", "-metrics-bind-address", "-health-probe-bind-address", "-receiver-image", "-cross-namespace-namespaces", "-kubeconfig"}},
		"manager bad flag":      {[]string{"manager", "--no-such-flag"}, 2, []string{"no-such-flag"}},
		"receiver help":         {[]string{"receiver", "--help"}, 0, []string{"-name", "-namespace", "-bind-address", "-max-body-bytes", "-ack-timeout", "-metrics-bind-address", "-health-probe-bind-address", "-kubeconfig"}},
		"receiver bad flag":     {[]string{"receiver", "--no-such-flag"}, 2, []string{"no-such-flag"}},
		"receiver bad timeout":  {[]string{"receiver", "--ack-timeout", "soon"}, 2, []string{"ack-timeout"}},
		"dev help":              {[]string{"dev", "--help"}, 0, []string{"-kubeconfig", "-real"}},
		"dev real on a cluster": {[]string{"dev", "--real", "--kubeconfig", "/nowhere"}, 2, []string{"--real runs its own control plane"}},
		"dev bad flag":          {[]string{"dev", "--no-such-flag"}, 2, []string{"no-such-flag"}},
		"dev stray argument":    {[]string{"dev", "now"}, 2, []string{"dev: unexpected arguments [now]", "-kubeconfig"}},
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
