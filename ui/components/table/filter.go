package table

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
)

// SetFilter applies a filter typed by the operator:
//
//	text           rows with a cell containing text, case-insensitive
//	/re/           rows with a cell matching the Go regular expression re,
//	               case-insensitive; ^ and $ anchor at cell boundaries. The
//	               closing slash is optional, so the list follows while the
//	               regex is typed.
//	!text, !/re/   the rows that do not match
//
// Only the cells the table shows count, as the operator sees them (before
// truncation). An empty filter shows every row. A bad regular expression
// returns a *FilterError for the caller to show and leaves the previous
// filter in force.
func (t *Table[T]) SetFilter(q string) error {
	m, err := compileFilter(q)
	if err != nil {
		return err
	}
	screenLine := t.cursor - t.offset
	prev := t.match
	t.filter, t.match = q, m
	if m.narrows(prev) {
		// Typing one more character: only the rows still shown can match.
		t.view = t.filterRows(t.view[:0], t.view)
	} else {
		t.refilter(false)
	}
	t.settle(screenLine)
	return nil
}

// Filter returns the filter in force.
func (t *Table[T]) Filter() string { return t.filter }

// refilter recomputes view from order. keepSet reuses the current view's
// membership: after a sort the same rows match, only their order changed.
func (t *Table[T]) refilter(keepSet bool) {
	hits := t.hits
	switch {
	case keepSet && len(t.view) != len(t.order):
		clear(hits)
		for _, i := range t.view {
			hits[i] = true
		}
	case t.match.kind == matchText || (t.match.kind == matchRegex && t.match.text != ""):
		t.scanText(t.match.text, hits)
		if t.match.kind == matchRegex {
			// The literal found the candidates; the regex decides.
			for i, ok := range hits {
				if ok {
					hits[i] = t.match.re.MatchString(t.rows[i].text)
				}
			}
		}
		if t.match.invert {
			for i := range hits {
				hits[i] = !hits[i]
			}
		}
	default:
		if cap(t.view) < len(t.order) {
			t.view = make([]int32, 0, len(t.order))
		}
		t.view = t.filterRows(t.view[:0], t.order)
		return
	}
	view := t.view[:0]
	if cap(view) < len(t.order) {
		view = make([]int32, 0, len(t.order))
	}
	for _, i := range t.order {
		if hits[i] {
			view = append(view, i)
		}
	}
	t.view = view
}

// scanText marks the rows whose lowercase text contains needle, searching
// the whole block of row texts with strings.Index: the search runs at memory
// speed and skips rows without a candidate, instead of a call per row. A
// match cannot straddle two rows (NUL between them) or two cells ("\n"),
// since compileFilter keeps both out of the needle.
func (t *Table[T]) scanText(needle string, hits []bool) {
	clear(hits)
	s, off := t.lower, t.lowerOff
	pos, row := 0, 0 // pos is always the start of row
	for pos < len(s) {
		k := strings.Index(s[pos:], needle)
		if k < 0 {
			return
		}
		p := uint32(pos + k)
		// Which row holds p: when most rows match it is the row the search
		// started in, otherwise the last row starting at or before p.
		if p >= off[row+1] {
			r, found := slices.BinarySearch(off[row+1:], p)
			if !found {
				r--
			}
			row += 1 + r
		}
		hits[row] = true
		row++
		pos = int(off[row])
	}
}

// filterRows appends the rows of src that match to dst, testing row by row;
// dst may be src[:0].
func (t *Table[T]) filterRows(dst, src []int32) []int32 {
	m := &t.match
	switch m.kind {
	case matchAll:
		return append(dst, src...)
	case matchText:
		for _, i := range src {
			if strings.Contains(t.lowerOf(i), m.text) != m.invert {
				dst = append(dst, i)
			}
		}
	case matchRegex:
		for _, i := range src {
			if m.re.MatchString(t.rows[i].text) != m.invert {
				dst = append(dst, i)
			}
		}
	}
	return dst
}

type matchKind uint8

const (
	matchAll matchKind = iota
	matchText
	matchRegex
)

// matcher is a compiled filter. Plain text is lowercased once here and
// compared with each row's prepared lowercase text, so a keystroke costs one
// substring search per row.
type matcher struct {
	kind   matchKind
	invert bool
	text   string // lowercase needle; for a regex, a literal every match contains
	re     *regexp.Regexp
}

// FilterError is returned for a filter that cannot be applied.
type FilterError struct {
	Filter string
	Err    error
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("filter %q: %v", e.Filter, e.Err)
}

func (e *FilterError) Unwrap() error { return e.Err }

func compileFilter(q string) (matcher, error) {
	var m matcher
	body := q
	if strings.HasPrefix(body, "!") {
		m.invert = true
		body = body[1:]
	}
	if strings.TrimSpace(body) == "" {
		// "" and a lone "!" (the operator is about to type) show every row.
		return matcher{}, nil
	}
	if strings.HasPrefix(body, "/") {
		expr := strings.TrimPrefix(body, "/")
		expr = strings.TrimSuffix(expr, "/")
		if expr == "" {
			return matcher{}, nil
		}
		// (?i): filters are case-insensitive in both modes. (?m): cells are
		// joined by "\n", so ^ and $ anchor at cell boundaries and "." never
		// spans two cells (k9s#2854 is the complaint this answers).
		re, err := regexp.Compile("(?im)" + expr)
		if err != nil {
			return matcher{}, &FilterError{Filter: q, Err: err}
		}
		m.kind, m.re = matchRegex, re
		m.text = requiredLiteral(expr)
		return m, nil
	}
	// Cells hold no control characters, and row texts are separated by
	// "\n" (cells) and NUL (rows): a pasted control character must not let
	// a match straddle two cells or two rows.
	body = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, body)
	m.kind, m.text = matchText, strings.ToLower(body)
	return m, nil
}

// narrows reports whether every row m accepts is also accepted by prev, so
// that m can be applied to prev's result instead of every row: the common
// case of typing one more character.
func (m matcher) narrows(prev matcher) bool {
	return m.kind == matchText && prev.kind == matchText &&
		!m.invert && !prev.invert && strings.Contains(m.text, prev.text)
}

// requiredLiteral returns, lowercased, a literal that every match of the
// regular expression must contain ("" if there is none worth using). A
// regex is evaluated row by row, about a microsecond each; searching the
// literal first over all rows at once leaves the regex only the rows that
// can match, which turns /^dev-1\d+$/ over 100 000 rows from a tenth of a
// second into a few milliseconds.
func requiredLiteral(expr string) string {
	re, err := syntax.Parse("(?im)"+expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	var best []rune
	switch re.Op {
	case syntax.OpLiteral:
		best = re.Rune
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral && len(sub.Rune) > len(best) {
				best = sub.Rune
			}
		}
	}
	if len(best) < 2 {
		return ""
	}
	for _, r := range best {
		if r == 0 || r == '\n' || !foldsLikeLower(r) {
			return ""
		}
	}
	return strings.ToLower(string(best))
}

// foldsLikeLower reports whether every character that case-folds to r also
// lowercases to what r lowercases to. The regex matches case-insensitively
// by folding while the row text was lowercased; for a few characters the two
// differ (the long s "ſ" folds to "s" but stays "ſ" in lowercase), and a
// literal holding one could miss rows the regex would match.
func foldsLikeLower(r rune) bool {
	lr := unicode.ToLower(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if unicode.ToLower(f) != lr {
			return false
		}
	}
	return true
}
