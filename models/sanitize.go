package models

import (
	"strings"
	"unicode/utf8"
)

// Every string that reaches a screen comes from end users (device names, room
// names, nick names, release notes). A terminal interprets escape sequences,
// control characters and bidi overrides inside them, so they are scrubbed once
// at decode time. ansi.Strip is not enough: it keeps \r, \b, NUL, DEL and
// U+202E.

// SanitizeLine cleans a single-line field: escape sequences and control
// characters are removed, and line breaks and tabs become spaces.
func SanitizeLine(s string) string { return sanitize(s, false) }

// SanitizeText cleans a multi-line field (release notes, descriptions): like
// SanitizeLine but "\n" survives (CR LF and lone CR become "\n") and tabs
// become spaces.
func SanitizeText(s string) string { return sanitize(s, true) }

// NeedsSanitizing reports whether s would change; the fast path lets clean
// strings (the vast majority) pass without allocating.
func NeedsSanitizing(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			if multiline && c == '\n' {
				continue
			}
			return true
		}
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func sanitize(s string, multiline bool) string {
	if !NeedsSanitizing(s, multiline) {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: drop the whole sequence it introduces.
			i = skipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x90 || r == 0x9d || r == 0x9e || r == 0x9f || r == 0x98: // C1 DCS, OSC, PM, APC, SOS
			i = skipString(s, i+size)
			continue
		case r == '\r':
			if multiline {
				if i+1 < len(s) && s[i+1] == '\n' {
					i++ // CR LF → LF below
					continue
				}
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\n':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// other C0, DEL and C1 controls: dropped
		case isBidiControl(r):
			// dropped: they reorder what the operator reads
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// skipEscape skips what follows an ESC at position i and returns the index
// after the sequence.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC
		return skipString(s, i+1)
	}
	// Two- or three-byte escapes (ESC ( B, ESC 7, ESC # 8 …): intermediates
	// 0x20–0x2f, then one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// skipCSI skips parameter and intermediate bytes up to and including the
// final byte (0x40–0x7e).
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		i++
		if c >= 0x40 && c <= 0x7e {
			return i
		}
		if c < 0x20 || c > 0x7e {
			return i - 1 // malformed: stop here and let the caller drop it
		}
	}
	return i
}

// skipString skips an OSC/DCS/APC/PM/SOS body up to BEL, ST (ESC \) or C1 ST.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == 0x1b:
			return i // a new escape: let the caller handle it
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // U+009C ST
			return i + 2
		}
		i++
	}
	return i
}
