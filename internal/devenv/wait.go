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
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// WaitSecretKey waits up to timeout for key of Secret secret to hold a
// value, and returns it. It gives up early when writer, the process expected
// to write it (may be nil), exits; the error then carries its last log lines.
func WaitSecretKey(ctx context.Context, c client.Client, secret types.NamespacedName, key string, writer *Process, timeout time.Duration) ([]byte, error) {
	var val []byte
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if writer != nil {
			if done, _ := writer.Exited(); done {
				return false, fmt.Errorf("%s exited", writer.Spec.Name)
			}
		}
		sec := &corev1.Secret{}
		if err := c.Get(ctx, secret, sec); err != nil {
			return false, nil
		}
		val = sec.Data[key]
		return len(val) > 0, nil
	})
	if err != nil {
		err = fmt.Errorf("key %q of Secret %s was not written: %w", key, secret, err)
		if writer != nil {
			err = fmt.Errorf("%w; %s log:\n%s", err, writer.Spec.Name, writer.LogTail(20))
		}
		return nil, err
	}
	return val, nil
}

// WaitReceiverReady waits up to timeout for wr to be Ready with a URL. It
// returns the latest WebhookReceiver read either way, so its status can be
// shown; ready says whether it got there.
func WaitReceiverReady(ctx context.Context, c client.Client, wr *whv1alpha1.WebhookReceiver, timeout time.Duration) (latest *whv1alpha1.WebhookReceiver, ready bool) {
	key := client.ObjectKeyFromObject(wr)
	latest = wr
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		cur := &whv1alpha1.WebhookReceiver{}
		if err := c.Get(ctx, key, cur); err != nil {
			return false, nil
		}
		latest = cur
		return meta.IsStatusConditionTrue(cur.Status.Conditions, whv1alpha1.ConditionReady) && cur.Status.URL != "", nil
	})
	return latest, err == nil
}

// FirstExit waits until one of procs exits and returns it, or returns nil
// once ctx ends. nil entries are ignored.
func FirstExit(ctx context.Context, procs ...*Process) *Process {
	exited := make(chan *Process, len(procs))
	for _, p := range procs {
		if p == nil {
			continue
		}
		go func() {
			select {
			case <-p.Done():
				exited <- p
			case <-ctx.Done():
			}
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case p := <-exited:
		return p
	}
}
