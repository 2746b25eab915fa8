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
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNetnsArgs(t *testing.T) {
	cases := map[string]struct {
		root bool
		want []string
	}{
		"root":     {true, []string{"-n", "-m", "--", "sh", "-c", netnsScript, "/bin/x", "dev", "--real"}},
		"non-root": {false, []string{"-r", "-n", "-m", "--", "sh", "-c", netnsScript, "/bin/x", "dev", "--real"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := netnsArgs(tc.root, "/bin/x", []string{"dev", "--real"}); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHostsFile(t *testing.T) {
	for _, want := range []string{TraefikIP + " " + HooksHost + "\n", GiteaIP + " " + GiteaHost + "\n", "127.0.0.1 localhost\n"} {
		if !strings.Contains(HostsFile, want) {
			t.Errorf("hosts file lacks %q:\n%s", want, HostsFile)
		}
	}
}

func TestCommands(t *testing.T) {
	cases := map[string]struct {
		got, want string
	}{
		"nsenter root, network only": {
			Commands{PID: 42, Root: true}.Nsenter(false), "nsenter --net=/proc/42/ns/net --",
		},
		"nsenter without root enters the user namespace": {
			Commands{PID: 42}.Nsenter(true),
			"nsenter --net=/proc/42/ns/net --mount=/proc/42/ns/mnt --user=/proc/42/ns/user --preserve-credentials --",
		},
		"commit and push": {
			Commands{PID: 7, Root: true}.CommitAndPush("/tmp/w d/app", "main"),
			`nsenter --net=/proc/7/ns/net --mount=/proc/7/ns/mnt -- sh -c 'cd '"'"'/tmp/w d/app'"'"' && date >> CHANGES && ` +
				`git commit -q -am "change from webhook-operator dev" && git push -q origin main && git rev-parse HEAD'`,
		},
		"fleet jobs": {
			Commands{PID: 7, Root: true}.FleetJobs("/tmp/k", "fleet-local"),
			"nsenter --net=/proc/7/ns/net -- kubectl --kubeconfig /tmp/k -n fleet-local get jobs " +
				"-o custom-columns=JOB:.metadata.name,COMMIT:.metadata.annotations.commit,CREATED:.metadata.creationTimestamp",
		},
		"fleet jobs through the forwarded API server": {
			Commands{PID: 7, Root: true, HostKubeconfig: "/tmp/host"}.FleetJobs("/tmp/k", "fleet-local"),
			"kubectl --kubeconfig /tmp/host -n fleet-local get jobs " +
				"-o custom-columns=JOB:.metadata.name,COMMIT:.metadata.annotations.commit,CREATED:.metadata.creationTimestamp",
		},
		"quote plain":      {ShellQuote("/tmp/a-b_c.d"), "/tmp/a-b_c.d"},
		"quote empty":      {ShellQuote(""), "''"},
		"quote apostrophe": {ShellQuote("it's"), `'it'"'"'s'`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", tc.got, tc.want)
			}
		})
	}
}

// TestCommitAndPushRuns runs the printed line's script (without nsenter)
// against a local bare repository: what a person pastes must work.
func TestCommitAndPushRuns(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	dir := t.TempDir()
	home, bare, clone := filepath.Join(dir, "home"), filepath.Join(dir, "bare.git"), filepath.Join(dir, "my app")
	for _, args := range [][]string{{"init", "--quiet", "--bare", "-b", "main", bare}, {"clone", "--quiet", bare, clone}} {
		if _, err := Git(home, "", args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(clone, "CHANGES"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "CHANGES"}, {"commit", "-q", "-m", "init"}, {"push", "-q", "origin", "HEAD:main"}} {
		if _, err := Git(home, clone, args...); err != nil {
			t.Fatal(err)
		}
	}
	line := Commands{PID: 1, Root: true}.CommitAndPush(clone, "main")
	cmd := exec.Command("sh", "-c", strings.TrimPrefix(line, Commands{PID: 1, Root: true}.Nsenter(true)+" "))
	cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.test", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.test")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	pushed, err := Git(home, "", "--git-dir", bare, "rev-parse", "main")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != pushed {
		t.Errorf("the line printed %q; the remote's main is %q", got, pushed)
	}
}

func TestCheckBins(t *testing.T) {
	write := func(dir, name, version string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "."+name+".version"), []byte(version+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]struct {
		stale       map[string]string
		missing     string
		wantMissing []string
	}{
		"all built":      {},
		"one missing":    {missing: "gitea", wantMissing: []string{"gitea v1.26.0"}},
		"stale version":  {stale: map[string]string{"traefik": "v3.0.0"}, wantMissing: []string{"traefik v3.6.12"}},
		"missing, stale": {missing: "fleetcontroller", stale: map[string]string{"gitea": "v1.0.0"}, wantMissing: []string{"fleetcontroller v0.16.0, gitea v1.26.0"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for c, v := range Components {
				if c == tc.missing {
					continue
				}
				if s, ok := tc.stale[c]; ok {
					v = s
				}
				write(dir, c, v)
			}
			err := CheckBins(dir)
			if len(tc.wantMissing) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range append(tc.wantMissing, "make real-bins") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestAssetsEnvRoundTrip(t *testing.T) {
	want := Assets{CRDs: []string{"/a/crds", "/b/crds.yaml"}, GiteaStatic: "/gitea"}
	for _, kv := range want.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	got, err := AssetsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.CRDs, want.CRDs) || got.GiteaStatic != want.GiteaStatic {
		t.Errorf("got %+v, want %+v", got, want)
	}
	t.Setenv(envGiteaStatic, "")
	if _, err := AssetsFromEnv(); err == nil {
		t.Error("no error without Gitea's folder")
	}
}
