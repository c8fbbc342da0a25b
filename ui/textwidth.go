package ui

import "acconsole/ui/text"

// The console measures and cuts text only through package ui/text (cells
// and grapheme clusters, never runes or bytes); these short names are what
// the pages call.

// clipText cuts s to n cells, ending in the theme's ellipsis when cut.
func clipText(s string, n int) string { return text.Clip(s, n) }

// padRight pads s with spaces to n cells.
func padRight(s string, n int) string { return text.Pad(s, n) }

// cellWidth is how many cells s takes on screen.
func cellWidth(s string) int { return text.Width(s) }

// wrap breaks s into lines of at most w cells, never inside a character.
func wrap(s string, w int) []string { return text.Wrap(s, w) }

// wordWrap breaks s into lines of at most w cells at spaces (a word
// longer than w is broken between characters).
func wordWrap(s string, w int) []string { return text.WordWrap(s, w) }
