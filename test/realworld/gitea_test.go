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
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// giteaAPI calls Gitea's REST API as the admin user and decodes the JSON
// answer into out (may be nil); it fails unless Gitea answers want.
func giteaAPI(method, path string, in any, want int, out any) {
	GinkgoHelper()
	var body bytes.Buffer
	if in != nil {
		Expect(json.NewEncoder(&body).Encode(in)).To(Succeed())
	}
	req, err := http.NewRequest(method, giteaURL+"/api/v1"+path, &body)
	Expect(err).NotTo(HaveOccurred())
	req.SetBasicAuth(giteaUser, giteaPassword)
	req.Header.Set("Content-Type", "application/json")
	r := do(plainHTTP, req)
	Expect(r.Code).To(Equal(want), "Gitea %s %s: %s", method, path, r.Body)
	if out != nil {
		Expect(json.Unmarshal([]byte(r.Body), out)).To(Succeed())
	}
}

// createGiteaRepo creates u/<name> with a first commit on main and returns
// its clone URL as Fleet and the webhooks' payloads name it.
func createGiteaRepo(name string) string {
	GinkgoHelper()
	var repo struct {
		CloneURL string `json:"clone_url"`
	}
	giteaAPI(http.MethodPost, "/user/repos", map[string]any{
		"name": name, "auto_init": true, "default_branch": "main", "readme": "Default",
	}, http.StatusCreated, &repo)
	Expect(repo.CloneURL).To(HavePrefix(giteaURL + "/"))
	return repo.CloneURL
}

// addGiteaHook adds a push webhook of type gitea to u/<repo> and returns its id.
func addGiteaHook(repo, target, contentType, secret string) int64 {
	GinkgoHelper()
	var hook struct{ ID int64 }
	giteaAPI(http.MethodPost, "/repos/"+giteaUser+"/"+repo+"/hooks", map[string]any{
		"type": "gitea", "events": []string{"push"}, "active": true,
		"config": map[string]string{"url": target, "content_type": contentType, "secret": secret},
	}, http.StatusCreated, &hook)
	Expect(hook.ID).NotTo(BeZero())
	return hook.ID
}

// checkout is a local clone of a Gitea repository.
type checkout struct{ dir, remote string }

// cloneGiteaRepo clones u/<repo> over HTTP with the admin's credentials.
func cloneGiteaRepo(repo string) *checkout {
	GinkgoHelper()
	u, err := url.Parse(giteaURL + "/" + giteaUser + "/" + repo + ".git")
	Expect(err).NotTo(HaveOccurred())
	u.User = url.UserPassword(giteaUser, giteaPassword)
	c := &checkout{dir: filepath.Join(workDir, "checkouts", repo), remote: u.String()}
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
	home := filepath.Join(workDir, "git-home")
	Expect(os.MkdirAll(home, 0o755)).To(Succeed())
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=realworld", "GIT_AUTHOR_EMAIL=realworld@example.test",
		"GIT_COMMITTER_NAME=realworld", "GIT_COMMITTER_EMAIL=realworld@example.test")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "git %s (%s): %s", strings.Join(args, " "), time.Since(start), out)
	return strings.TrimSpace(string(out))
}

// giteaRepoDir is the bare repository Gitea keeps for u/<repo>.
func giteaRepoDir(repo string) string {
	return filepath.Join(workDir, "gitea", "repositories", giteaUser, repo+".git")
}

// fleetGitRepoYAML is a GitRepo Fleet polls or is triggered for; ref is
// "branch: x" or "revision: y".
func fleetGitRepoYAML(ns, name, repo, ref string) string {
	return fmt.Sprintf(`
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: %s
  namespace: %s
spec:
  repo: %s
  %s
`, name, ns, repo, ref)
}
