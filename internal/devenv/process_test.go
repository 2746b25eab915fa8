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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A stopped process takes the children it spawned with it (process group).
func TestProcessStopKillsGroup(t *testing.T) {
	log := filepath.Join(t.TempDir(), "sh.log")
	// The shell ignores SIGTERM, so Stop must escalate to SIGKILL; its
	// background child reports its pid first.
	p, err := StartProcess(ProcessSpec{Name: "sh", Path: "/bin/sh",
		Args: []string{"-c", `trap "" TERM; sleep 300 & echo $!; wait`}, LogFile: log})
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for child == 0 {
		if s := strings.TrimSpace(TailFile(log, 1)); s != "" {
			child, _ = strconv.Atoi(s)
		}
		select {
		case <-p.Done():
			t.Fatalf("shell exited early: %s", TailFile(log, 5))
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := p.Stop(200 * time.Millisecond); err == nil {
		t.Error("Stop of a process ignoring SIGTERM returned no error")
	}
	if done, _ := p.Exited(); !done {
		t.Error("process still running after Stop")
	}
	// SIGKILL to the group is delivered asynchronously: under load the child
	// can still be running just after Stop returns. Wait, with a bound, for
	// it to be gone (ESRCH) or a zombie of init; a child that outlives the
	// bound survived the group's stop.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := syscall.Kill(child, 0); err != nil {
			return
		}
		st, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(child), "stat"))
		if strings.Contains(string(st), ") Z") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d survived its process group's stop: %s", child, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
