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
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"k8s.io/client-go/tools/clientcmd"
)

// Forward accepts connections on l, outside the namespace, and relays each
// to the address target returns, dialled inside the network namespace of
// process pid, until ctx ends. So a kubeconfig naming l's address reaches
// the namespace's API server from the user's shell. Entering a network
// namespace needs root (CAP_SYS_ADMIN), as unshare without -r did.
func Forward(ctx context.Context, l net.Listener, pid int, target func() (string, error)) {
	go func() {
		<-ctx.Done()
		_ = l.Close()
	}()
	ns := fmt.Sprintf("/proc/%d/ns/net", pid)
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer func() { _ = c.Close() }()
			addr, err := target()
			if err != nil {
				return
			}
			in, err := dialIn(ns, addr)
			if err != nil {
				return
			}
			defer func() { _ = in.Close() }()
			relayBoth(c, in)
		}()
	}
}

// dialIn dials addr from inside the network namespace at nsPath. A socket
// stays in the namespace it was made in, so only the dial needs a thread
// that entered it; that thread stays locked and Go discards it when the
// goroutine ends, so no other goroutine ever runs in the namespace.
func dialIn(nsPath, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(nsPath)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer func() { _ = f.Close() }()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("entering %s: %w", nsPath, err)}
			return
		}
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// relayBoth copies both ways until either side is done.
func relayBoth(a, b net.Conn) {
	var wg sync.WaitGroup
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		_, err := io.Copy(dst, src)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			_ = dst.Close()
			return
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	wg.Add(2)
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
}

// KubeconfigServer is the host:port of the API server the kubeconfig at
// path names (its current context's cluster).
func KubeconfigServer(path string) (string, error) {
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return "", fmt.Errorf("loading %s: %w", path, err)
	}
	kctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || cfg.Clusters[kctx.Cluster] == nil {
		return "", fmt.Errorf("%s: no cluster for the current context %q", path, cfg.CurrentContext)
	}
	u, err := url.Parse(cfg.Clusters[kctx.Cluster].Server)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return u.Host, nil
}

// WriteForwardedKubeconfig writes to out the kubeconfig at in with every
// cluster's server at addr (host:port), where Forward relays to it. The
// API server's certificate names 127.0.0.1, so addr is on loopback.
func WriteForwardedKubeconfig(in, out, addr string) error {
	cfg, err := clientcmd.LoadFromFile(in)
	if err != nil {
		return fmt.Errorf("loading %s: %w", in, err)
	}
	for _, c := range cfg.Clusters {
		c.Server = "https://" + addr
	}
	if err := clientcmd.WriteToFile(*cfg, out); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}
