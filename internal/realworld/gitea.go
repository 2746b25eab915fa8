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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/webhook-operator/webhook-operator/internal/devenv"
)

// Gitea's admin user.
const GiteaUser, GiteaPassword = "u", "realworld-Passw0rd"

// GiteaURL is Gitea's base URL as users and Fleet reach it.
var GiteaURL = fmt.Sprintf("http://%s:%d", GiteaHost, GiteaPort)

// StartGitea configures Gitea unattended (sqlite, no frontend assets, an
// admin user) in <WorkDir>/gitea, starts it and waits for its health check.
func StartGitea(ctx context.Context, e Env) (*devenv.Process, error) {
	dir := filepath.Join(e.WorkDir, "gitea")
	conf := filepath.Join(dir, "app.ini")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	bin := filepath.Join(e.BinsDir, "gitea")
	gitea := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true", "GITEA_WORK_DIR="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("gitea %s: %w: %s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return strings.TrimSpace(string(out)), nil
	}
	secretKey, err := gitea("generate", "secret", "SECRET_KEY")
	if err != nil {
		return nil, err
	}
	token, err := gitea("generate", "secret", "INTERNAL_TOKEN")
	if err != nil {
		return nil, err
	}
	ini := fmt.Sprintf(giteaINI, dir, GiteaIP, GiteaPort, GiteaHost, GiteaURL, e.Assets.GiteaStatic, secretKey, token)
	if err := os.WriteFile(conf, []byte(ini), 0o600); err != nil {
		return nil, fmt.Errorf("writing %s: %w", conf, err)
	}
	if _, err := gitea("--config", conf, "--work-path", dir, "migrate"); err != nil {
		return nil, err
	}
	if _, err := gitea("--config", conf, "--work-path", dir, "admin", "user", "create", "--admin",
		"--username", GiteaUser, "--password", GiteaPassword, "--email", "u@example.test",
		"--must-change-password=false"); err != nil {
		return nil, err
	}
	p, err := e.start(devenv.ProcessSpec{Name: "gitea", Path: bin, Args: []string{"--config", conf, "--work-path", dir, "web"}})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return p, devenv.WaitHTTPOK(wctx, GiteaURL+"/api/healthz", p)
}

// giteaINI runs Gitea as root without its web assets (the API, Git over
// HTTP and webhooks do not need them), delivering webhooks at once
// (channel queue) to any address, including the namespace's.
const giteaINI = `APP_NAME = realworld
RUN_USER = root
RUN_MODE = prod
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true
WORK_PATH = %[1]s

[server]
PROTOCOL = http
HTTP_ADDR = %[2]s
HTTP_PORT = %[3]d
DOMAIN = %[4]s
ROOT_URL = %[5]s/
STATIC_ROOT_PATH = %[6]s
APP_DATA_PATH = %[1]s/data
OFFLINE_MODE = true
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false

[database]
DB_TYPE = sqlite3
PATH = %[1]s/data/gitea.db

[repository]
ROOT = %[1]s/repositories
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = %[7]s
INTERNAL_TOKEN = %[8]s

[service]
DISABLE_REGISTRATION = true

[webhook]
ALLOWED_HOST_LIST = *
DELIVER_TIMEOUT = 5

[queue]
TYPE = channel

[log]
MODE = console
LEVEL = Info
ROOT_PATH = %[1]s/log
`

// giteaHTTP never reuses connections: Gitea is local and calls are few.
var giteaHTTP = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// GiteaAPI calls Gitea's REST API as the admin user and decodes the JSON
// answer into out (may be nil); it is an error unless Gitea answers want.
func GiteaAPI(ctx context.Context, method, path string, in any, want int, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, GiteaURL+"/api/v1"+path, &body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(GiteaUser, GiteaPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := giteaHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("gitea API %s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("gitea API %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("gitea API %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("gitea API %s %s: decoding %s: %w", method, path, b, err)
		}
	}
	return nil
}

// CreateGiteaRepo creates u/<name> with a first commit on main and returns
// its clone URL as Fleet and the webhooks' payloads name it.
func CreateGiteaRepo(ctx context.Context, name string) (string, error) {
	var repo struct {
		CloneURL string `json:"clone_url"`
	}
	if err := GiteaAPI(ctx, http.MethodPost, "/user/repos", map[string]any{
		"name": name, "auto_init": true, "default_branch": "main", "readme": "Default",
	}, http.StatusCreated, &repo); err != nil {
		return "", err
	}
	if !strings.HasPrefix(repo.CloneURL, GiteaURL+"/") {
		return "", fmt.Errorf("gitea's clone URL %q is not under %s", repo.CloneURL, GiteaURL)
	}
	return repo.CloneURL, nil
}

// AddGiteaHook adds a push webhook of type gitea to u/<repo> and returns
// its id; contentType is "json" or "form".
func AddGiteaHook(ctx context.Context, repo, target, contentType, secret string) (int64, error) {
	var hook struct{ ID int64 }
	err := GiteaAPI(ctx, http.MethodPost, "/repos/"+GiteaUser+"/"+repo+"/hooks", map[string]any{
		"type": "gitea", "events": []string{"push"}, "active": true,
		"config": map[string]string{"url": target, "content_type": contentType, "secret": secret},
	}, http.StatusCreated, &hook)
	if err == nil && hook.ID == 0 {
		err = fmt.Errorf("gitea created a hook on %s without an id", repo)
	}
	return hook.ID, err
}

// GiteaRemote is u/<repo>'s Git URL with the admin's credentials, for
// clones that push.
func GiteaRemote(repo string) string {
	u, _ := url.Parse(GiteaURL + "/" + GiteaUser + "/" + repo + ".git")
	u.User = url.UserPassword(GiteaUser, GiteaPassword)
	return u.String()
}

// GiteaRepoDir is the bare repository Gitea keeps for u/<repo>.
func GiteaRepoDir(workDir, repo string) string {
	return filepath.Join(workDir, "gitea", "repositories", GiteaUser, repo+".git")
}
