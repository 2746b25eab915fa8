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

package packaging

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// dockerfileInstructions joins continuation lines and drops comments.
func dockerfileInstructions(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	return out
}

func TestDockerfileShape(t *testing.T) {
	ins := dockerfileInstructions(t)
	var froms []string
	var final []string // instructions of the last stage
	for _, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			froms = append(froms, in)
			final = nil
		}
		final = append(final, in)
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got FROMs %v", froms)
	}
	if froms[len(froms)-1] != "FROM gcr.io/distroless/static:nonroot" {
		t.Errorf("final stage %q, want FROM gcr.io/distroless/static:nonroot", froms[len(froms)-1])
	}
	want := map[string]bool{
		`ENTRYPOINT ["/webhook-operator"]`:                        false,
		`CMD ["manager"]`:                                         false,
		"COPY --from=builder /webhook-operator /webhook-operator": false,
		"COPY --from=builder /webhook-receiver /webhook-receiver": false,
	}
	for _, in := range final {
		if _, ok := want[in]; ok {
			want[in] = true
		}
		if strings.HasPrefix(in, "USER ") && !regexp.MustCompile(`^USER (65532|nonroot)`).MatchString(in) {
			t.Errorf("final stage runs as %q, want the nonroot user", in)
		}
	}
	for in, seen := range want {
		if !seen {
			t.Errorf("final stage lacks %s", in)
		}
	}
	builds := goBuildLines(t)
	for out, pkg := range imageBinaries {
		build, ok := builds[out]
		if !ok {
			t.Errorf("no go build line writes %s", out)
			continue
		}
		for _, s := range []string{"CGO_ENABLED=0", "-trimpath", pkg} {
			if !strings.Contains(build, s) {
				t.Errorf("go build line %q lacks %q", build, s)
			}
		}
	}
}

// imageBinaries are the image's binaries and the packages they build from:
// the operator, and the receiver's own smaller binary its Deployments run.
var imageBinaries = map[string]string{"/webhook-operator": "./cmd", "/webhook-receiver": "./cmd/receiver"}

// goBuildLines are the Dockerfile's RUN ... go build lines by output path.
func goBuildLines(t *testing.T) map[string]string {
	t.Helper()
	lines := map[string]string{}
	for _, in := range dockerfileInstructions(t) {
		if strings.HasPrefix(in, "RUN ") && strings.Contains(in, "go build") {
			m := regexp.MustCompile(`-o\s+(\S+)`).FindStringSubmatch(in)
			if m == nil {
				t.Fatalf("go build line without -o: %s", in)
			}
			lines[m[1]] = strings.TrimPrefix(in, "RUN ")
		}
	}
	return lines
}

// TestDockerfileBuildsAStaticBinary runs the Dockerfile's own go build
// lines (output redirected to a temp dir), checks each binary would run on
// distroless/static and answers --help as its command.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	builds := goBuildLines(t)
	for out, want := range map[string][]string{
		"/webhook-operator": {"manager", "receiver"},
		"/webhook-receiver": {"-name", "-namespace", "-bind-address"},
	} {
		bin := filepath.Join(dir, filepath.Base(out))
		buildStatic(t, regexp.MustCompile(`-o\s+\S+`).ReplaceAllString(builds[out], "-o "+bin), bin)
		var stdout bytes.Buffer
		help := exec.Command(bin, "--help")
		help.Stdout, help.Stderr = &stdout, &stdout
		if err := help.Run(); err != nil {
			t.Fatalf("%s --help: %v\n%s", bin, err, stdout.String())
		}
		for _, w := range want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%s --help does not mention %q:\n%s", out, w, stdout.String())
			}
		}
	}
}

// buildStatic runs one go build line and checks the binary it writes would
// run on distroless/static: no dynamic loader, no shared libraries.
func buildStatic(t *testing.T, line, bin string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = repoRoot(t)
	// The build args Docker would pass for this machine's platform.
	cmd.Env = append(os.Environ(), "TARGETOS=linux", "TARGETARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: not static", bin, p.Type)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatalf("read DT_NEEDED: %v", err)
	}
	if len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", bin, libs)
	}
}
