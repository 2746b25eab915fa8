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

package controllers

import "errors"

// stall is the error of a step that found the spec cannot work until
// something outside the operator changes: a missing Secret, CRD or
// IngressClass, a child the API server refuses. Unlike other errors it is
// not retried with backoff: Reconcile reports it in the Stalled condition
// and waits for a watch event or, when the cause is not watched (requeue),
// looks again after MissingCRDRequeueAfter.
type stall struct {
	reason, message string
	requeue         bool
}

func (s *stall) Error() string { return s.message }

// asStall returns the stall in err's chain.
func asStall(err error) (*stall, bool) {
	var st *stall
	ok := errors.As(err, &st)
	return st, ok
}

// isStall reports whether err is a stall with the given reason.
func isStall(err error, reason string) bool {
	st, ok := asStall(err)
	return ok && st.reason == reason
}
