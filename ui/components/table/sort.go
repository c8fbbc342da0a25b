package table

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// sortKey is a cell prepared for comparing, once per row rather than once
// per comparison: whether it is a number, and its natural-order key.
type sortKey struct {
	key   []byte
	num   float64
	isNum bool
}

// sortOrder rebuilds order: every row index, sorted stably by the sort
// column (ties keep the order the rows were given in).
func (t *Table[T]) sortOrder() {
	n := len(t.rows)
	if cap(t.order) < n {
		t.order = make([]int32, n)
	}
	t.order = t.order[:n]
	for i := range t.order {
		t.order[i] = int32(i)
	}
	if t.sortCol < 0 || n < 2 {
		return
	}
	keys := make([]sortKey, n)
	ends := make([]int, n)
	arena := make([]byte, 0, 16*n) // grows if cells are longer

	for i := range keys {
		s := t.cell(int32(i), t.sortCol)
		keys[i].num, keys[i].isNum = parseNumber(s)
		if !keys[i].isNum {
			arena = appendNaturalKey(arena, s)
		}
		ends[i] = len(arena)
	}
	start := 0
	for i := range keys {
		keys[i].key = arena[start:ends[i]:ends[i]]
		start = ends[i]
	}
	desc := t.sortDesc
	slices.SortStableFunc(t.order, func(a, b int32) int {
		c := compareKeys(&keys[a], &keys[b])
		if desc {
			return -c
		}
		return c
	})
}

// parseNumber accepts cells that are wholly a number ("42", "-70", "3.5"),
// so that numeric columns sort by value, negatives included.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	c := s[0]
	if !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// compareKeys orders numbers by value before text, and text naturally.
func compareKeys(a, b *sortKey) int {
	switch {
	case a.isNum && b.isNum:
		return cmp.Compare(a.num, b.num)
	case a.isNum:
		return -1
	case b.isNum:
		return 1
	}
	return bytes.Compare(a.key, b.key)
}

// appendNaturalKey encodes s so that comparing encodings byte by byte gives
// natural order: case-insensitive, with runs of digits compared by value
// ("dev-9" < "dev-10", firmware "1.9.2" < "1.10.0"). Sorting 100 000 rows
// then costs plain byte comparisons instead of re-parsing both strings in
// every comparison (twice as fast, measured).
//
// Letters are lowercased. A run of digits becomes '0', its length without
// leading zeros, then the digits: '0' sorts against any other character as
// every digit does (no character lies between '0' and '9'), and when both
// sides hold a run at the same place the shorter number sorts first, then
// the digits decide.
func appendNaturalKey(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			run := trimZeros(s[i:j])
			dst = append(dst, '0', byte(min(len(run), 255)))
			dst = append(dst, run...)
			i = j
		case c < utf8.RuneSelf:
			dst = append(dst, lowerASCII(c))
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
			i += size
		}
	}
	return dst
}

// compareNatural compares two strings in natural order.
func compareNatural(a, b string) int {
	return bytes.Compare(appendNaturalKey(nil, a), appendNaturalKey(nil, b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
