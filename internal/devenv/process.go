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

package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProcessSpec describes a child process to supervise.
type ProcessSpec struct {
	// Name is used in messages.
	Name string
	Path string
	Args []string
	// Env is added to the current environment.
	Env []string
	// LogFile receives stdout and stderr (appended, so a restarted process
	// keeps its history). Empty: output is discarded.
	LogFile string
	// Output, when set, also receives stdout and stderr.
	Output io.Writer
}

// Process is a child running in its own process group, so stopping it stops
// everything it spawned, and a terminal's Ctrl-C reaches only the parent,
// which then stops children in order.
type Process struct {
	Spec ProcessSpec
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}

	mu      sync.Mutex
	waitErr error
}

// StartProcess starts spec.Path with spec.Args.
func StartProcess(spec ProcessSpec) (*Process, error) {
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	// Pdeathsig: if the supervisor dies without cleaning up (SIGKILL), the
	// kernel still stops the child, so nothing is left running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	p := &Process{Spec: spec, cmd: cmd, done: make(chan struct{})}
	var outs []io.Writer
	if spec.LogFile != "" {
		f, err := os.OpenFile(spec.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("opening log of %s: %w", spec.Name, err)
		}
		p.log = f
		outs = append(outs, f)
	}
	if spec.Output != nil {
		outs = append(outs, spec.Output)
	}
	if len(outs) > 0 {
		w := io.MultiWriter(outs...)
		cmd.Stdout, cmd.Stderr = w, w
	}
	// Pdeathsig fires when the OS thread that started the child exits, not
	// the process; Go may retire threads, so start and wait on one locked
	// thread that lives exactly as long as the child.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		if p.log != nil {
			_ = p.log.Close()
		}
		close(p.done)
	}()
	if err := <-started; err != nil {
		if p.log != nil {
			_ = p.log.Close()
		}
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	return p, nil
}

// Pid is the child's process id (also its process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and its Wait error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Signal sends sig to the whole process group.
func (p *Process) Signal(sig syscall.Signal) error {
	if err := syscall.Kill(-p.Pid(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signalling %s: %w", p.Spec.Name, err)
	}
	return nil
}

// Stop sends SIGTERM to the process group, waits up to grace, then SIGKILLs
// the group. It returns once the process has exited.
func (p *Process) Stop(grace time.Duration) error {
	if done, _ := p.Exited(); done {
		// The leader is gone; clear any stragglers in its group.
		_ = p.Signal(syscall.SIGKILL)
		return nil
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.done:
		_ = p.Signal(syscall.SIGKILL)
		return nil
	case <-time.After(grace):
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-p.done
	return fmt.Errorf("%s did not stop within %s after SIGTERM; killed", p.Spec.Name, grace)
}

// Kill SIGKILLs the process group and waits for the exit.
func (p *Process) Kill() {
	_ = p.Signal(syscall.SIGKILL)
	<-p.done
}

// LogTail returns the last n lines of the process's log file.
func (p *Process) LogTail(n int) string {
	if p.Spec.LogFile == "" {
		return ""
	}
	return TailFile(p.Spec.LogFile, n)
}

// TailFile returns the last n lines of a file, or "" if it cannot be read.
func TailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// WaitHTTPOK polls url until it answers 200, the process exits, or ctx ends.
// p may be nil.
func WaitHTTPOK(ctx context.Context, url string, p *Process) error {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		var exited <-chan struct{}
		if p != nil {
			exited = p.Done()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (last: %s): %w", url, last, ctx.Err())
		case <-exited:
			_, werr := p.Exited()
			return fmt.Errorf("%s exited (%w) before %s answered; last log lines:\n%s", p.Spec.Name, werr, url, indent(p.LogTail(20)))
		case <-tick.C:
		}
	}
}

func indent(s string) string {
	if s == "" {
		return "    (no output)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
