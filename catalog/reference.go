package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// The product reference (PRODUCTS.md and the package comment in doc.go) is
// rendered from the products table by reference, and a test checks both
// files against it, so that the documentation cannot drift from what the
// devices do and the console sends. Regenerate with:
// go test ./catalog -run TestReference -update

// referenceIntro is shared by both renderings; paragraphs are separated by
// blank lines, and lines starting with a tab are preformatted.
const referenceIntro = `Every simulated device speaks a small binary protocol in the payloads of
sendToDevice (PROTOCOL §2.2.6). All integers are unsigned and big-endian.
A command's payload must have exactly the length shown (a trailing
"…" field takes the rest of the payload); anything else gets error 127.

Codes: commands 65–199, replies 100–127, reports 200 and up. These mean
the same on every product that has them:

	65  identify      command  empty → 101 info: [0] product type, [1…] firmware (ASCII)
	69  query state   command  empty → 102 state (layout per product)
	127 error         reply    [0] reason, [1] the refused command's code
	201 state changed report   same layout as 102; sent after every change
	203 upgrade       report   [0] phase, [1] percent, [2] failure

Error reasons (byte 0 of 127): 1 unknown command, 2 bad payload length,
3 value out of range, 4 busy (firmware upgrade), 5 unknown sub-device,
6 sub-device did not answer. A refused command changes nothing.

{{product types}}

Upgrade phases (byte 0 of 203): 1 download, 2 verify, 3 flash, 4 reboot,
5 done, 6 failed. Failures (byte 2): 0 none, 1 download interrupted,
2 checksum mismatch, 3 flash write error, 4 cancelled, 5 device removed.
While flashing, commands get error 127 reason 4; during the reboot the
device is offline.

Power bytes read 0 off, 1 on, 2 toggle. Telemetry reports (202) come once
per telemetry interval (default 30 s) while the device is online.

Device timers (zc-timer-task taskFlag 1): every product keeps the timers
the cloud hands it and fires them from its own clock, applying the
command as a command from the cloud would (same checks, state change and
201), also while it cannot reach the cloud. It reports each firing to the
cloud, with the time it happened; firings made offline (the last 100) are
reported after it reconnects.

Driving a device by hand: send the code (decimal) as messageCode and the
payload (hex here) as the octet-stream body; the reply's code comes back
in X-Zc-Msg-Attr_code. For example, to switch a plug on and read it back:

	sendToDevice subDomain=plug messageCode=68 body 01
	→ code 102, body 01 00 5F 00 00 30 39 = "state: on, 9.5 W, 12345 Wh"

Gateways: while a match window is open, the sub-devices in range
(bulbs, door sensors, switches) join one at a time, 3 s apart by default,
each announced by report 204 and followed by 201. Their physical ids are
16 uppercase hex digits derived from the gateway's id. A sub-device is
online only while its gateway is; it can be reached directly
(sendToDevice with its own sub-domain and id) or through the gateway with
command 72 (forward), e.g. to query bulb 0123456789ABCDEF:

	sendToDevice subDomain=gateway messageCode=72 body 0123456789ABCDEF 45
	→ code 104, body 0123456789ABCDEF 66 <the bulb's 102 payload>`

// reference renders the product reference as Markdown (md) or as the
// text of a Go doc comment.
func reference(md bool) string {
	var b strings.Builder
	para := func(s string) {
		for _, p := range strings.Split(s, "\n\n") {
			lines := strings.Split(p, "\n")
			pre := strings.HasPrefix(lines[0], "\t")
			if pre && md {
				b.WriteString("```\n")
				for _, l := range lines {
					b.WriteString(strings.TrimPrefix(l, "\t") + "\n")
				}
				b.WriteString("```\n\n")
				continue
			}
			b.WriteString(p + "\n\n")
		}
	}
	if md {
		b.WriteString("## Simulated products\n\n")
	} else {
		b.WriteString("# Simulated products\n\n")
	}
	para(strings.Replace(referenceIntro, "{{product types}}", productTypesText(), 1))
	for _, name := range order {
		p := products[name]
		msgs := productOnly(p.Messages)
		title := fmt.Sprintf("%s: %s", name, p.Record.Name)
		summary := fmt.Sprintf("%s. Product type %d, default firmware %s (module %s). Also the common codes 65, 101, 127 and 203.", p.Record.Description, p.Type, p.Firmware, p.Module)
		if md {
			b.WriteString("### " + title + "\n\n" + summary + "\n\n")
			b.WriteString("| code | dir | name | payload | answer | example | notes |\n|---|---|---|---|---|---|---|\n")
			for _, m := range msgs {
				answer, ex := "", ""
				if m.Reply != 0 {
					answer = strconv.Itoa(m.Reply)
				}
				if m.Example != "" {
					ex = "`" + m.Example + "`"
				}
				fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s |\n", m.Code, m.Dir, m.Name, layoutText(&m), answer, ex, m.Doc)
			}
			b.WriteString("\n")
			continue
		}
		b.WriteString("# " + title + "\n\n" + summary + "\n\n")
		for _, m := range msgs {
			line := fmt.Sprintf("\t%-3d %-7s %-22s %s", m.Code, m.Dir, m.Name, layoutText(&m))
			if m.Reply != 0 {
				line += " → " + strconv.Itoa(m.Reply)
			}
			if m.Example != "" {
				line += " (e.g. " + m.Example + ")"
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// productTypesText lists the product types of the table, wrapped as the
// introduction is: "Product types (info reply, sub-device lists): 1 plug,
// 2 purifier, …".
func productTypesText() string {
	const width = 72
	line := "Product types (info reply, sub-device lists):"
	var lines []string
	for i, p := range table {
		item := fmt.Sprintf("%d %s,", p.Type, p.Record.SubDomainName)
		if i == len(table)-1 {
			item = strings.TrimSuffix(item, ",") + "."
		}
		if len(line)+1+len(item) > width {
			lines = append(lines, line)
			line = item
			continue
		}
		line += " " + item
	}
	return strings.Join(append(lines, line), "\n")
}

// productOnly leaves out the messages every product shares, which the
// introduction describes once.
func productOnly(ms []Message) []Message {
	var out []Message
	for _, m := range ms {
		switch m.Code {
		case CodeIdentify, CodeInfo, CodeError, CodeUpgrade:
			continue
		}
		out = append(out, m)
	}
	return out
}

// layoutText writes a message's byte layout: "[0] power u8: 0 off, 1 on".
func layoutText(m *Message) string {
	if len(m.Fields) == 0 {
		return "empty"
	}
	var parts []string
	for _, f := range m.Fields {
		parts = append(parts, fieldText(f))
	}
	s := strings.Join(parts, "; ")
	if len(m.Repeat) > 0 {
		var each []string
		for _, f := range m.Repeat {
			each = append(each, fieldText(f))
		}
		s += "; then per entry: " + strings.Join(each, "; ")
	}
	return s
}

func fieldText(f Field) string {
	var pos string
	switch f.Size {
	case 0:
		pos = fmt.Sprintf("[%d…]", f.Offset)
	case 1:
		pos = fmt.Sprintf("[%d]", f.Offset)
	default:
		pos = fmt.Sprintf("[%d–%d]", f.Offset, f.Offset+f.Size-1)
	}
	kind := ""
	switch f.Kind {
	case KindUint, KindEnum, KindBits:
		kind = fmt.Sprintf("u%d", 8*max(f.Size, 1))
	case KindID:
		kind = "(16 hex digits)"
	case KindText:
		kind = "ASCII"
	case KindBytes:
		kind = "bytes"
	}
	s := pos + " " + f.Name + " " + kind
	var detail []string
	switch f.Kind {
	case KindEnum:
		for v, n := range f.Enum {
			if n != "" {
				detail = append(detail, fmt.Sprintf("%d %s", v, n))
			}
		}
	case KindBits:
		for i, n := range f.Enum {
			detail = append(detail, fmt.Sprintf("bit %d %s", i, n))
		}
	case KindUint:
		unit := f.Unit
		if f.Decimals > 0 {
			unit = "0." + strings.Repeat("0", f.Decimals-1) + "1 " + unit
		}
		switch {
		case f.Min != 0 || f.Max != 0:
			detail = append(detail, strings.TrimSpace(fmt.Sprintf("%d–%d %s", f.Min, f.Max, unit)))
		case unit != "":
			detail = append(detail, "in "+unit)
		}
	}
	if len(detail) > 0 {
		s += ": " + strings.Join(detail, ", ")
	}
	return s
}
