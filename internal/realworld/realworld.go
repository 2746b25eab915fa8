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

// Package realworld runs the real third-party components users run the
// operator with, as local processes: Traefik routes the webhooks, Fleet's
// own gitjob controller turns GitRepo updates into Jobs and Gitea is the
// Git host that sends the webhooks. They run inside a network namespace of
// their own (with the control plane, the operator and the receivers), so
// Services can have EndpointSlices with non-loopback addresses (the API
// server refuses loopback ones) and host names resolve through a private
// /etc/hosts. The real-world e2e suite and `webhook-operator dev --real`
// share it.
package realworld

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Addresses inside the namespace. The whole 192.0.2.0/24 (TEST-NET-1) is
// local there; nothing leaves it.
const (
	NetCIDR   = "192.0.2.1/24"
	TraefikIP = "192.0.2.1"
	GiteaIP   = "192.0.2.3"
	// Ports of Traefik's entryPoints; a Gateway listener uses WebPort.
	WebPort, WebsecurePort, TraefikPort = 80, 443, 9000
	GiteaPort                           = 3000
	HooksHost                           = "hooks.example.test"
	GiteaHost                           = "gitea.example.test"
)

// HostsFile is /etc/hosts inside the namespace: webhooks go to Traefik,
// clones and pushes to Gitea, by name, as in a cluster with DNS.
var HostsFile = fmt.Sprintf("127.0.0.1 localhost\n::1 localhost\n%s %s\n%s %s\n",
	TraefikIP, HooksHost, GiteaIP, GiteaHost)

// EnvHosts names the hosts file NetnsCommand bind-mounts over /etc/hosts.
const EnvHosts = "REALWORLD_HOSTS"

// netnsScript sets up loopback with the test network and a default route
// over it (kube-apiserver picks its advertised address from the default
// route; packets to other addresses go nowhere), swaps in the hosts file (a
// private mount, gone with the namespace) and execs the program.
const netnsScript = `set -e
ip link set lo up
ip addr add ` + NetCIDR + ` dev lo
ip route add default via ` + TraefikIP + ` dev lo
mount --bind "$` + EnvHosts + `" /etc/hosts
exec "$0" "$@"`

// NetnsCommand runs exe with args in a new network and mount namespace set
// up by netnsScript, with hostsPath as its /etc/hosts and env added to the
// current environment. Without root it also makes a user namespace. The
// child gets SIGTERM when the thread that starts it dies: the caller locks
// its OS thread around Start and Wait.
func NetnsCommand(hostsPath, exe string, args, env []string) *exec.Cmd {
	cmd := exec.Command("unshare", netnsArgs(os.Geteuid() == 0, exe, args)...)
	cmd.Env = append(append(os.Environ(), env...), EnvHosts+"="+hostsPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return cmd
}

func netnsArgs(root bool, exe string, args []string) []string {
	unshare := []string{"-n", "-m"}
	if !root {
		unshare = append([]string{"-r"}, unshare...)
	}
	return append(append(unshare, "--", "sh", "-c", netnsScript, exe), args...)
}

// Components are the binaries hack/real-bins.sh builds, with the version
// each stamp must hold.
var Components = map[string]string{
	"traefik":         "v3.6.12",
	"fleetcontroller": "v0.16.0",
	"gitea":           "v1.26.0",
}

// Modules whose files are read at run time; the versions hack/real-bins.sh
// builds.
const (
	FleetModule = "github.com/rancher/fleet@v0.16.0"
	GiteaModule = "code.gitea.io/gitea@v1.26.0"
)

// EnvBins is where hack/real-bins.sh put the components, when not
// <repo>/bin/real.
const EnvBins = "REALWORLD_BINS"

// BinsDir is $REALWORLD_BINS, else <repo>/bin/real.
func BinsDir(root string) string {
	if d := os.Getenv(EnvBins); d != "" {
		return d
	}
	return filepath.Join(root, "bin", "real")
}

// CheckBins returns an error naming every component missing from dir or
// built at another version.
func CheckBins(dir string) error {
	var missing []string
	for name, version := range Components {
		stamp, _ := os.ReadFile(filepath.Join(dir, "."+name+".version"))
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.IsDir() || strings.TrimSpace(string(stamp)) != version {
			missing = append(missing, name+" "+version)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%s missing from %s: run `make real-bins` (hack/real-bins.sh) or set %s",
			strings.Join(missing, ", "), dir, EnvBins)
	}
	return nil
}

// Tools are the programs the namespace and the Git checkouts need on PATH.
var Tools = []string{"unshare", "ip", "git"}

// CheckTools returns an error naming the first of Tools missing from PATH.
func CheckTools() error {
	for _, tool := range Tools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the real components need %s on PATH: %w", tool, err)
		}
	}
	return nil
}

// ModuleDir downloads (or finds in the module cache) a module at a version
// and returns its folder.
func ModuleDir(modVersion string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", modVersion).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", modVersion, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no folder (%s): %w", modVersion, m.Error, err)
	}
	return m.Dir, nil
}
