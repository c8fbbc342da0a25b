package themes

import "charm.land/lipgloss/v2"

// Glyphs are the symbols views draw with. Every glyph is exactly one cell wide
// as lipgloss measures it, so layouts can count on it. Some Unicode ones
// (● ▲ … –) are East-Asian "ambiguous" width and render two cells wide on
// terminals set up for CJK; the ASCII set exists for those terminals and for
// fonts that lack the symbols (k9s offers the same as noIcons).
type Glyphs struct {
	ASCII bool // true for the ASCII set

	Bullet  string // list items, separators between status fields
	Online  string // device online
	Offline string // device offline
	Warning string // attention marker in flash lines
	Cursor  string // marks the cursor row, so it shows without colour too

	CheckOn  string // a multi-selected row
	CheckOff string // an unselected row (keep it one cell, usually a space)

	SortAsc  string // header marker of an ascending sort
	SortDesc string // header marker of a descending sort

	Up, Down, Left, Right string

	Ellipsis string // the tail of truncated text
	RangeSep string // "1–40 of 100"
	PathSep  string // between breadcrumbs

	Border lipgloss.Border // dialogs and panes
}

// UnicodeGlyphs is the default set.
func UnicodeGlyphs() Glyphs {
	return Glyphs{
		Bullet:   "•",
		Online:   "●",
		Offline:  "○",
		Warning:  "!",
		Cursor:   "›",
		CheckOn:  "✓",
		CheckOff: " ",
		SortAsc:  "▲",
		SortDesc: "▼",
		Up:       "↑",
		Down:     "↓",
		Left:     "←",
		Right:    "→",
		Ellipsis: "…",
		RangeSep: "–",
		PathSep:  "›",
		Border:   lipgloss.RoundedBorder(),
	}
}

// ASCIIGlyphs draws everything with printable ASCII.
func ASCIIGlyphs() Glyphs {
	return Glyphs{
		ASCII:    true,
		Bullet:   "*",
		Online:   "+",
		Offline:  "-",
		Warning:  "!",
		Cursor:   ">",
		CheckOn:  "x",
		CheckOff: " ",
		SortAsc:  "^",
		SortDesc: "v",
		Up:       "^",
		Down:     "v",
		Left:     "<",
		Right:    ">",
		Ellipsis: "~",
		RangeSep: "-",
		PathSep:  ">",
		Border:   lipgloss.ASCIIBorder(),
	}
}

// GlyphSet picks the set from the configuration's ASCII flag.
func GlyphSet(ascii bool) Glyphs {
	if ascii {
		return ASCIIGlyphs()
	}
	return UnicodeGlyphs()
}
