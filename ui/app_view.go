// Drawing the shell: header, breadcrumbs, body, footer and the too-small screen.

package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/i18n"
	"acconsole/ui/text"
)

// bodyTop is the screen row where the page body starts (below the header
// and breadcrumbs).
func (a *App) bodyTop() int { return 2 }

// View implements tea.Model.
func (a *App) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "acconsole"
	v.ReportFocus = true // polling pauses while the terminal is in the background
	if a.quitting {
		return v
	}
	v.SetContent(a.render())
	return v
}

func (a *App) render() string {
	w, h := a.width, a.height
	if w == 0 || h == 0 {
		return a.T("shell.starting")
	}
	if w < MinWidth || h < MinHeight {
		if a.styles.Glyphs.ASCII {
			return asciiGlyphs.Replace(tooSmallIn(a.tr, w, h, a.keyLabel(ActQuit)))
		}
		return tooSmallIn(a.tr, w, h, a.keyLabel(ActQuit))
	}
	header := a.renderHeader(w)
	crumbs := a.renderCrumbs(w)
	footer := a.renderFooter(w)
	bodyH := h - 2 - strings.Count(footer, "\n") - 1
	var body string
	if a.showHelp {
		body = a.renderHelp(w, bodyH)
	} else {
		body = a.top().View(a, w, bodyH)
	}
	body = fitBlock(body, w, bodyH)
	screen := header + "\n" + crumbs + "\n" + body + "\n" + footer
	if len(a.dialogs) > 0 {
		screen = overlay(screen, a.dialogs[len(a.dialogs)-1].view(a, w), w, h)
	}
	if a.styles.Glyphs.ASCII {
		screen = asciiGlyphs.Replace(screen)
	}
	return screen
}

// asciiGlyphs is the safety net of the ascii theme: pages write some marks
// of their own ("1–40", "a · b", arrows) besides the theme's glyphs, and an
// ASCII-only terminal shows none of them. Each becomes one ASCII character
// of the same width, so alignment holds. User data (names in CJK, say) is
// left as it is.
var asciiGlyphs = strings.NewReplacer(
	"–", "-", "—", "-", "·", ".", "…", "~", "›", ">", "‹", "<", "•", "*",
	"●", "+", "○", "-", "▲", "^", "▼", "v", "↑", "^", "↓", "v", "←", "<", "→", ">",
	"✓", "x", "✗", "x", "×", "x", "─", "-", "│", "|", "━", "=", "█", "#", "░", ".",
)

// tooSmall is the screen below the minimum size in English; quit is the
// quit key.
func tooSmall(w, h int, quit string) string { return tooSmallIn(neutral(), w, h, quit) }

// tooSmallIn is the too-small screen in tr's language, wrapped by cells
// (a Chinese line breaks between characters, an English one anywhere).
func tooSmallIn(tr *i18n.Translator, w, h int, quit string) string {
	msg := tr.T("shell.too_small", "Width", w, "Height", h, "MinWidth", MinWidth, "MinHeight", MinHeight, "Quit", quit)
	return strings.Join(wrap(msg, max(w, 1)), "\n")
}

func (a *App) renderHeader(w int) string {
	s := a.styles
	mode := a.T("shell.header.read_only")
	if a.Writable() {
		left := a.writeUntil.Sub(a.Now())
		mode = a.T("shell.header.write", "Left", fmtClock(left))
	}
	parts := []string{"acconsole", a.profile.Name, a.profile.Router, a.T("shell.header.domain", "Domain", a.profile.MajorDomain), mode}
	if a.operator != "" {
		parts = append(parts[:2], append([]string{a.T("shell.header.operator", "Operator", a.operator)}, parts[2:]...)...)
	}
	if a.profile.Production {
		// In words, not only in red: for colour-blind operators and the
		// ascii theme.
		parts = append([]string{"acconsole", a.T("shell.header.production")}, parts[1:]...)
	}
	if u := a.actingUser(); u != "" {
		parts = append(parts, a.T("shell.header.acting_for", "User", u))
	}
	if a.poll.paused {
		parts = append(parts, a.T("shell.header.paused"))
	}
	line := " " + strings.Join(parts, " "+s.Glyphs.Bullet+" ")
	line = text.Fit(line, w)
	if a.profile.Production {
		return s.Production.Render(line)
	}
	if a.Writable() {
		return s.WriteHeader.Render(line)
	}
	return s.Header.Render(line)
}

func (a *App) actingUser() string {
	for i := len(a.stack) - 1; i >= 0; i-- {
		if u, ok := a.stack[i].(ActingFor); ok {
			return u.ActingFor()
		}
	}
	return ""
}

// renderCrumbs shows the path to the current view (the page stack: what
// Esc climbs), cut from the left so that the current view always shows.
func (a *App) renderCrumbs(w int) string {
	s := a.styles
	titles := make([]string, len(a.stack))
	for i, p := range a.stack {
		titles[i] = p.Title(a.tr)
	}
	line := strings.Join(titles, " "+s.Glyphs.PathSep+" ")
	return s.Accent.Render(" " + text.Fit(text.ClipLeft(line, w-1), w-1))
}

func (a *App) renderFooter(w int) string {
	s := a.styles
	switch a.mode {
	case inputCommand, inputFilter, inputPrompt:
		prefix := ":"
		if a.mode == inputFilter {
			prefix = "/"
		} else if a.mode == inputPrompt && a.prompt != nil {
			prefix = a.prompt.question + " "
		}
		if iw := max(w-lipgloss.Width(prefix)-2, 10); iw != a.input.Width() {
			a.input.SetWidth(iw)
			a.input.SetCursor(a.input.Position()) // re-fits the visible part
		}
		// The text input pads without counting its completion, and wide
		// characters can leave its window wider than the screen until the
		// next key: the line never leaves the screen.
		return ansi.Truncate(s.Prompt.Render(prefix)+a.input.View(), w, "")
	}
	if a.status != "" {
		st := s.Text
		if a.statusErr {
			st = s.Err
		}
		return st.Render(text.Fit(" "+a.status, w))
	}
	return strings.Join(a.footerHints(w), "\n")
}
