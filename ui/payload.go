package ui

import (
	"acconsole/catalog"
	"acconsole/i18n"
	"acconsole/themes"
)

// Payloads are binary (PROTOCOL §2.2.6). The console reads and writes them
// through the layouts of package catalog, the same table the simulated
// devices run on; what is left here is how a person types and sees them.

// parseHex reads hex typed by a person (catalog.ParseHex: spaces, colons,
// dashes and a 0x prefix are ignored).
func parseHex(s string) ([]byte, error) { return catalog.ParseHex(s) }

// spacedHex is "01 00 5F" (upper case, a space between bytes).
func spacedHex(b []byte) string { return catalog.SpacedHex(b) }

// isHexDigit lets only hex digits into a payload field as they are typed.
func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func orNone(s string) string { return emptyOr(neutral(), s) }

// emptyOr is s, or "(empty)" in tr's language when s is empty.
func emptyOr(tr *i18n.Translator, s string) string {
	if s == "" {
		return tr.T("payload.empty")
	}
	return s
}

// payloadField is payloadFieldIn in English, for the screens that do not
// say their language yet.
func payloadField(e *lineEdit, focused bool, w int, s *themes.Styles, example []byte) string {
	return payloadFieldIn(neutral(), e, focused, w, s, example)
}

// payloadFieldIn draws a hex payload field; an empty one shows the
// product's documented example, faint and marked "e.g.", as a placeholder
// (typing replaces it; it is never sent).
func payloadFieldIn(tr *i18n.Translator, e *lineEdit, focused bool, w int, s *themes.Styles, example []byte) string {
	if len(e.g) > 0 || len(example) == 0 {
		return e.view(focused, w, s.Selected)
	}
	cur := ""
	if focused {
		cur = s.Selected.Render(" ")
	}
	return cur + s.Faint.Render(clipText(tr.T("payload.example", "Hex", spacedHex(example)), max(w-1, 1)))
}
