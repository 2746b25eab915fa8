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

import "testing"

func TestResolveReceiverImage(t *testing.T) {
	cases := map[string]struct {
		flag string
		env  map[string]string
		want string
	}{
		"flag wins":          {"flag:1", map[string]string{"RELATED_IMAGE_RECEIVER": "rel:1", "OPERATOR_IMAGE": "op:1"}, "flag:1"},
		"related image":      {"", map[string]string{"RELATED_IMAGE_RECEIVER": "rel:1", "OPERATOR_IMAGE": "op:1"}, "rel:1"},
		"operator own image": {"", map[string]string{"OPERATOR_IMAGE": "op:1"}, "op:1"},
		"default":            {"", nil, DefaultReceiverImage},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ResolveReceiverImage(tc.flag, func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
