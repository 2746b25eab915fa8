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

// DefaultReceiverImage is the last resort when nothing names an image.
const DefaultReceiverImage = "webhook-operator:latest"

// ResolveReceiverImage picks the receiver image: the --receiver-image flag,
// else RELATED_IMAGE_RECEIVER (the OLM convention for images an operator
// deploys), else the operator's own image (OPERATOR_IMAGE, set by its
// Deployment: the binary has the receiver subcommand), else
// DefaultReceiverImage.
func ResolveReceiverImage(flagValue string, getenv func(string) string) string {
	for _, v := range []string{flagValue, getenv("RELATED_IMAGE_RECEIVER"), getenv("OPERATOR_IMAGE")} {
		if v != "" {
			return v
		}
	}
	return DefaultReceiverImage
}
