package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/cloud"
	"acconsole/ui"
)

// BenchmarkStartupFirstFrame measures `go run .` minus compilation: open the
// local cloud over an existing 100 000-device store, connect the client,
// build the console, and render the first frame with the users page
// loaded. Target: under 500 ms.
func BenchmarkStartupFirstFrame(b *testing.B) {
	dir := b.TempDir()
	b.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	b.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	b.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	b.Setenv("ACCONSOLE_CONFIG", "")
	seedStart := time.Now()
	srv, err := cloud.Open(context.Background(), cloud.Options{DataDir: dataDir(), Demo: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	srv.Close()
	b.Logf("seeded 100 000 devices in %v", time.Since(seedStart))
	b.ResetTimer()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		app, cleanup, err := newConsole(ctx, consoleFlags{})
		if err != nil {
			b.Fatal(err)
		}
		firstFrame(b, app)
		b.StopTimer()
		cancel()
		cleanup()
		b.StartTimer()
	}
}

// firstFrame drives the model the way the program does until the users
// page has drawn its rows.
func firstFrame(b *testing.B, app *ui.App) {
	app.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	pending := []tea.Cmd{app.Init()}
	for len(pending) > 0 {
		cmd := pending[0]
		pending = pending[1:]
		if cmd == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- cmd() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(2 * time.Second):
			continue // a timer, not a load
		}
		if batch, ok := msg.(tea.BatchMsg); ok {
			pending = append(pending, batch...)
			continue
		}
		if msg == nil {
			continue
		}
		if _, ok := msg.(tea.BackgroundColorMsg); ok {
			continue
		}
		_, next := app.Update(msg)
		pending = append(pending, next)
		if strings.Contains(ansi.Strip(app.View().Content), "users 1–") {
			return
		}
	}
	b.Fatalf("no first frame:\n%s", ansi.Strip(app.View().Content))
}
