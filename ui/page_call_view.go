package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"acconsole/models"
)

// pretty indents a JSON answer; anything else is shown sanitised.
func pretty(b []byte) []string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") == nil {
		return strings.Split(models.SanitizeText(out.String()), "\n")
	}
	return strings.Split(models.SanitizeText(string(b)), "\n")
}

func (p *callPage) View(a *App, w, h int) string {
	s := a.styles
	tr := a.Tr()
	lines := []string{s.Title.Render(" "+a.T("call.heading")) + s.Faint.Render("  "+a.T("call.subheading",
		"Next", a.keyLabel(ActNextField), "Call", a.keyLabel(ActOpen)))}
	for i := range callFields {
		mark := "  "
		if p.focus == i {
			mark = s.Glyphs.Cursor + " "
		}
		label := " " + mark + padRight(a.T(callLabels[i]), 8) + " "
		var val string
		switch i {
		case callKind:
			if p.check.known {
				val = s.OK.Render(a.T("call.kind.read")) + s.Faint.Render(a.T("call.kind.read_note"))
			} else {
				// Only the console's table of known reads makes a call a
				// read (knownReads): the cloud cannot be asked, and a
				// read skips the audit and may be retried.
				val = s.Warn.Render(a.T("call.kind.write")) + s.Faint.Render(a.T("call.kind.write_note"))
			}
		case callUser:
			val = p.f[i].view(p.focus == i, 12, s.Selected)
			if u, err := strconv.ParseInt(strings.TrimSpace(p.f[i].value()), 10, 64); err == nil {
				val += s.Faint.Render("  " + actorText(tr, u))
			}
		default:
			val = p.f[i].view(p.focus == i, max(w-14, 10), s.Selected)
		}
		lines = append(lines, label+val)
	}
	if p.check.bodyErr != nil {
		// Checked again for the words: the form keeps the check's
		// outcome, the screen says it in the reader's language.
		_, err := checkJSONObject(tr, p.f[callBody].value())
		if err == nil {
			err = p.check.bodyErr
		}
		lines = append(lines, s.Err.Render("            ✗ "+clipText(err.Error(), w-14)))
	} else {
		lines = append(lines, s.OK.Render("            ✓ "+a.N("call.body.ok", p.check.keys)))
	}
	lines = append(lines, p.paramLine(a, w))

	head := " " + a.T("call.head.response")
	if p.focus == callResponse {
		head = " " + s.Glyphs.Cursor + a.T("call.head.response")
	}
	switch {
	case p.sending:
		lines = append(lines, s.Bold.Render(head), s.Faint.Render("   "+a.T("call.calling")))
	case p.last == nil:
		lines = append(lines, s.Bold.Render(head), s.Faint.Render("   "+a.T("call.none_yet")))
	default:
		r := p.last
		meta := "  " + a.T("call.meta", "Service", r.Call.Service, "Method", r.Call.Method, "Version", r.Call.Version, "Actor", actorText(tr, r.Call.UserID),
			"Elapsed", r.Result.Elapsed.Round(time.Millisecond).String())
		if r.Result.TraceID != "" {
			meta += " · " + a.T("call.trace", "Trace", r.Result.TraceID)
		}
		lines = append(lines, s.Bold.Render(head)+s.Faint.Render(meta))
		if r.Err != nil {
			lines = append(lines, s.Err.Render("   "+a.errorLine(r.Err)))
		} else {
			body := p.lastLines
			hist := min(len(a.wf.calls), 5) + 1
			room := max(h-len(lines)-hist-1, 3)
			p.scroll = min(p.scroll, max(len(body)-room, 0))
			for i := p.scroll; i < len(body) && i < p.scroll+room; i++ {
				lines = append(lines, "   "+clipText(body[i], w-4))
			}
			if len(body) > room {
				lines = append(lines, s.Faint.Render("   "+a.T("call.lines", "From", p.scroll+1, "To", min(p.scroll+room, len(body)), "Total", len(body))))
			}
		}
	}
	head = " " + a.T("call.head.history", "Calls", len(a.wf.calls))
	if p.focus == callHistory {
		head = " " + s.Glyphs.Cursor + a.T("call.head.history", "Calls", len(a.wf.calls))
	}
	lines = append(lines, s.Bold.Render(head))
	for i := 0; i < len(a.wf.calls) && len(lines) < h; i++ {
		r := a.wf.calls[len(a.wf.calls)-1-i]
		res := s.OK.Render(a.T("call.result_ok"))
		if r.Err != nil {
			res = s.Err.Render(clipText(a.errorLine(r.Err), 40))
		}
		mark := "  "
		if p.focus == callHistory && i == p.hist {
			mark = s.Glyphs.Cursor + " "
		}
		lines = append(lines, fmt.Sprintf("   %s%s %s/%s v%d %s → %s", mark, r.At.Format("15:04:05"), r.Call.Service, r.Call.Method, r.Call.Version, clipText(string(r.Call.Body), 30), res))
	}
	return strings.Join(lines, "\n")
}

// paramLine shows the keys the protocol gives the method, and which of the
// required ones the body lacks.
func (p *callPage) paramLine(a *App, w int) string {
	s := a.styles
	svc, method := strings.TrimSpace(p.f[callService].value()), strings.TrimSpace(p.f[callMethod].value())
	ps, ok := methodParams(svc, method)
	if !ok {
		if ms := knownMethods(svc); len(ms) > 0 && method != "" {
			return s.Warn.Render("            ? " + clipText(a.T("call.unknown_method", "Method", method, "Service", svc, "Methods", strings.Join(ms, " ")), max(w-14, 10)))
		}
		return s.Faint.Render("            " + a.T("call.params_unknown"))
	}
	all, missing := paramHint(ps, p.f[callBody].value())
	if all == "" {
		all = a.T("call.params_none")
	}
	line := "            " + a.T("call.params", "Params", all)
	if missing != "" {
		return s.Faint.Render(clipText(line, max(w-cellWidth(missing)-12, 20))) + s.Warn.Render(" · "+a.T("call.missing", "Missing", missing))
	}

	return s.Faint.Render(clipText(line, w))
}
