package table

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

type roleRow struct{ name, role, home string }

func roleTable(rows []roleRow, w int) *Table[roleRow] {
	tb := New(Options[roleRow]{
		Columns: []Column{
			{Key: "name", Title: "NAME", Flex: 3, MinWidth: 10},
			{Key: "role", Title: "ROLE", Width: 10},
			{Key: "home", Title: "HOME", Width: 7, Align: AlignRight},
		},
		ID:    func(r roleRow) string { return r.name },
		Cells: func(r roleRow) []string { return []string{r.name, r.role, r.home} },
	})
	tb.SetSize(w, 6)
	tb.SetRows(rows)
	return tb
}

// A fixed column whose cells are wider than it takes room from a flexible
// column that has room to spare: ROLE is not cut to "owner (su…" while NAME
// shows short names in 50 free cells.
func TestFixedColumnWidensFromFlexibleSpare(t *testing.T) {
	tb := roleTable([]roleRow{{"Kitchen lamp", "owner (super admin)", "12"}, {"Plug", "shared", "12"}}, 80)
	view := ansi.Strip(tb.View())
	if !strings.Contains(view, "owner (super admin)") {
		t.Fatalf("ROLE cut although NAME has room:\n%s", view)
	}
	for i, l := range strings.Split(view, "\n") {
		if w := ansi.StringWidth(l); w != 80 {
			t.Errorf("line %d is %d cells, want 80", i, w)
		}
	}
}

// When the flexible column needs its room (long names), it keeps it and
// the fixed column stays at its width.
func TestFixedColumnDoesNotStarveLongNames(t *testing.T) {
	long := strings.Repeat("n", 60)
	tb := roleTable([]roleRow{{long, "owner (super admin)", "12"}}, 80)
	view := ansi.Strip(tb.View())
	if !strings.Contains(view, "owner (su") {
		t.Fatalf("ROLE missing:\n%s", view)
	}
	// NAME gets 80 - 2 (gutter) - 3 gaps - 10 - 7 = 58 cells: the 60-cell
	// name is cut, ROLE keeps its 10.
	if !strings.Contains(view, strings.Repeat("n", 57)+"…") {
		t.Fatalf("NAME lost room to ROLE:\n%s", view)
	}
}
