package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// crashModel panics where the helper process is told to.
type crashModel struct{ where string }

func (m crashModel) Init() tea.Cmd {
	switch m.where {
	case "init":
		panic("panic-in-init")
	case "cmd":
		return tea.Sequence(tea.Batch(func() tea.Msg { panic("panic-in-cmd") }))
	}
	return nil
}

func (m crashModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.WindowSizeMsg); ok && m.where == "update" {
		panic("panic-in-update")
	}
	return m, nil
}

func (m crashModel) View() tea.View {
	if m.where == "view" {
		panic("panic-in-view")
	}
	return tea.NewView("console")
}

// TestCrashHelperProcess is the console process of TestPanicExitsNonZero:
// it only acts when that test starts it.
func TestCrashHelperProcess(t *testing.T) {
	where := os.Getenv("ACCONSOLE_CRASH_HELPER")
	if where == "" {
		return
	}
	err := runProgram(context.Background(), crashModel{where: where}, os.Getenv("ACCONSOLE_CRASH_LOG"),
		tea.WithInput(nil), tea.WithOutput(os.Stdout), tea.WithWindowSize(80, 24))
	os.Exit(exitCode(err, os.Stderr))
}

// A panic anywhere in the program ends the process with a failure status,
// a message naming the log, and the stack in that log; the terminal's
// cursor is shown again.
func TestPanicExitsNonZeroWithTheStackInTheLog(t *testing.T) {
	for _, where := range []string{"init", "update", "view", "cmd"} {
		t.Run(where, func(t *testing.T) {
			logPath := filepath.Join(t.TempDir(), "state", crashLogName)
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$")
			cmd.Env = append(os.Environ(), "ACCONSOLE_CRASH_HELPER="+where, "ACCONSOLE_CRASH_LOG="+logPath)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v (want status 1)\nstderr: %s", err, stderr.String())
			}
			want := "panic-in-" + where
			if !strings.Contains(stderr.String(), "the console crashed: "+want) || !strings.Contains(stderr.String(), logPath) {
				t.Fatalf("stderr does not say what crashed and where the stack is:\n%s", stderr.String())
			}
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(log), want) || !strings.Contains(string(log), "goroutine ") || !strings.Contains(string(log), "crashModel") {
				t.Fatalf("the log holds no stack of the panic:\n%s", log)
			}
			// The last cursor-visibility sequence written shows the cursor.
			out := stdout.String()
			if show, hide := strings.LastIndex(out, "\x1b[?25h"), strings.LastIndex(out, "\x1b[?25l"); show < 0 || show < hide {
				t.Fatalf("the terminal was left with a hidden cursor: %q", out)
			}
		})
	}
}
