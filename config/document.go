package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// This file reads TOML with go-toml and turns the document into tables of
// entries that each know their line, so that whoever gives the keys their
// meaning (decode.go, the SSH team file) can report every problem at
// path:line. go-toml is used because it tells where things are: its
// DecodeError has the position of a syntax error, and its parser gives the
// position of every key; BurntSushi/toml keeps key positions to itself.

// Table is one table of a TOML document: the root (no name), a [header],
// or a table made by dotted keys or an inline table. Tables that hold only
// other tables (the [operator] of [operator.alice]) are not listed.
type Table struct {
	Name    []string
	Line    int
	Entries []Entry
}

// Entry is one key and its value. Value is string, int64, bool or
// []string for what the console's files hold; anything else is go-toml's
// value (float64, a date or time, []any), for the reader to refuse.
type Entry struct {
	Key   string
	Value any
	Line  int
}

// maxDepth bounds how deeply keys may nest (a.b.c is 3): no file read with
// this package goes deeper than 3, and the TOML library takes quadratic time
// on a megabyte of a.a.a.a… .
const maxDepth = 16

// readTables parses data as TOML. A document that is not TOML gets one
// error: the library stops at the first problem, and what follows a syntax
// error would be guesswork. Tables and entries come in the file's order.
func readTables(path string, data []byte) ([]Table, error) {
	// A byte order mark is what some Windows editors start a file with; it
	// is not TOML, but it is not the user's mistake either.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	lines, dup, err := keyLines(path, data)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		// go-toml finds the duplicate too, but the first error in the
		// file is the one to report.
		if e := syntaxError(path, data, err); dup == nil || e.Line < dup.Line {
			return nil, e
		}
	}
	if dup != nil {
		return nil, dup
	}
	root := Table{Line: 1}
	var tables []Table
	collect(&root, &tables, doc, lines)
	// By line, and a table before the tables inside it on the same line.
	slices.SortStableFunc(tables, func(a, b Table) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return len(a.Name) - len(b.Name)
	})
	return append([]Table{root}, tables...), nil
}

// collect fills t with the plain values of m and appends a table for each
// table inside it, recursively.
func collect(t *Table, tables *[]Table, m map[string]any, lines map[string]int) {
	var subs []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, isTable := m[k].(map[string]any); isTable {
			subs = append(subs, k)
			continue
		}
		t.Entries = append(t.Entries, Entry{Key: k, Value: plain(m[k]), Line: lines[pathKey(t.Name, k)]})
	}
	slices.SortStableFunc(t.Entries, func(a, b Entry) int { return a.Line - b.Line })
	for _, k := range subs {
		name := append(slices.Clip(t.Name), k)
		sub := Table{Name: name, Line: lines[pathKey(name[:len(name)-1], k)]}
		collect(&sub, tables, m[k].(map[string]any), lines)
		if len(sub.Entries) > 0 || !hasTable(m[k].(map[string]any)) {
			*tables = append(*tables, sub)
		}
	}
}

func hasTable(m map[string]any) bool {
	for _, v := range m {
		if _, ok := v.(map[string]any); ok {
			return true
		}
	}
	return false
}

// plain gives an array of strings as []string, the one kind of array the
// console's files hold.
func plain(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	strs := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return v
		}
		strs[i] = s
	}
	return strs
}

// kindOf names the TOML type of an entry's value for error messages:
// "a string", "an array holding an integer", ….
func kindOf(v any) string {
	switch v := v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []string:
		return "an array of strings"
	case map[string]any:
		return "a table"
	case []any:
		for _, e := range v {
			if _, ok := e.(map[string]any); !ok {
				return "an array holding " + kindOf(e)
			}
		}
		if len(v) > 0 {
			return "an array of tables ([[…]])"
		}
		return "an array"
	}
	return "a date or time"
}

// pathKey is the key of a dotted path in keyLines' map. The parts are
// quoted so that no two paths share a key.
func pathKey(table []string, key string) string {
	var b strings.Builder
	for _, p := range table {
		fmt.Fprintf(&b, "%q.", p)
	}
	fmt.Fprintf(&b, "%q", key)
	return b.String()
}

// keyLines walks the document with go-toml's parser and returns the line
// where each dotted path (table or key) first appears. It also reports a
// key or [table] defined twice (the first one in the file, as dup), naming
// the line of the first definition: go-toml refuses those too, but without
// saying where the first one is. On a syntax error it returns what it has
// and no error: Unmarshal then reports that error with its position.
func keyLines(path string, data []byte) (lines map[string]int, dup *Error, err error) {
	w := &walker{
		path:     path,
		newlines: newlineOffsets(data),
		lines:    map[string]int{},
		leaves:   map[string]int{},
		headers:  map[string]int{},
		arrays:   map[string]bool{},
	}
	var p unstable.Parser
	p.Reset(data)
	for w.dup == nil && p.NextExpression() {
		if err := w.expression(p.Expression()); err != nil {
			return nil, nil, err
		}
	}
	return w.lines, w.dup, nil
}

type walker struct {
	path     string
	newlines []int
	lines    map[string]int // pathKey → line of first appearance
	table    []string       // the current [table]
	// leaves and headers are where each key = value and [table] was set,
	// for "first set on line N"; arrays are the [[array]] tables, whose
	// keys and sub-tables are set once per element.
	leaves, headers map[string]int
	arrays          map[string]bool
	dup             *Error
}

func (w *walker) duplicate(line int, format string, args ...any) {
	w.dup = &Error{Path: w.path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (w *walker) lineAt(n *unstable.Node) int {
	i, _ := slices.BinarySearch(w.newlines, int(n.Raw.Offset))
	return i + 1
}

func (w *walker) expression(e *unstable.Node) error {
	switch e.Kind {
	case unstable.Table, unstable.ArrayTable:
		name, line, err := w.record(nil, e.Key())
		if err != nil {
			return err
		}
		w.table = name
		k := pathKey(name[:len(name)-1], name[len(name)-1])
		if e.Kind == unstable.ArrayTable {
			w.arrays[k] = true
		} else if first, dup := w.headers[k]; dup && !w.inArray(name) {
			w.duplicate(line, "table [%s] is already defined on line %d", dotted(name), first)
		} else if !dup {
			w.headers[k] = line
		}
	case unstable.KeyValue:
		name, line, err := w.record(w.table, e.Key())
		if err != nil {
			return err
		}
		k := pathKey(name[:len(name)-1], name[len(name)-1])
		if first, dup := w.leaves[k]; dup && !w.inArray(name) {
			where := "at the top level"
			if w.table != nil {
				where = "in [" + dotted(w.table) + "]"
			}
			w.duplicate(line, "duplicate key %q %s (first set on line %d)", dotted(name[len(w.table):]), where, first)
		} else {
			w.leaves[k] = line
		}
		return w.inline(name, e.Value())
	}
	return nil
}

// record notes where each prefix of the key it iterates first appears,
// under table, and returns the whole path and the key's line.
func (w *walker) record(table []string, it unstable.Iterator) (name []string, line int, err error) {
	name = slices.Clip(table)
	for it.Next() {
		n := it.Node()
		line = w.lineAt(n)
		if len(name) == maxDepth {
			return nil, line, &Error{Path: w.path, Line: line, Msg: fmt.Sprintf("keys nest more than %d levels deep", maxDepth)}
		}
		k := pathKey(name, string(n.Data))
		if _, seen := w.lines[k]; !seen {
			w.lines[k] = line
		}
		name = append(name, string(n.Data))
	}
	return name, line, nil
}

// inline records the keys of an inline table value.
func (w *walker) inline(name []string, v *unstable.Node) error {
	if v.Kind != unstable.InlineTable {
		return nil
	}
	for it := v.Children(); it.Next(); {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		sub, _, err := w.record(name, kv.Key())
		if err == nil {
			err = w.inline(sub, kv.Value())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// inArray says name is inside an [[array]] table, where the same keys are
// set once per element.
func (w *walker) inArray(name []string) bool {
	for i := 1; i < len(name); i++ {
		if w.arrays[pathKey(name[:i-1], name[i-1])] {
			return true
		}
	}
	return false
}

func dotted(name []string) string {
	parts := make([]string, len(name))
	for i, p := range name {
		if p != "" && strings.IndexFunc(p, func(r rune) bool { return r > 0x7f || !isBare(byte(r)) }) < 0 {
			parts[i] = p
		} else {
			parts[i] = fmt.Sprintf("%q", p)
		}
	}
	return strings.Join(parts, ".")
}

func newlineOffsets(data []byte) []int {
	var out []int
	for i, c := range data {
		if c == '\n' {
			out = append(out, i)
		}
	}
	return out
}

// syntaxError turns go-toml's error into path:line: message. Where the
// library's words leave the fix to guess (a missing quote, a bare word, a
// Windows path in a basic string), the message says what to write.
func syntaxError(path string, data []byte, err error) *Error {
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return &Error{Path: path, Msg: err.Error()}
	}
	line, col := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	text := lineText(data, line)
	at := ""
	if col >= 1 && col <= len(text) {
		at = text[col-1:]
	}
	switch {
	case strings.HasPrefix(msg, "basic strings cannot have new lines"):
		msg = `unterminated string (missing closing ")`
	case strings.HasPrefix(msg, "literal strings cannot have new lines"):
		msg = `unterminated string (missing closing ')`
	case strings.Contains(msg, "at start of value") && (at == "" || at[0] == '#' || at[0] == '\r'):
		msg = "missing value after '='"
	case strings.Contains(msg, "at start of value") && isLetter(at[0]):
		msg += fmt.Sprintf(" (strings need quotes, like %q)", word(text, col-1))
	case msg == "strings must be quoted": // 10s
		msg += fmt.Sprintf(", like %q", word(text, col-1))
	case strings.HasPrefix(msg, "array is incomplete"):
		msg += " (no closing ']')"
	case strings.HasPrefix(msg, "invalid escape character"):
		msg += ` (write \\ for a backslash, or use a 'literal string')`
	case strings.HasPrefix(msg, "expected newline but got"):
		msg += " (one key = value per line)"
	}
	return &Error{Path: path, Line: line, Msg: msg}
}

// lineText is line n (1-based) of data, or "".
func lineText(data []byte, n int) string {
	for range n - 1 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return ""
		}
		data = data[i+1:]
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	return string(data)
}

// word is the run of bare-key characters in text around index i.
func word(text string, i int) string {
	i = min(max(i, 0), len(text))
	start, end := i, i
	for start > 0 && isBare(text[start-1]) {
		start--
	}
	for end < len(text) && isBare(text[end]) {
		end++
	}
	return text[start:end]
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isBare(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '-'
}
