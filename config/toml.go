package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads the TOML subset the console needs: comments, bare and
// quoted keys, basic and literal strings, decimal integers, booleans, arrays
// of strings (which may span lines) and [table] headers. Anything else that
// TOML allows (floats, dates, inline tables, multi-line strings, dotted keys)
// gets an error naming the construct, so a user who copies TOML from
// elsewhere learns what to change rather than meeting a vague syntax error.
// It only produces tables of key/value pairs with line numbers; what the keys
// mean is decode.go's business.

type kind int

const (
	kString kind = iota
	kInt
	kBool
	kArray
)

func (k kind) String() string {
	return [...]string{"a string", "an integer", "a boolean", "an array"}[k]
}

type value struct {
	kind kind
	str  string
	num  int64
	b    bool
	arr  []string
}

type keyVal struct {
	key  string
	val  value
	line int
}

// table is one [header] and the pairs under it; the root table has no name.
type table struct {
	name    []string
	line    int
	entries []keyVal
	// broken marks a header that did not parse; its pairs are dropped so
	// one typo does not also produce an "unknown key" for every line under it.
	broken bool
}

type lineErr struct {
	line int
	msg  string
}

// maxSyntaxErrors stops a file that is not TOML at all (a binary, a YAML
// file) from producing a wall of errors; the first few are what helps.
const maxSyntaxErrors = 10

type scanner struct {
	src  []byte
	pos  int
	line int
	errs []lineErr
}

// syntaxError aborts the current statement; statement records it and
// skips to the next line.
type syntaxError lineErr

// fail unwinds to statement by panicking with a syntaxError, which keeps
// the small recursive readers below free of error plumbing (encoding/json
// once did the same). No other panic is recovered.
func (s *scanner) fail(line int, format string, args ...any) {
	panic(syntaxError{line, fmt.Sprintf(format, args...)})
}

// parseDoc splits src into tables, recording syntax errors and carrying on
// at the next line so that one run reports several.
func parseDoc(src []byte) ([]*table, []lineErr) {
	if !utf8.Valid(src) {
		bad := 0
		for bad < len(src) {
			r, n := utf8.DecodeRune(src[bad:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			bad += n
		}
		return nil, []lineErr{{1 + bytes.Count(src[:bad], []byte("\n")), "file is not valid UTF-8"}}
	}
	s := &scanner{src: bytes.TrimPrefix(src, []byte("\uFEFF")), line: 1}
	root := &table{line: 1}
	tables := []*table{root}
	cur := root
	for {
		s.skipBlank()
		if s.pos >= len(s.src) {
			break
		}
		if len(s.errs) >= maxSyntaxErrors {
			s.errs = append(s.errs, lineErr{s.line, "too many errors; stopping here"})
			break
		}
		if t := s.statement(cur); t != nil {
			tables = append(tables, t)
			cur = t
		}
	}
	return tables, s.errs
}

// statement reads one header or key/value line. It returns the new table for
// a header, nil otherwise.
func (s *scanner) statement(cur *table) (next *table) {
	line, isHeader := s.line, s.src[s.pos] == '['
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			s.errs = append(s.errs, lineErr(e))
			s.skipLine()
			if isHeader {
				// A header that failed still starts a new section; keep
				// its pairs out of the previous table.
				next = &table{line: line, broken: true}
			}
		}
	}()
	if isHeader {
		t := s.header()
		s.endOfLine()
		return t
	}
	key := s.key()
	if len(key) > 1 {
		s.fail(line, "dotted key %q is not supported; put the key under a [table] header", strings.Join(key, "."))
	}
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != '=' {
		s.fail(line, "expected '=' after key %q, found %s", key[0], describe(s.src[s.pos:]))
	}
	s.pos++
	s.skipSpace()
	v := s.value(line)
	s.endOfLine()
	if !cur.broken {
		cur.entries = append(cur.entries, keyVal{key[0], v, line})
	}
	return nil
}

func (s *scanner) header() *table {
	line := s.line
	s.pos++ // '['
	if s.pos < len(s.src) && s.src[s.pos] == '[' {
		s.fail(line, "arrays of tables ([[…]]) are not supported")
	}
	s.skipSpace()
	name := s.key()
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != ']' {
		s.fail(line, "expected ']' to close the table header")
	}
	s.pos++
	return &table{name: name, line: line}
}

// key reads a possibly dotted key of bare or quoted parts.
func (s *scanner) key() []string {
	var parts []string
	for {
		s.skipSpace()
		line := s.line
		if s.pos >= len(s.src) {
			s.fail(line, "expected a key")
		}
		switch c := s.src[s.pos]; {
		case c == '"' || c == '\'':
			str := s.quoted(line)
			parts = append(parts, str)
		case isBare(c):
			start := s.pos
			for s.pos < len(s.src) && isBare(s.src[s.pos]) {
				s.pos++
			}
			parts = append(parts, string(s.src[start:s.pos]))
		default:
			s.fail(line, "expected a key, found %s", describe(s.src[s.pos:]))
		}
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '.' {
			return parts
		}
		s.pos++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (s *scanner) value(line int) value {
	if s.pos >= len(s.src) || s.src[s.pos] == '\n' || s.src[s.pos] == '#' {
		s.fail(line, "missing value after '='")
	}
	switch c := s.src[s.pos]; c {
	case '"', '\'':
		return value{kind: kString, str: s.quoted(line)}
	case '[':
		return s.array(line)
	case '{':
		s.fail(line, "inline tables ({…}) are not supported; use a [table] header")
	}
	start := s.pos
	for s.pos < len(s.src) && !strings.ContainsRune(" \t\r\n#,]", rune(s.src[s.pos])) {
		s.pos++
	}
	word := string(s.src[start:s.pos])
	switch {
	case word == "true" || word == "false":
		return value{kind: kBool, b: word == "true"}
	case isDecimal(word):
		n, err := strconv.ParseInt(strings.ReplaceAll(word, "_", ""), 10, 64)
		if err != nil {
			s.fail(line, "integer %s is out of range", word)
		}
		return value{kind: kInt, num: n}
	case strings.HasPrefix(word, "0x") || strings.HasPrefix(word, "0o") || strings.HasPrefix(word, "0b"):
		s.fail(line, "only decimal integers are supported, not %s", word)
	case looksLikeFloatOrDate(word):
		s.fail(line, "%s: floats, dates and times are not supported (write a duration as a string, like \"5s\")", word)
	case word == "":
		s.fail(line, "expected a value, found %s", describe(s.src[s.pos:]))
	}
	s.fail(line, "invalid value %s (strings need quotes, like %q)", word, word)
	return value{}
}

// isDecimal follows TOML: an optional sign, no leading zeros, and
// underscores only between digits.
func isDecimal(w string) bool {
	if w != "" && (w[0] == '+' || w[0] == '-') {
		w = w[1:]
	}
	if len(w) > 1 && w[0] == '0' {
		return false
	}
	prevDigit := false
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			prevDigit = true
		case c == '_' && prevDigit && i+1 < len(w):
			prevDigit = false
		default:
			return false
		}
	}
	return prevDigit
}

func looksLikeFloatOrDate(w string) bool {
	w = strings.TrimLeft(w, "+-")
	if w == "inf" || w == "nan" {
		return true
	}
	return w != "" && w[0] >= '0' && w[0] <= '9' && strings.ContainsAny(w, ".eE:-")
}

// array reads strings only: every list in the console's config is one of
// names, keys or URLs, and a clear type error beats a mixed-type surprise.
func (s *scanner) array(line int) value {
	s.pos++ // '['
	v := value{kind: kArray, arr: []string{}}
	for {
		s.skipBlank()
		if s.pos >= len(s.src) {
			s.fail(line, "unterminated array (no closing ']')")
		}
		if s.src[s.pos] == ']' {
			s.pos++
			return v
		}
		elemLine := s.line
		if c := s.src[s.pos]; c != '"' && c != '\'' {
			s.fail(elemLine, "arrays may hold only strings, found %s", describe(s.src[s.pos:]))
		}
		v.arr = append(v.arr, s.quoted(elemLine))
		s.skipBlank()
		if s.pos >= len(s.src) {
			s.fail(line, "unterminated array (no closing ']')")
		}
		switch s.src[s.pos] {
		case ',':
			s.pos++
		case ']':
		default:
			s.fail(s.line, "expected ',' or ']' in array, found %s", describe(s.src[s.pos:]))
		}
	}
}

// quoted reads a basic ("…") or literal ('…') string on one line.
func (s *scanner) quoted(line int) string {
	q := s.src[s.pos]
	if bytes.HasPrefix(s.src[s.pos:], []byte{q, q, q}) {
		s.fail(line, "multi-line strings (%s) are not supported", strings.Repeat(string(q), 3))
	}
	s.pos++
	var b strings.Builder
	for {
		if s.pos >= len(s.src) || s.src[s.pos] == '\n' {
			s.fail(line, "unterminated string (missing closing %c)", q)
		}
		c := s.src[s.pos]
		switch {
		case c == q:
			s.pos++
			return b.String()
		case c == '\\' && q == '"':
			s.escape(line, &b)
			continue
		case c < 0x20 && c != '\t' || c == 0x7f:
			// TOML forbids raw control characters in strings; they are
			// invisible in an editor and could drive the terminal.
			s.fail(line, "control character %U in string; use an escape like \\u001b", rune(c))
		}
		b.WriteByte(c)
		s.pos++
	}
}

func (s *scanner) escape(line int, b *strings.Builder) {
	s.pos++ // '\\'
	if s.pos >= len(s.src) || s.src[s.pos] == '\n' {
		s.fail(line, "unterminated string (missing closing \")")
	}
	c := s.src[s.pos]
	s.pos++
	n := 0
	switch c {
	case '"', '\\':
		b.WriteByte(c)
		return
	case 'n':
		b.WriteByte('\n')
		return
	case 't':
		b.WriteByte('\t')
		return
	case 'r':
		b.WriteByte('\r')
		return
	case 'b':
		b.WriteByte('\b')
		return
	case 'f':
		b.WriteByte('\f')
		return
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		r, _ := utf8.DecodeRune(s.src[s.pos-1:])
		s.fail(line, "invalid escape \\%c in string (write \\\\ for a backslash, or use a 'literal string')", r)
	}
	if s.pos+n > len(s.src) {
		s.fail(line, "escape \\%c needs %d hex digits", c, n)
	}
	hex := string(s.src[s.pos : s.pos+n])
	r, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		s.fail(line, "escape \\%c needs %d hex digits, got %q", c, n, hex)
	}
	if !utf8.ValidRune(rune(r)) {
		s.fail(line, "escape \\%c%s is not a Unicode scalar value", c, hex)
	}
	s.pos += n
	b.WriteRune(rune(r))
}

// endOfLine accepts trailing spaces and a comment, then a newline or EOF.
func (s *scanner) endOfLine() {
	s.skipSpace()
	if s.pos < len(s.src) && s.src[s.pos] == '#' {
		s.skipComment()
	}
	if s.pos < len(s.src) && s.src[s.pos] != '\n' {
		s.fail(s.line, "unexpected %s after the value (one key = value per line)", describe(s.src[s.pos:]))
	}
}

// skipSpace skips blanks within a line; a CR is allowed only as part of CRLF.
func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if c == ' ' || c == '\t' || c == '\r' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n' {
			s.pos++
			continue
		}
		return
	}
}

func (s *scanner) skipComment() {
	for s.pos < len(s.src) && s.src[s.pos] != '\n' {
		s.pos++
	}
}

// skipBlank skips blanks, comments and newlines.
func (s *scanner) skipBlank() {
	for {
		s.skipSpace()
		if s.pos >= len(s.src) {
			return
		}
		switch s.src[s.pos] {
		case '#':
			s.skipComment()
		case '\n':
			s.pos++
			s.line++
		default:
			return
		}
	}
}

// skipLine drops the rest of the current line after an error.
func (s *scanner) skipLine() {
	s.skipComment()
}

// describe names what was found for an error message, quoted so that an
// invisible or odd character is visible.
func describe(rest []byte) string {
	if len(rest) == 0 {
		return "end of file"
	}
	if rest[0] == '\n' {
		return "end of line"
	}
	r, _ := utf8.DecodeRune(rest)
	return strconv.QuoteRune(r)
}
