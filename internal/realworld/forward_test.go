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
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestForward relays through this process's own network namespace (which
// entering needs root, as dev --real does): what goes in comes back from
// the target.
func TestForward(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("entering a network namespace needs root")
	}
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = echo.Close() }()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				line, _ := bufio.NewReader(c).ReadString('\n')
				_, _ = c.Write([]byte("echo " + line))
			}()
		}
	}()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Forward(ctx, l, os.Getpid(), func() (string, error) { return echo.Addr().String(), nil })
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != "echo hello\n" {
		t.Fatalf("got %q (%v), want %q", got, err, "echo hello\n")
	}
}

func TestForwardedKubeconfig(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: []byte("ca")}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["x"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.CurrentContext = "x"
	if err := clientcmd.WriteToFile(*cfg, in); err != nil {
		t.Fatal(err)
	}
	if got, err := KubeconfigServer(in); err != nil || got != "127.0.0.1:6443" {
		t.Errorf("server of the original: %q (%v)", got, err)
	}
	if err := WriteForwardedKubeconfig(in, out, "127.0.0.1:40000"); err != nil {
		t.Fatal(err)
	}
	if got, err := KubeconfigServer(out); err != nil || got != "127.0.0.1:40000" {
		t.Errorf("server of the forwarded one: %q (%v)", got, err)
	}
	fwd, err := clientcmd.LoadFromFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(fwd.Clusters["c"].CertificateAuthorityData) != "ca" || fwd.AuthInfos["u"].Token != "t" {
		t.Errorf("the forwarded kubeconfig lost the CA or the credentials: %+v", fwd)
	}
}
