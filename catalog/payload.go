package catalog

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"acconsole/models"
)

// Encoding and explaining one payload by its layout: what the console's
// command composer and timer editor do with a message.

// Bytes is the slice of b the field covers; ok is false when b is too
// short for it.
func (f Field) Bytes(b []byte) ([]byte, bool) {
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

// Format renders one field's value ("on", "12.5 W", "gang 1+gang 3") from
// the bytes it covers, marking values the layout does not allow. Text is
// sanitised: it comes from a device.
func (f Field) Format(raw []byte) string {
	switch f.Kind {
	case KindID:
		return strings.ToUpper(hex.EncodeToString(raw))
	case KindText:
		return strconv.Quote(models.SanitizeLine(string(raw)))
	case KindBytes:
		if len(raw) == 0 {
			return "(none)"
		}
		return SpacedHex(raw)
	case KindEnum:
		v := readUint(raw)
		if v < uint64(len(f.Enum)) && f.Enum[v] != "" {
			return f.Enum[v]
		}
		return fmt.Sprintf("%d (unknown)", v)
	case KindBits:
		v := readUint(raw)
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
	v := readUint(raw)
	s := strconv.FormatUint(v, 10)
	if f.Decimals > 0 {
		s = strconv.FormatFloat(float64(v)/pow10(f.Decimals), 'f', f.Decimals, 64)
	}
	if f.Unit != "" {
		s += " " + f.Unit
	}
	if f.HasRange() && (int64(v) < f.Min || int64(v) > f.Max) {
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

// Explain puts a payload into words by its layout, naming every field, for
// an operator composing or reading one message: "set power: power on". A
// payload that does not fit the layout is shown as hex with what was
// expected, so an operator sees why a device refused it. (Describe is the
// shorter form for histories.)
func (m Message) Explain(b []byte) string {
	if n := m.Size(); (n >= 0 && len(b) != n) || len(b) < m.MinSize() {
		want := strconv.Itoa(n)
		if n < 0 {
			want = "at least " + strconv.Itoa(m.MinSize())
		}
		return fmt.Sprintf("%s: %s (%d bytes, expected %s)", m.Name, orNone(SpacedHex(b)), len(b), want)
	}
	parts := describeFields(m.Fields, b)
	if len(m.Repeat) > 0 {
		entry := Message{Fields: m.Repeat}.MinSize()
		rest := b[m.MinSize():]
		for entry > 0 && len(rest) >= entry {
			parts = append(parts, "{"+strings.Join(describeFields(m.Repeat, rest[:entry]), ", ")+"}")
			rest = rest[entry:]
		}
		if len(rest) > 0 {
			parts = append(parts, "+"+SpacedHex(rest))
		}
	}
	if len(parts) == 0 {
		return m.Name
	}
	return m.Name + ": " + strings.Join(parts, ", ")
}

func describeFields(fs []Field, b []byte) []string {
	var parts []string
	for _, f := range fs {
		raw, ok := f.Bytes(b)
		if !ok {
			continue
		}
		parts = append(parts, f.Name+" "+f.Format(raw))
	}
	return parts
}

func orNone(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

// SpacedHex is "01 00 5F" (upper case, a space between bytes).
func SpacedHex(b []byte) string {
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

// ParseHex reads hex typed by a person: spaces, colons, dashes and a 0x
// prefix are ignored; an odd number of digits is an error that says so.
func ParseHex(s string) ([]byte, error) {
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

// Set writes a value typed by a person into the field's bytes of b (a
// copy, grown to fit), checking it against the layout: an enum takes a name or number,
// a uint a number in its unit (12.5 for a 0.1 W field), bits a "+"-joined
// list of names or a number, an id 16 hex digits, bytes hex, text ASCII.
func (f Field) Set(b []byte, value string) ([]byte, error) {
	value = strings.TrimSpace(value)
	var raw []byte
	switch f.Kind {
	case KindID:
		v, err := ParseHex(value)
		if err != nil || len(v) != 8 {
			return b, errors.New(f.Name + ": 16 hex digits")
		}
		raw = v
	case KindBytes:
		v, err := ParseHex(value)
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
		n, err := f.number(value)
		if err != nil {
			return b, err
		}
		if f.Size > 0 && f.Size < 8 && n >= 1<<(8*uint(f.Size)) {
			return b, fmt.Errorf("%s: %d does not fit in %s", f.Name, n, plural(f.Size, "byte"))
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

func (f Field) number(value string) (uint64, error) {
	switch f.Kind {
	case KindEnum:
		for i, name := range f.Enum {
			if name != "" && strings.EqualFold(name, value) {
				return uint64(i), nil
			}
		}
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: one of %s", f.Name, f.Choices())
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
				return 0, fmt.Errorf("%s: names joined by + from %s, or none", f.Name, f.Choices())
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
	if f.HasRange() && (int64(n) < f.Min || int64(n) > f.Max) {
		return 0, fmt.Errorf("%s: %d is out of range%s", f.Name, n, rangeText(f))
	}
	return n, nil
}

func rangeText(f Field) string {
	if !f.HasRange() {
		return ""
	}
	s := fmt.Sprintf(" %d–%d", f.Min, f.Max)
	if f.Unit != "" {
		s += " " + f.Unit
	}
	return s
}

// Choices lists an enum's or bit set's names with their numbers: "0 off,
// 1 on, 2 toggle".
func (f Field) Choices() string {
	var out []string
	for i, n := range f.Enum {
		if n != "" {
			out = append(out, fmt.Sprintf("%d %s", i, n))
		}
	}
	return strings.Join(out, ", ")
}

// Step moves the field's value in b one step (an enum to its next name, a
// number by delta within its range), for left/right in a payload form.
func (f Field) Step(b []byte, delta int) ([]byte, bool) {
	if f.Kind == KindID || f.Kind == KindText || f.Kind == KindBytes || f.Size == 0 || f.Size > 4 {
		return b, false
	}
	raw, ok := f.Bytes(b)
	var v int64
	if ok {
		v = int64(readUint(raw))
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
		if f.HasRange() {
			lo, hi = f.Min, f.Max
		}
		v = min(max(v+int64(delta), lo), hi)
	}
	out, err := Field{Offset: f.Offset, Size: f.Size, Kind: KindUint}.Set(b, strconv.FormatInt(v, 10))
	return out, err == nil
}

// Duration reads a time field (Unit "s" or "ms") from the bytes it
// covers; ok is false for a field that does not hold a time.
func (f Field) Duration(raw []byte) (time.Duration, bool) {
	if f.Kind != KindUint {
		return 0, false
	}
	v := time.Duration(readUint(raw))
	switch f.Unit {
	case "s":
		return v * time.Second, true
	case "ms":
		return v * time.Millisecond, true
	}
	return 0, false
}
