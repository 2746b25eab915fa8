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

// Package apply converges the children of a WebhookReceiver on the API
// server with server-side apply, keeping a reconcile that finds nothing to
// change free of API writes while still repairing drift:
//
//   - Document turns a desired typed object into the exact unstructured
//     document that is server-side applied, and stamps it with a hash of
//     itself (AnnotationDesiredHash).
//   - UpToDate compares that document with the live object from the cache:
//     the hash must match (catches every change of the desired state,
//     including fields the operator stopped setting, which SSA then removes)
//     AND every field of the document must be present in the live object
//     with the same value (catches drift: someone edited or removed a field
//     the operator sets). Fields others added (labels, defaults, a sidecar)
//     are extra in the live object and are ignored, as SSA leaves them alone.
//
// Only when UpToDate is false does the Applier apply, so an unchanged child
// costs no write and no dry-run request.
package apply

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FieldManager is the one server-side apply field manager of the operator.
const FieldManager = "webhook-operator"

// Action is what Ensure or Remove did to a child.
type Action string

// Actions; Unchanged costs no write.
const (
	Unchanged Action = ""
	Created   Action = "Created"
	Updated   Action = "Updated"
	Deleted   Action = "Deleted"
)

// Applier writes children through Client, reading them from Client (the
// cache) first so that only a child that differs is written.
type Applier struct {
	Client client.Client
}

// Ensure server-side applies obj unless the live object already is what
// applying it would make it. obj must have its TypeMeta set.
func (a Applier) Ensure(ctx context.Context, obj client.Object) (Action, error) {
	u, err := Document(obj)
	if err != nil {
		return Unchanged, err
	}
	kind := u.GetKind()
	live := obj.DeepCopyObject().(client.Object)
	err = a.Client.Get(ctx, client.ObjectKeyFromObject(obj), live)
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return Unchanged, fmt.Errorf("reading %s %s: %w", kind, obj.GetName(), err)
	default:
		ok, err := UpToDate(u, live)
		if err != nil {
			return Unchanged, err
		}
		if ok {
			return Unchanged, nil
		}
	}
	if err := a.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return Unchanged, fmt.Errorf("applying %s %s: %w", kind, obj.GetName(), err)
	}
	if live == nil {
		return Created, nil
	}
	return Updated, nil
}

// Remove deletes the live object named like obj if it exists and owned says
// it is ours; a child someone else created under that name is left alone.
func (a Applier) Remove(ctx context.Context, obj client.Object, owned func(live client.Object) bool) (Action, error) {
	live := obj.DeepCopyObject().(client.Object)
	if err := a.Client.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		return Unchanged, client.IgnoreNotFound(err)
	}
	if !owned(live) {
		return Unchanged, nil
	}
	if err := a.Client.Delete(ctx, live); client.IgnoreNotFound(err) != nil {
		return Unchanged, fmt.Errorf("deleting %T %s: %w", obj, obj.GetName(), err)
	}
	return Deleted, nil
}
