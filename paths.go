package main

import (
	"os"
	"path/filepath"
)

// XDG base directories (ARCHITECTURE: config, data, and state for logs and
// audit), each with an "acconsole" folder.
func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "acconsole")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, fallback, "acconsole")
}

func configDir() string { return xdgDir("XDG_CONFIG_HOME", ".config") }
func dataDir() string   { return xdgDir("XDG_DATA_HOME", ".local/share") }
func stateDir() string  { return xdgDir("XDG_STATE_HOME", ".local/state") }
