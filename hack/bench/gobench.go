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
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// goBenchmarks runs the packages' Go benchmarks, streaming their output, and
// returns them as a markdown table.
func goBenchmarks(root string) (string, error) {
	fmt.Println("== go test -run '^$' -bench . -benchmem ./internal/receiver/... ./internal/dispatch/... ./internal/gitrepo/...")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem",
		"./internal/receiver/...", "./internal/dispatch/...", "./internal/gitrepo/...")
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &buf)
	cmd.Stderr = io.MultiWriter(os.Stderr, &buf)
	runErr := cmd.Run()

	var b strings.Builder
	b.WriteString("## Go benchmarks\n\n| package | benchmark | ns/op | B/op | allocs/op |\n|---|---|---:|---:|---:|\n")
	pkg := ""
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/webhook-operator/webhook-operator/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		vals := map[string]string{}
		for i := 2; i+1 < len(f); i += 2 {
			vals[f[i+1]] = f[i]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", pkg, f[0], vals["ns/op"], vals["B/op"], vals["allocs/op"])
	}
	b.WriteString("\n")
	if runErr != nil {
		return b.String(), fmt.Errorf("go test -bench: %w", runErr)
	}
	return b.String(), nil
}
