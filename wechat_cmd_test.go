package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The secrets' flags are refused, naming both alternatives, before
// anything else happens.
func TestWechatSecretFlagsAreRefused(t *testing.T) {
	for flag, env := range map[string]string{"--app-secret": envWXAppSecret, "--push-secret": envWXPushSecret, "--token": envWXToken} {
		cmd := rootCmd()
		cmd.SetArgs([]string{"wechat", "--emulator", flag, "s3cret-on-the-command-line"})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if err == nil {
			t.Fatalf("%s was accepted", flag)
		}
		for _, want := range []string{flag + " is not accepted", "$" + env, flag + "-file", "chmod 600"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", flag, err, want)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error repeats the secret: %q", flag, err)
		}
	}
}

// A secret file must be a regular file only its owner can read; its
// trailing newline is not part of the secret.
func TestWechatSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // not narrowed by the umask
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "app-secret-1234\n", 0o600)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	f := wechatFlags{appSecretFile: good}
	if err := f.readSecrets(getenv); err != nil || f.appSecret != "app-secret-1234" {
		t.Fatalf("0600 file: %q %v", f.appSecret, err)
	}
	for name, tc := range map[string]struct {
		path string
		want string
	}{
		"group-readable": {write("group", "x\n", 0o640), "mode 0640): run chmod 600 "},
		"world-readable": {write("world", "x\n", 0o644), "mode 0644): run chmod 600 "},
		"empty":          {write("empty", "\n", 0o600), "is empty"},
		"a directory":    {dir, "not a regular file"},
		"missing":        {filepath.Join(dir, "nope"), "no such file"},
	} {
		f := wechatFlags{pushSecretFile: tc.path}
		err := f.readSecrets(getenv)
		if err == nil || !strings.Contains(err.Error(), "--push-secret-file") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming --push-secret-file and saying %q", name, err, tc.want)
		}
	}

	// The environment works alone; with a file too it is ambiguous.
	env[envWXPushSecret] = "push-from-env"
	f = wechatFlags{}
	if err := f.readSecrets(getenv); err != nil || f.pushSecret != "push-from-env" {
		t.Fatalf("from the environment: %q %v", f.pushSecret, err)
	}
	f = wechatFlags{pushSecretFile: good}
	if err := f.readSecrets(getenv); err == nil || !strings.Contains(err.Error(), "use one") {
		t.Fatalf("file and environment both set: %v", err)
	}
}
