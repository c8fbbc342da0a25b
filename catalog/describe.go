package catalog

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Describe puts a command, reply or report of a product into the short
// words of device histories and logs (values without field names where
// they speak for themselves; Explain names every field), e.g.
// Describe("plug", 102, []byte{1, 0, 125, 0, 0, 4, 210}) is
// "state: on, 12.5 W, 1234 Wh". Codes 65–199 that are not replies are read
// as commands. It never fails: an unknown product or code, or a payload
// that does not fit the layout, is shown as hex with a note.
func Describe(subDomain string, code int, payload []byte) string {
	p, ok := products[subDomain]
	if !ok {
		return rawWords(fmt.Sprintf("code %d", code), payload)
	}
	m := p.Message(code, Report)
	if m == nil {
		m = p.Message(code, Reply)
	}
	if m == nil {
		m = p.Message(code, Command)
	}
	if m == nil {
		return rawWords(fmt.Sprintf("code %d", code), payload)
	}
	return describeMsg(p, m, payload)
}

func describeMsg(p *Product, m *Message, b []byte) string {
	if n := m.Size(); (n >= 0 && len(b) != n) || len(b) < m.MinSize() {
		want := strconv.Itoa(n)
		if n < 0 {
			want = "at least " + strconv.Itoa(m.MinSize())
		}
		return rawWords(m.Name, b) + " (expected " + want + " bytes)"
	}
	var parts []string
	switch {
	case m.Code == CodeError && m.Dir == Reply:
		parts = []string{enumName(reasonNames, int(b[0]))}
		cmd := "command " + strconv.Itoa(int(b[1]))
		if c := p.Message(int(b[1]), Command); c != nil {
			cmd += " " + c.Name
		}
		parts = append(parts, "to "+cmd)
	case m.Code == CodeState && p.Type == TypeSwitch, m.Code == CodeStateChanged && p.Type == TypeSwitch:
		parts = describeSwitch(b)
	case p.Gateway && (m.Code == CodeForward || m.Code == CodeForwarded):
		parts = describeForward(m, b)
	case len(m.Repeat) > 0:
		parts = describeList(m, b)
	default:
		for _, f := range m.Fields {
			if s := describeField(f, b); s != "" {
				parts = append(parts, s)
			}
		}
	}
	if len(parts) == 0 {
		return m.Name
	}
	return m.Name + ": " + strings.Join(parts, ", ")
}

func describeField(f Field, b []byte) string {
	if f.Offset > len(b) {
		return ""
	}
	end := len(b)
	if f.Size > 0 {
		end = f.Offset + f.Size
		if end > len(b) {
			return ""
		}
	}
	raw := b[f.Offset:end]
	switch f.Kind {
	case KindEnum:
		return enumName(f.Enum, int(readUint(raw)))
	case KindID:
		return strings.ToUpper(hex.EncodeToString(raw))
	case KindText:
		return f.Name + " " + printable(raw)
	case KindBytes:
		if len(raw) == 0 {
			return "no " + f.Name
		}
		return f.Name + " " + hexWords(raw)
	case KindBits:
		var on []string
		for i, n := range f.Enum {
			if raw[0]&(1<<i) != 0 {
				on = append(on, n)
			}
		}
		if len(on) == 0 {
			return "none " + f.Name
		}
		return strings.Join(on, " ") + " " + f.Name
	}
	v := formatScaled(readUint(raw), f.Decimals)
	if f.Unit != "" {
		v += " " + f.Unit
	}
	if f.Terse {
		return v
	}
	return f.Name + " " + v
}

func describeSwitch(b []byte) []string {
	n := int(b[0])
	parts := []string{strconv.Itoa(n) + " gang"}
	if n != 1 {
		parts[0] += "s"
	}
	for i := 0; i < n && i < 3; i++ {
		s := "gang " + strconv.Itoa(i+1) + " off"
		if b[1]&(1<<i) != 0 {
			s = "gang " + strconv.Itoa(i+1) + " on"
		}
		parts = append(parts, s)
	}
	return parts
}

func describeList(m *Message, b []byte) []string {
	head := m.MinSize()
	entry := 0
	for _, f := range m.Repeat {
		entry = max(entry, f.Offset+f.Size)
	}
	count := int(b[0])
	parts := []string{strconv.Itoa(count) + " sub-devices"}
	rest := b[head:]
	if len(rest) != count*entry {
		return append(parts, fmt.Sprintf("(list has %d bytes, expected %d)", len(rest), count*entry))
	}
	for i := 0; i < count; i++ {
		e := rest[i*entry : (i+1)*entry]
		var words []string
		for _, f := range m.Repeat {
			words = append(words, describeField(f, e))
		}
		parts = append(parts, strings.Join(words, " "))
	}
	return parts
}

func describeForward(m *Message, b []byte) []string {
	id := strings.ToUpper(hex.EncodeToString(b[:8]))
	code := int(b[8])
	rest := b[9:]
	to := "to "
	if m.Code == CodeForwarded {
		to = "from "
	}
	parts := []string{to + id, "code " + strconv.Itoa(code)}
	// The sub-device's product is not in the payload; the code alone names
	// the message when every sub-device product agrees on it.
	if name := subCodeName(code, m.Code == CodeForwarded); name != "" {
		parts[1] += " " + name
	}
	if len(rest) > 0 {
		parts = append(parts, hexWords(rest))
	}
	return parts
}

func subCodeName(code int, reply bool) string {
	dir := Command
	if reply {
		dir = Reply
	}
	name := ""
	for _, p := range table {
		if !p.SubDevice {
			continue
		}
		m := p.Message(code, dir)
		if m == nil {
			continue
		}
		if name != "" && name != m.Name {
			return ""
		}
		name = m.Name
	}
	return name
}

func enumName(names []string, v int) string {
	if v >= 0 && v < len(names) && names[v] != "" {
		return names[v]
	}
	return "unknown (" + strconv.Itoa(v) + ")"
}

func readUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func formatScaled(v uint64, decimals int) string {
	if decimals <= 0 {
		return strconv.FormatUint(v, 10)
	}
	div := uint64(1)
	for i := 0; i < decimals; i++ {
		div *= 10
	}
	return fmt.Sprintf("%d.%0*d", v/div, decimals, v%div)
}

const maxHexWords = 32

func hexWords(b []byte) string {
	n := len(b)
	more := ""
	if n > maxHexWords {
		b, more = b[:maxHexWords], "…"
	}
	return strings.ToUpper(hex.EncodeToString(b)) + more + " (" + plural(n, "byte") + ")"
}

func rawWords(name string, b []byte) string {
	if len(b) == 0 {
		return name + ": empty"
	}
	return name + ": " + hexWords(b)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// printable keeps the text of a payload readable and harmless on a
// terminal: anything but printable ASCII becomes '?'.
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// Validate checks a command payload against its layout: 0 when it fits,
// else the error reason.
func Validate(m Message, b []byte) byte {
	if n := m.Size(); (n >= 0 && len(b) != n) || len(b) < m.MinSize() {
		return ReasonBadLength
	}
	for _, f := range m.Fields {
		if f.Kind != KindUint && f.Kind != KindEnum {
			continue
		}
		if f.Min == 0 && f.Max == 0 {
			continue
		}
		v := int64(readUint(b[f.Offset : f.Offset+f.Size]))
		if v < f.Min || v > f.Max {
			return ReasonOutOfRange
		}
	}
	return 0
}
