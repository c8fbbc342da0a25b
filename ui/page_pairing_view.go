// Drawing the pairing page: its table of rows and the window's progress bar.

package ui

import (
	"sort"
	"strings"
	"time"

	"acconsole/ui/components/table"
)

func (p *pairingPage) ensureTable(a *App) {
	if p.tbl != nil {
		return
	}
	p.tbl = table.New(table.Options[pairRow]{
		Texts:   tableTexts(a),
		Columns: p.columns(a),
		ID:      func(r pairRow) string { return r.dev.PhysicalID },
		Cells: func(r pairRow) []string {
			joined := a.T("pairing.joined_earlier")
			if !r.earlier {
				joined = r.joined().Local().Format("15:04:05")
				if r.dev.JoinedAt.IsZero() {
					joined = "~" + r.seen.Local().Format("15:04:05")
				}
			}
			note := r.err
			if r.state == rowAdded && r.deviceID != 0 {
				note = a.T("pairing.added_as_device", "ID", r.deviceID)
			}
			state := r.state
			if id, ok := pairStateIDs[r.state]; ok {
				state = a.T(id)
			}
			return []string{r.dev.PhysicalID, orDash(r.dev.SubDomain), joined, state, r.name, note}
		},
		Tone: func(r pairRow, col int) table.Tone {
			if col != 3 && col != 5 {
				return table.ToneDefault
			}
			switch r.state {
			case rowAdded:
				return table.ToneOK
			case rowFailed:
				return table.ToneErr
			case rowAdding:
				return table.ToneWarn
			case rowSkipped, rowLeft:
				return table.ToneFaint
			}
			return table.ToneAccent
		},
		Styles: a.styles,
		Empty:  a.T("pairing.empty"),
	})
}

// columns are the table's columns in the console's language.
func (p *pairingPage) columns(a *App) []table.Column {
	return []table.Column{
		{Key: "pid", Title: a.T("pairing.col.pid"), Width: 16},
		{Key: "product", Title: a.T("pairing.col.product"), Width: 10},
		{Key: "joined", Title: a.T("pairing.col.joined"), Width: 9},
		{Key: "state", Title: a.T("pairing.col.state"), Width: 8},
		{Key: "name", Title: a.T("pairing.col.name"), Flex: 2, MinWidth: 10},
		{Key: "note", Title: "", Flex: 3, MinWidth: 8},
	}
}

// Relabel rebuilds the table in the new language, keeping the rows, the
// cursor and the selection (the empty text is set when a table is made).
func (p *pairingPage) Relabel(a *App) {
	p.tr = a.tr
	if p.tbl == nil {
		return
	}
	cursor, selected := p.tbl.CursorID(), p.tbl.Selected()
	w, h := p.tbl.Width(), p.tbl.Height()
	p.tbl = nil
	p.ensureTable(a)
	p.tbl.SetSize(w, h)
	p.refresh()
	p.tbl.SetCursorByID(cursor)
	for _, r := range selected {
		if p.tbl.SetCursorByID(r.dev.PhysicalID) {
			p.tbl.ToggleSelect()
		}
	}
	p.tbl.SetCursorByID(cursor)
}

func (p *pairingPage) Restyle(a *App) {
	if p.tbl != nil {
		p.tbl.SetStyles(a.styles)
	}
}

func (p *pairingPage) refresh() {
	rows := make([]pairRow, 0, len(p.rows))
	for _, r := range p.rows {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].earlier != rows[j].earlier {
			return rows[i].earlier
		}
		if a, b := rows[i].joined(), rows[j].joined(); !a.Equal(b) {
			return a.Before(b)
		}
		return rows[i].dev.PhysicalID < rows[j].dev.PhysicalID
	})
	if p.tbl != nil {
		p.tbl.SetRows(rows)
	}
}

func (p *pairingPage) sortedRows() []pairRow {
	if p.tbl == nil {
		return nil
	}
	return p.tbl.Rows()
}

func (p *pairingPage) View(a *App, w, h int) string {
	p.ensureTable(a)
	p.tr = a.tr
	s := a.styles
	title := s.Title.Render(" "+a.T("pairing.head", "Gateway", deviceTitle(p.detail))) +
		s.Faint.Render("  "+a.T("pairing.head_ids", "SubDomain", p.gw.SubDomain, "PID", p.gw.PhysicalID, "User", p.gw.UserID))
	lines := []string{title}
	if !p.detail.Online {
		lines = append(lines, s.Warn.Render(" "+a.T("pairing.gateway_offline")))
	}
	waiting := 0
	for _, r := range p.rows {
		if r.state == rowJoined {
			waiting++
		}
	}
	switch p.phase {
	case phaseReady:
		line := " " + a.T("pairing.closed_length") + " "
		for i, n := range windowPresets {
			if i == p.preset {
				line += s.Bold.Render("‹"+a.T("pairing.seconds", "Seconds", n)+"›") + " "
			} else {
				line += " " + a.T("pairing.seconds", "Seconds", n) + "  "
			}
		}
		lines = append(lines, line+s.Faint.Render(" "+a.T("pairing.length_keys", "LengthKey", a.keys.Get(ActPairDuration).Label(), "OpenKey", a.keys.Get(ActPairOpen).Label())))
		switch {
		case !p.loaded && p.err == nil:
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.checking")))
		case waiting > 0:
			lines = append(lines, s.Warn.Render(" "+a.N("pairing.waiting_earlier", waiting)))
		default:
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.none_waiting")))
		}
	case phaseOpening:
		lines = append(lines, s.Warn.Render(" "+a.T("pairing.opening")), "")
	case phaseOpen:
		left := p.remaining(a)
		src := a.T("pairing.deadline_gateway")
		if !p.window.Known {
			src = a.T("pairing.deadline_estimated")
		}
		span := p.span
		if span <= 0 {
			span = maxWindow * time.Second
		}
		bar := progressBar(float64(max(left, 0))/float64(span), 20, s.Glyphs.ASCII)
		lines = append(lines, s.OK.Render(" "+a.T("pairing.open_left", "Left", fmtClock(left))+" ")+bar+s.Faint.Render(" · "+src),
			s.Faint.Render(" "+a.N("pairing.open_waiting", waiting)))
	case phaseClosed:
		lines = append(lines, s.Bold.Render(" "+a.T("pairing.window_closed")))
		if p.pendingWhy != "" {
			lines = append(lines, s.Warn.Render(" "+a.N("pairing.summary_wait", p.addsInFlight())))
		}
		if p.summary != "" {
			for _, part := range wordWrap(p.run.text(a.tr), w-2) {
				lines = append(lines, " "+part)
			}
		}
		switch {
		case p.closeErr != nil:
			lines = append(lines, s.Warn.Render(" "+a.T("pairing.record_failed", "Error", a.errorLine(p.closeErr))))
		case p.recorded:
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.recorded")))
		case p.summary != "":
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.recording")))
		}
	}
	if p.err != nil {
		lines = append(lines, s.Err.Render(" "+a.errorLine(p.err)))
	}
	p.tbl.SetSize(w, max(h-len(lines), 3))
	return strings.Join(lines, "\n") + "\n" + p.tbl.View()
}

// progressBar draws a fraction as blocks (or # in the ASCII set).
func progressBar(f float64, n int, ascii bool) string {
	f = min(max(f, 0), 1)
	full := int(f*float64(n) + 0.5)
	on, off := "█", "░"
	if ascii {
		on, off = "#", "."
	}
	return strings.Repeat(on, full) + strings.Repeat(off, n-full)
}
