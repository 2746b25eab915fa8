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

import "testing"

func TestSumMetric(t *testing.T) {
	text := []byte(`# HELP apiserver_request_total x
apiserver_request_total{code="200",resource="gitrepos",subresource="status",verb="PATCH"} 7
apiserver_request_total{code="200",resource="gitrepos",subresource="",verb="PATCH"} 2
apiserver_request_total{code="200",resource="gitrepos",subresource="",verb="GET"} 5
apiserver_request_total_other{resource="gitrepos",verb="PATCH"} 100
`)
	cases := map[string]struct {
		match map[string]string
		want  float64
	}{
		"every PATCH":     {map[string]string{"resource": "gitrepos", "verb": "PATCH"}, 9},
		"status only":     {map[string]string{"subresource": "status"}, 7},
		"no match":        {map[string]string{"verb": "DELETE"}, 0},
		"all of the name": {nil, 14},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := SumMetric(text, "apiserver_request_total", tc.match)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
