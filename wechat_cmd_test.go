package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// The language of what WeChat users read is the deployment's: Chinese
// unless --lang or $ACCONSOLE_WECHAT_LANG says otherwise, never the
// server's locale; a language without a catalog is refused.
func TestWechatLangFlag(t *testing.T) {
	t.Setenv(envWXLang, "")
	t.Setenv("LANG", "en_US.UTF-8")
	if got := wechatCmd().Flags().Lookup("lang").DefValue; got != "zh-CN" {
		t.Fatalf("--lang defaults to %q, want zh-CN", got)
	}
	t.Setenv(envWXLang, "en")
	if got := wechatCmd().Flags().Lookup("lang").DefValue; got != "en" {
		t.Fatalf("with $%s=en --lang defaults to %q", envWXLang, got)
	}

	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	cmd := rootCmd()
	cmd.SetArgs([]string{"wechat", "--emulator", "--lang", "fr"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "--lang") || !strings.Contains(err.Error(), "zh-CN") {
		t.Fatalf("--lang fr: %v, want a refusal naming the known languages", err)
	}
}

// TestWechatLangEnglishEndToEnd runs the local cloud and `acconsole wechat
// --local --emulator --lang en`: a refused scan is explained in English
// and the H5 page is English.
func TestWechatLangEnglishEndToEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	for _, k := range []string{envWXAppSecret, envWXPushSecret, envWXToken, envWXAppID, envWXAccount, envWXLang} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cloudOut := startCommand(t, ctx, []string{"serve", "--demo", "50"})
	waitMatch(t, cloudOut, regexp.MustCompile(`router +http://127\.0\.0\.1:\d+`), "the local cloud")
	out := startCommand(t, ctx, []string{"wechat", "--local", "--emulator", "--sub-domain", "plug", "--lang", "en"})
	control := waitMatch(t, out, regexp.MustCompile(`control +(http://127\.0\.0\.1:\d+/control)/`), "the control URL")[1]
	bridge := waitMatch(t, out, regexp.MustCompile(`data push +POST (http://127\.0\.0\.1:\d+)/push`), "the bridge's URL")[1]
	waitMatch(t, out, regexp.MustCompile(`language +en `), "the language line")

	var devs []struct {
		PhysicalDeviceID string
		Owner            int64
	}
	if err := json.Unmarshal([]byte(curl(t, []string{control + "/devices?sub=plug"}, "")), &devs); err != nil {
		t.Fatal(err)
	}
	pid := ""
	for _, d := range devs {
		if d.Owner == 0 {
			pid = d.PhysicalDeviceID
			break
		}
	}
	if pid == "" {
		t.Fatalf("no free plug in %+v", devs)
	}
	var qr struct{ QR string }
	if err := json.Unmarshal([]byte(curl(t, []string{control + "/qr?device=" + pid + "&sub=plug"}, "")), &qr); err != nil || qr.QR == "" {
		t.Fatalf("qr: %+v %v", qr, err)
	}
	curl(t, []string{"-X", "POST", control + "/scan?openid=o_alice", "--data-binary", qr.QR}, "")
	curl(t, []string{"-X", "POST", control + "/scan?openid=o_carol", "--data-binary", qr.QR}, "")
	var st struct {
		Texts []struct{ ToUser, Content string }
	}
	if err := json.Unmarshal([]byte(curl(t, []string{control + "/state"}, "")), &st); err != nil {
		t.Fatal(err)
	}
	want := "Device " + pid + " is already bound to another user. Ask its owner to share it with you."
	if len(st.Texts) != 1 || st.Texts[0].ToUser != "o_carol" || st.Texts[0].Content != want {
		t.Fatalf("texts %+v, want only %q to o_carol", st.Texts, want)
	}
	page := curl(t, []string{bridge + "/page"}, "")
	if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "<title>Device messages</title>") {
		t.Fatalf("the page is not English:\n%s", page)
	}
}
