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

// Command bundle generates and validates the OLM bundle in bundle/ (the
// operator-sdk CLI is not installable here; this does its `generate bundle`
// and `bundle validate` with kustomize and operator-framework/api).
//
//	go run ./hack/bundle generate --version 0.1.0 --image IMG --kustomize bin/kustomize
//	go run ./hack/bundle validate
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	valerrors "github.com/operator-framework/api/pkg/validation/errors"

	"github.com/webhook-operator/webhook-operator/hack/bundle/bundlegen"
)

const usage = `Usage:
  bundle generate --version X.Y.Z --image IMG [--kustomize bin/kustomize] [--config config] [--output bundle] [--dockerfile bundle.Dockerfile]
  bundle validate [--dir bundle] [--k8s-version 1.37]
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "generate":
		os.Exit(generate(os.Args[2:]))
	case "validate":
		os.Exit(validate(os.Args[2:]))
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}

func generate(args []string) int {
	o := bundlegen.Defaults()
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.StringVar(&o.Version, "version", "", "bundle version (semver, no leading v)")
	fs.StringVar(&o.Image, "image", "", "operator image (also the receiver image)")
	fs.StringVar(&o.Kustomize, "kustomize", o.Kustomize, "kustomize binary")
	fs.StringVar(&o.ConfigDir, "config", o.ConfigDir, "kustomize config directory")
	fs.StringVar(&o.OutputDir, "output", o.OutputDir, "bundle output directory")
	fs.StringVar(&o.Dockerfile, "dockerfile", o.Dockerfile, "bundle Dockerfile to write")
	channels := fs.String("channels", strings.Join(o.Channels, ","), "comma-separated channels")
	fs.StringVar(&o.DefaultChannel, "default-channel", o.DefaultChannel, "default channel")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	o.Channels = strings.Split(*channels, ",")
	if o.Version == "" || o.Image == "" {
		fmt.Fprintln(os.Stderr, "generate: --version and --image are required")
		fs.Usage()
		return 2
	}
	o.Version = strings.TrimPrefix(o.Version, "v")
	if err := bundlegen.Generate(o); err != nil {
		fmt.Fprintf(os.Stderr, "generate: %v\n", err)
		return 1
	}
	fmt.Printf("bundle %s written to %s/ and %s\n", o.Version, o.OutputDir, o.Dockerfile)
	return 0
}

func validate(args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	dir := fs.String("dir", "bundle", "bundle directory")
	k8s := fs.String("k8s-version", bundlegen.DefaultK8sVersion, "Kubernetes version for the removed-API checks")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	findings, err := bundlegen.Validate(*dir, *k8s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		return 1
	}
	errs := 0
	for _, f := range findings {
		fmt.Println(f)
		if f.Level == valerrors.LevelError {
			errs++
		}
	}
	fmt.Printf("%d error(s), %d warning(s)\n", errs, len(findings)-errs)
	if errs > 0 {
		return 1
	}
	return 0
}
