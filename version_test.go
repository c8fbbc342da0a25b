package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLineFromBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{
		Main: debug.Module{Path: "acconsole", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T09:30:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	want := "acconsole v1.4.0, commit 0123456789ab (modified), built 2026-12-01T09:30:00Z"
	if got := versionLine(info, true); got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	if got := versionLine(nil, false); got != "acconsole dev, commit unknown, built unknown" {
		t.Errorf("without build info: %q", got)
	}
}

func TestVersionFlagAndCommandAgree(t *testing.T) {
	var out1, out2 bytes.Buffer
	for _, c := range []struct {
		args []string
		out  *bytes.Buffer
	}{{[]string{"--version"}, &out1}, {[]string{"version"}, &out2}} {
		root := rootCmd()
		root.SetOut(c.out)
		root.SetArgs(c.args)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
	}
	if !strings.HasPrefix(out1.String(), "acconsole ") || !strings.Contains(out1.String(), ", commit ") || out1.String() != out2.String() {
		t.Errorf("--version %q, version %q", out1.String(), out2.String())
	}
}
