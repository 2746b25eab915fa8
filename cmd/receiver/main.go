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

// Command webhook-receiver is the webhook receiver a WebhookReceiver's
// Deployment runs, the same as `webhook-operator receiver`. It is its own
// binary because it links only the receiver's code: a process maps the
// pages of its binary it touches, and the operator's controllers, renderers
// and local development tooling would otherwise add about 20 MiB to every
// receiver's resident memory.
package main

import (
	"os"

	"github.com/webhook-operator/webhook-operator/cmd/receiver/app"
)

func main() {
	os.Exit(app.Run(os.Args[1:]))
}
