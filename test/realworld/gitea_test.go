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
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/webhook-operator/webhook-operator/internal/realworld"
)

// giteaAPI calls Gitea's REST API as the admin user and decodes the JSON
// answer into out (may be nil); it fails unless Gitea answers want.
func giteaAPI(method, path string, in any, want int, out any) {
	GinkgoHelper()
	Expect(realworld.GiteaAPI(context.Background(), method, path, in, want, out)).To(Succeed())
}

// createGiteaRepo creates u/<name> with a first commit on main and returns
// its clone URL as Fleet and the webhooks' payloads name it.
func createGiteaRepo(name string) string {
	GinkgoHelper()
	u, err := realworld.CreateGiteaRepo(context.Background(), name)
	Expect(err).NotTo(HaveOccurred())
	return u
}

// addGiteaHook adds a push webhook of type gitea to u/<repo> and returns its id.
func addGiteaHook(repo, target, contentType, secret string) int64 {
	GinkgoHelper()
	id, err := realworld.AddGiteaHook(context.Background(), repo, target, contentType, secret)
	Expect(err).NotTo(HaveOccurred())
	return id
}

// checkout is a local clone of a Gitea repository.
type checkout struct{ dir, remote string }

// cloneGiteaRepo clones u/<repo> over HTTP with the admin's credentials.
func cloneGiteaRepo(repo string) *checkout {
	GinkgoHelper()
	c := &checkout{dir: filepath.Join(workDir, "checkouts", repo), remote: realworld.GiteaRemote(repo)}
	Expect(os.MkdirAll(filepath.Dir(c.dir), 0o755)).To(Succeed())
	gitIn("", "clone", "--quiet", c.remote, c.dir)
	return c
}

// git runs git in the checkout and returns its trimmed output.
func (c *checkout) git(args ...string) string {
	GinkgoHelper()
	return gitIn(c.dir, args...)
}

// commit records a new commit on the checked-out branch and returns its SHA.
func (c *checkout) commit(msg string) string {
	GinkgoHelper()
	Expect(os.WriteFile(filepath.Join(c.dir, "CHANGES"), []byte(msg+"\n"), 0o644)).To(Succeed())
	c.git("add", "CHANGES")
	c.git("commit", "--quiet", "-m", msg)
	return c.git("rev-parse", "HEAD")
}

// push runs `git push origin refspecs...` against Gitea.
func (c *checkout) push(refspecs ...string) {
	GinkgoHelper()
	c.git(append([]string{"push", "--quiet", "origin"}, refspecs...)...)
}

func gitIn(dir string, args ...string) string {
	GinkgoHelper()
	out, err := realworld.Git(filepath.Join(workDir, "git-home"), dir, args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// giteaRepoDir is the bare repository Gitea keeps for u/<repo>.
func giteaRepoDir(repo string) string { return realworld.GiteaRepoDir(workDir, repo) }
