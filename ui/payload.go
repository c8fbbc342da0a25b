package ui

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"acconsole/models"
	"acconsole/themes"
)

// Payloads are binary (PROTOCOL §2.2.6). The console reads and writes them
// through layouts written in the notation of the product documentation
// (cloud/sim/PRODUCTS.md): "[0] power u8: 0 off, 1 on, 2 toggle; [1–2] draw
// u16: in 0.1 W". Keeping the documented notation, rather than a Go table,
// lets a test hold the console's layouts against the documentation, so the
// two cannot drift apart unnoticed.

// parseLayout reads a documented layout into fields; "empty" is no field.
// Fields after "then per entry:" describe each entry of a repeated list.
func parseLayout(s string) (fields, repeat []FieldSpec, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "empty" {
		return nil, nil, nil
	}
	into := &fields
	for _, item := range strings.Split(s, "; ") {
		if rest, ok := strings.CutPrefix(item, "then per entry: "); ok {
			into, item = &repeat, rest
		}
		f, err := parseField(item)
		if err != nil {
			return nil, nil, fmt.Errorf("%q: %w", item, err)
		}
		*into = append(*into, f)
	}
	return fields, repeat, nil
}

// parseField reads "[a–b] name type: detail".
func parseField(item string) (FieldSpec, error) {
	var f FieldSpec
	if !strings.HasPrefix(item, "[") {
		return f, errors.New("a field starts with [offset]")
	}
	end := strings.IndexByte(item, ']')
	if end < 0 {
		return f, errors.New("missing ]")
	}
	rng, rest := item[1:end], strings.TrimSpace(item[end+1:])
	toEnd := false
	if a, ok := strings.CutSuffix(rng, "…"); ok {
		rng, toEnd = a, true
	}
	lo, hi, isRange := strings.Cut(rng, "–")
	off, err := strconv.Atoi(lo)
	if err != nil {
		return f, fmt.Errorf("bad offset %q", lo)
	}
	f.Offset, f.Size = off, 1
	if isRange {
		last, err := strconv.Atoi(hi)
		if err != nil || last < off {
			return f, fmt.Errorf("bad range %q", rng)
		}
		f.Size = last - off + 1
	}
	if toEnd {
		f.Size = 0
	}
	head, detail, _ := strings.Cut(rest, ": ")
	f.Kind = KindUint
	switch {
	case strings.HasSuffix(head, " (16 hex digits)"):
		f.Kind, f.Name = KindID, strings.TrimSuffix(head, " (16 hex digits)")
		if f.Size == 1 {
			f.Size = 8
		}
	case strings.HasSuffix(head, " (ASCII)"):
		f.Kind, f.Name = KindText, strings.TrimSuffix(head, " (ASCII)")
	case strings.HasSuffix(head, " bytes"):
		f.Kind, f.Name = KindBytes, strings.TrimSuffix(head, " bytes")
	default:
		f.Name = head
		if i := strings.LastIndexByte(head, ' '); i > 0 {
			if n, ok := uintSizes[head[i+1:]]; ok {
				f.Name = head[:i]
				if !isRange && !toEnd {
					f.Size = n
				} else if f.Size != n {
					return f, fmt.Errorf("%s does not fit [%s]", head[i+1:], rng)
				}
			}
		}
	}
	if detail != "" {
		if err := parseDetail(&f, detail); err != nil {
			return f, err
		}
	}
	return f, nil
}

var uintSizes = map[string]int{"u8": 1, "u16": 2, "u32": 4}

// parseDetail reads what follows the colon: a unit ("in 0.1 W"), a range
// ("1–100 %"), value names ("0 off, 1 on") or bit names ("bit 0 gang 1").
func parseDetail(f *FieldSpec, d string) error {
	if unit, ok := strings.CutPrefix(d, "in "); ok {
		if step, u, ok := strings.Cut(unit, " "); ok && strings.HasPrefix(step, "0.") {
			if _, err := strconv.ParseFloat(step, 64); err == nil {
				f.Decimals = len(step) - 2
				unit = u
			}
		}
		f.Unit = unit
		return nil
	}
	parts := strings.Split(d, ", ")
	if strings.HasPrefix(d, "bit ") {
		f.Kind = KindBits
		for _, p := range parts {
			n, name, err := numbered(strings.TrimPrefix(p, "bit "))
			if err != nil {
				return err
			}
			setName(f, n, name)
		}
		return nil
	}
	if lo, hi, ok := strings.Cut(d, "–"); ok && len(parts) == 1 {
		hiNum, unit, _ := strings.Cut(hi, " ")
		a, err1 := strconv.ParseInt(lo, 10, 64)
		b, err2 := strconv.ParseInt(hiNum, 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad range %q", d)
		}
		f.Min, f.Max, f.HasRange, f.Unit = a, b, true, unit
		return nil
	}
	f.Kind = KindEnum
	for _, p := range parts {
		n, name, err := numbered(p)
		if err != nil {
			return err
		}
		setName(f, n, name)
	}
	return nil
}

func numbered(s string) (int, string, error) {
	num, name, ok := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 || n > 255 {
		return 0, "", fmt.Errorf("expected \"<number> <name>\", got %q", s)
	}
	return n, name, nil
}

func setName(f *FieldSpec, n int, name string) {
	for len(f.Enum) <= n {
		f.Enum = append(f.Enum, "")
	}
	f.Enum[n] = name
}

// layoutSize is the fixed length of a layout, or -1 when it varies.
func layoutSize(fields, repeat []FieldSpec) int {
	if len(repeat) > 0 {
		return -1
	}
	n := 0
	for _, f := range fields {
		if f.Size == 0 {
			return -1
		}
		n = max(n, f.Offset+f.Size)
	}
	return n
}

func layoutMin(fields []FieldSpec) int {
	n := 0
	for _, f := range fields {
		n = max(n, f.Offset+f.Size)
	}
	return n
}

// fieldBytes is the slice of b a field covers; ok is false when b is too
// short for it.
func fieldBytes(f FieldSpec, b []byte) ([]byte, bool) {
	if f.Offset > len(b) {
		return nil, false
	}
	if f.Size == 0 {
		return b[f.Offset:], true
	}
	if f.Offset+f.Size > len(b) {
		return nil, false
	}
	return b[f.Offset : f.Offset+f.Size], true
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// fieldText renders one field's value ("on", "12.5 W", "gang 1+gang 3"),
// marking values the layout does not allow.
func fieldText(f FieldSpec, raw []byte) string {
	switch f.Kind {
	case KindID:
		return strings.ToUpper(hex.EncodeToString(raw))
	case KindText:
		return strconv.Quote(models.SanitizeLine(string(raw)))
	case KindBytes:
		if len(raw) == 0 {
			return "(none)"
		}
		return spacedHex(raw)
	case KindEnum:
		v := beUint(raw)
		if v < uint64(len(f.Enum)) && f.Enum[v] != "" {
			return f.Enum[v]
		}
		return fmt.Sprintf("%d (unknown)", v)
	case KindBits:
		v := beUint(raw)
		var on []string
		for i, name := range f.Enum {
			if name != "" && v&(1<<uint(i)) != 0 {
				on = append(on, name)
			}
		}
		if len(on) == 0 {
			return "none"
		}
		return strings.Join(on, "+")
	}
	v := beUint(raw)
	s := strconv.FormatUint(v, 10)
	if f.Decimals > 0 {
		s = strconv.FormatFloat(float64(v)/pow10(f.Decimals), 'f', f.Decimals, 64)
	}
	if f.Unit != "" {
		s += " " + f.Unit
	}
	if f.HasRange && (int64(v) < f.Min || int64(v) > f.Max) {
		s += fmt.Sprintf(" (out of %d–%d)", f.Min, f.Max)
	}
	return s
}

func pow10(n int) float64 {
	p := 1.0
	for range n {
		p *= 10
	}
	return p
}

// describePayload puts a payload into words by its layout: "set power:
// power on". A payload that does not fit the layout is shown as hex with
// what was expected, so an operator sees why a device refused it.
func describePayload(m MessageSpec, b []byte) string {
	if n := layoutSize(m.Fields, m.Repeat); (n >= 0 && len(b) != n) || len(b) < layoutMin(m.Fields) {
		want := strconv.Itoa(n)
		if n < 0 {
			want = "at least " + strconv.Itoa(layoutMin(m.Fields))
		}
		return fmt.Sprintf("%s: %s (%d bytes, expected %s)", m.Name, orNone(spacedHex(b)), len(b), want)
	}
	parts := describeFields(m.Fields, b)
	if len(m.Repeat) > 0 {
		entry := layoutMin(m.Repeat)
		rest := b[layoutMin(m.Fields):]
		for entry > 0 && len(rest) >= entry {
			parts = append(parts, "{"+strings.Join(describeFields(m.Repeat, rest[:entry]), ", ")+"}")
			rest = rest[entry:]
		}
		if len(rest) > 0 {
			parts = append(parts, "+"+spacedHex(rest))
		}
	}
	if len(parts) == 0 {
		return m.Name
	}
	return m.Name + ": " + strings.Join(parts, ", ")
}

func describeFields(fs []FieldSpec, b []byte) []string {
	var parts []string
	for _, f := range fs {
		raw, ok := fieldBytes(f, b)
		if !ok {
			continue
		}
		parts = append(parts, f.Name+" "+fieldText(f, raw))
	}
	return parts
}

func orNone(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

// spacedHex is "01 00 5F" (upper case, a space between bytes).
func spacedHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// parseHex reads hex typed by a person: spaces, colons, dashes and a 0x
// prefix are ignored; an odd number of digits is an error that says so.
func parseHex(s string) ([]byte, error) {
	var digits []byte
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X'):
			i++
		case isHexDigit(c):
			digits = append(digits, c)
		case c == ' ' || c == ':' || c == '-' || c == ',' || c == '\t':
		default:
			return nil, fmt.Errorf("%q is not a hex digit", rune(c))
		}
	}
	if len(digits)%2 == 1 {
		return nil, fmt.Errorf("odd number of hex digits (%d): each byte is two digits", len(digits))
	}
	out := make([]byte, len(digits)/2)
	_, err := hex.Decode(out, digits)
	return out, err
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// setField writes a value typed by the operator into a field of b (grown
// to fit), checking it against the layout: an enum takes a name or number,
// a uint a number in its unit (12.5 for a 0.1 W field), bits a "+"-joined
// list of names or a number, an id 16 hex digits, bytes hex, text ASCII.
func setField(b []byte, f FieldSpec, value string) ([]byte, error) {
	value = strings.TrimSpace(value)
	var raw []byte
	switch f.Kind {
	case KindID:
		v, err := parseHex(value)
		if err != nil || len(v) != 8 {
			return b, errors.New(f.Name + ": 16 hex digits")
		}
		raw = v
	case KindBytes:
		v, err := parseHex(value)
		if err != nil {
			return b, fmt.Errorf("%s: %w", f.Name, err)
		}
		raw = v
	case KindText:
		for _, r := range value {
			if r > unicode.MaxASCII || r < ' ' {
				return b, errors.New(f.Name + ": ASCII text only")
			}
		}
		raw = []byte(value)
	default:
		n, err := fieldNumber(f, value)
		if err != nil {
			return b, err
		}
		if f.Size > 0 && f.Size < 8 && n >= 1<<(8*uint(f.Size)) {
			return b, fmt.Errorf("%s: %d does not fit in %s", f.Name, n, count(f.Size, "byte"))
		}
		raw = make([]byte, f.Size)
		for i := f.Size - 1; i >= 0; i-- {
			raw[i] = byte(n)
			n >>= 8
		}
	}
	end := f.Offset + len(raw)
	if f.Size == 0 {
		out := append(append([]byte(nil), b[:min(f.Offset, len(b))]...), make([]byte, max(f.Offset-len(b), 0))...)
		return append(out, raw...), nil
	}
	out := append([]byte(nil), b...)
	for len(out) < end {
		out = append(out, 0)
	}
	copy(out[f.Offset:], raw)
	return out, nil
}

func fieldNumber(f FieldSpec, value string) (uint64, error) {
	switch f.Kind {
	case KindEnum:
		for i, name := range f.Enum {
			if name != "" && strings.EqualFold(name, value) {
				return uint64(i), nil
			}
		}
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: one of %s", f.Name, enumChoices(f))
		}
		return n, nil
	case KindBits:
		if n, err := strconv.ParseUint(value, 10, 64); err == nil {
			return n, nil
		}
		var n uint64
		for _, part := range strings.FieldsFunc(value, func(r rune) bool { return r == '+' || r == ',' }) {
			found := false
			for i, name := range f.Enum {
				if name != "" && strings.EqualFold(name, strings.TrimSpace(part)) {
					n |= 1 << uint(i)
					found = true
				}
			}
			if !found && !strings.EqualFold(strings.TrimSpace(part), "none") {
				return 0, fmt.Errorf("%s: names joined by + from %s, or none", f.Name, enumChoices(f))
			}
		}
		return n, nil
	}
	value = strings.TrimSpace(strings.TrimSuffix(value, f.Unit))
	if f.Decimals > 0 {
		x, err := strconv.ParseFloat(value, 64)
		if err != nil || x < 0 {
			return 0, fmt.Errorf("%s: a number in %s", f.Name, f.Unit)
		}
		return uint64(x*pow10(f.Decimals) + 0.5), nil
	}
	n, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: a whole number%s", f.Name, rangeText(f))
	}
	if f.HasRange && (int64(n) < f.Min || int64(n) > f.Max) {
		return 0, fmt.Errorf("%s: %d is out of range%s", f.Name, n, rangeText(f))
	}
	return n, nil
}

func rangeText(f FieldSpec) string {
	if !f.HasRange {
		return ""
	}
	s := fmt.Sprintf(" %d–%d", f.Min, f.Max)
	if f.Unit != "" {
		s += " " + f.Unit
	}
	return s
}

func enumChoices(f FieldSpec) string {
	var out []string
	for i, n := range f.Enum {
		if n != "" {
			out = append(out, fmt.Sprintf("%d %s", i, n))
		}
	}
	return strings.Join(out, ", ")
}

// stepField moves a field's value one step (an enum to its next name, a
// number by one within its range), for left/right in a payload form.
func stepField(b []byte, f FieldSpec, delta int) ([]byte, bool) {
	if f.Kind == KindID || f.Kind == KindText || f.Kind == KindBytes || f.Size == 0 || f.Size > 4 {
		return b, false
	}
	raw, ok := fieldBytes(f, b)
	var v int64
	if ok {
		v = int64(beUint(raw))
	}
	lo, hi := int64(0), int64(1)<<(8*uint(f.Size))-1
	switch {
	case f.Kind == KindEnum:
		hi = int64(len(f.Enum) - 1)
		for next := v + int64(delta); next >= 0 && next <= hi; next += int64(delta) {
			if f.Enum[next] != "" {
				v = next
				break
			}
		}
	default:
		if f.HasRange {
			lo, hi = f.Min, f.Max
		}
		v = min(max(v+int64(delta), lo), hi)
	}
	out, err := setField(b, FieldSpec{Offset: f.Offset, Size: f.Size, Kind: KindUint}, strconv.FormatInt(v, 10))
	return out, err == nil
}

// payloadField draws a hex payload field; an empty one shows the
// product's documented example, faint and marked "e.g.", as a placeholder
// (typing replaces it; it is never sent).
func payloadField(e *lineEdit, focused bool, w int, s *themes.Styles, example []byte) string {
	if len(e.g) > 0 || len(example) == 0 {
		return e.view(focused, w, s.Selected)
	}
	cur := ""
	if focused {
		cur = s.Selected.Render(" ")
	}
	return cur + s.Faint.Render(clipText("e.g. "+spacedHex(example), max(w-1, 1)))
}
