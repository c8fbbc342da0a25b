package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// crashLogName is the console's log in the state directory; a crash
// appends its stack there.
const crashLogName = "console.log"

// runProgram runs the console's Bubble Tea program so that a panic never
// looks like success: a panic in Init, Update, View or a command is caught,
// the program quits (which restores the terminal), the stack is appended to
// logPath and the returned error says where it is. A panic that escapes
// the guard (Bubble Tea's own recovery restores the terminal and prints it)
// is an error too.
func runProgram(ctx context.Context, m tea.Model, logPath string, opts ...tea.ProgramOption) error {
	g := &crashGuard{inner: m, c: &crash{}}
	p := tea.NewProgram(g, opts...)
	g.c.quit = p.Quit
	_, err := p.Run()
	if v, stack, ok := g.c.report(); ok {
		return crashError(v, stack, logPath)
	}
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		return fmt.Errorf("the console crashed (the stack is printed above): %w", err)
	case errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled):
		return nil
	}
	return err
}

// crashError writes the panic and its stack to the log and names it.
func crashError(v any, stack []byte, logPath string) error {
	msg := fmt.Sprintf("%v", v)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err == nil {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%s acconsole %s crashed: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), version, msg, stack)
			cerr := f.Close()
			if werr == nil && cerr == nil {
				return fmt.Errorf("the console crashed: %s\nthe stack is in %s (please attach it to a bug report)", msg, logPath)
			}
		}
	}
	// The log cannot be written: the stack goes to the error itself.
	return fmt.Errorf("the console crashed: %s\n%s", msg, stack)
}

// crash holds the first panic the guard caught.
type crash struct {
	mu    sync.Mutex
	v     any
	stack []byte
	seen  bool
	quit  func()
}

func (c *crash) record(v any) {
	stack := debug.Stack()
	c.mu.Lock()
	first := !c.seen
	if first {
		c.v, c.stack, c.seen = v, stack, true
	}
	quit := c.quit
	c.mu.Unlock()
	if first && quit != nil {
		// From View or a command goroutine there is no command to return:
		// ask the program to quit (Quit only sends a message).
		go quit()
	}
}

func (c *crash) report() (any, []byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v, c.stack, c.seen
}

func (c *crash) crashed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// crashGuard wraps the console's root model; after a panic it draws
// nothing and quits.
type crashGuard struct {
	inner tea.Model
	c     *crash
}

func (g *crashGuard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.c.record(r)
			cmd = tea.Quit
		}
	}()
	return g.wrap(g.inner.Init())
}

func (g *crashGuard) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	if g.c.crashed() {
		return g, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			g.c.record(r)
			m, cmd = g, tea.Quit
		}
	}()
	next, cmd := g.inner.Update(msg)
	g.inner = next
	return g, g.wrap(cmd)
}

func (g *crashGuard) View() (v tea.View) {
	if g.c.crashed() {
		return tea.NewView("")
	}
	defer func() {
		if r := recover(); r != nil {
			g.c.record(r)
			v = tea.NewView("")
		}
	}()
	return g.inner.View()
}

// wrap makes a command record its panic instead of crashing its goroutine.
// Batches and sequences carry more commands in their message: those are
// wrapped too.
func (g *crashGuard) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				g.c.record(r)
				msg = nil
			}
		}()
		return g.wrapMsg(cmd())
	}
}

var cmdType = reflect.TypeFor[tea.Cmd]()

func (g *crashGuard) wrapMsg(msg tea.Msg) tea.Msg {
	if msg == nil {
		return nil
	}
	// tea.BatchMsg and Bubble Tea's unexported sequence message are both
	// slices of commands.
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
		return msg
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for i := range v.Len() {
		c, _ := v.Index(i).Interface().(tea.Cmd)
		out.Index(i).Set(reflect.ValueOf(g.wrap(c)))
	}
	return out.Interface()
}
