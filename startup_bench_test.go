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
	"acconsole/i18n"
	"acconsole/ui"
)

// BenchmarkStartupFirstFrame measures `go run .` minus compilation: open the
// local cloud over an existing 100 000-device store, connect the client,
// build the console, and render the first frame with the users page
// loaded. Target: under 500 ms. Sub-benchmarks start the console in each
// language it carries (--lang en, --lang zh-CN) over the same store, so
// their numbers compare as a same-run ratio.
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
	for _, lang := range i18n.Langs() {
		b.Run(string(lang), func(b *testing.B) {
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				app, cleanup, err := newConsole(ctx, consoleFlags{lang: string(lang)})
				if err != nil {
					b.Fatal(err)
				}
				firstFrame(b, app)
				b.StopTimer()
				cancel()
				cleanup()
				b.StartTimer()
			}
		})
	}
}

// firstFrame drives the model the way the program does until the users
// page has drawn its rows. Every command runs on its own goroutine and its
// message is handled when it comes, as in the program: a timer simply never
// answers in time, and a slow load on a busy machine is waited for, not
// taken for a timer (the run fails only if no frame comes in a minute).
func firstFrame(b *testing.B, app *ui.App) {
	app.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	msgs, done := make(chan tea.Msg), make(chan struct{})
	defer close(done)
	var start func(cmd tea.Cmd)
	start = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		go func() {
			msg := cmd()
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, c := range batch {
					start(c)
				}
				return
			}
			select {
			case msgs <- msg:
			case <-done: // the frame is drawn and nobody reads any more
			}
		}()
	}
	start(app.Init())
	deadline := time.After(time.Minute)
	for {
		select {
		case msg := <-msgs:
			if msg == nil {
				continue
			}
			if _, ok := msg.(tea.BackgroundColorMsg); ok {
				continue
			}
			_, next := app.Update(msg)
			start(next)
			// The demo users' addresses are data: the rows are drawn,
			// whatever language the page titles are in.
			if strings.Contains(ansi.Strip(app.View().Content), "@example.com") {
				return
			}
		case <-deadline:
			b.Fatalf("no first frame after a minute:\n%s", ansi.Strip(app.View().Content))
		}
	}
}
