package table

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"acconsole/themes"
)

// The table writes its own words through Options.Texts when given (the
// caller's language); hand-written texts stand in for a catalog here.
func TestTextsReplaceTheTablesOwnWords(t *testing.T) {
	s := themes.DefaultStyles(true)
	tb := New(Options[device]{
		Columns: deviceColumns, ID: deviceID, Cells: deviceCells, Styles: s, Empty: "没有设备",
		Texts: Texts{
			Footer: func(f Footer) string {
				return fmt.Sprintf("第 %d%s%d 行，共 %d 行（全部 %d）已选 %d", f.First, f.RangeSep, f.Last, f.Shown, f.Total, f.Selected)
			},
			NoMatch: func(q string) string { return "没有与 " + q + " 匹配的行" },
		},
	})
	tb.SetSize(100, 6)
	if v := ansi.Strip(tb.View()); !strings.Contains(v, "没有设备") || !strings.Contains(v, "第 0–0 行，共 0 行（全部 0）已选 0") {
		t.Fatalf("empty table:\n%s", v)
	}
	tb.SetRows(sampleDevices())
	tb.ToggleSelect()
	if v := ansi.Strip(tb.View()); !strings.Contains(v, "第 1"+s.Glyphs.RangeSep+"4 行，共 16 行（全部 16）已选 1") {
		t.Fatalf("footer:\n%s", v)
	}
	if err := tb.SetFilter("no such device"); err != nil {
		t.Fatal(err)
	}
	if v := ansi.Strip(tb.View()); !strings.Contains(v, "没有与 no such device 匹配的行") {
		t.Fatalf("no match:\n%s", v)
	}
}

// SetTitles renames columns by key and Reread asks for every row's cells
// again; the cursor, the selection, the sort and the filter stay.
func TestSetTitlesAndRereadKeepTheView(t *testing.T) {
	lang := "en"
	cells := func(d device) []string {
		c := deviceCells(d)
		if lang == "zh" && d.Online {
			c[5] = "在线"
		}
		return c
	}
	tb := New(Options[device]{Columns: deviceColumns, ID: deviceID, Cells: cells})
	tb.SetSize(120, 20)
	tb.SetRows(sampleDevices())
	tb.SetSort("id", false)
	if err := tb.SetFilter("plug"); err != nil {
		t.Fatal(err)
	}
	tb.MoveDown()
	tb.ToggleSelect()
	cursor, shown := tb.CursorID(), tb.Len()

	lang = "zh"
	tb.SetTitles(map[string]string{"name": "名称", "status": "状态"})
	tb.Reread()
	v := ansi.Strip(tb.View())
	head := strings.Split(v, "\n")[0]
	if !strings.Contains(head, "名称") || !strings.Contains(head, "状态") || !strings.Contains(head, "Physical ID") || strings.Contains(head, "Name") {
		t.Fatalf("header after SetTitles: %q", head)
	}
	if !strings.Contains(v, "在线") {
		t.Fatalf("cells were not read again:\n%s", v)
	}
	if tb.CursorID() != cursor || tb.Len() != shown || tb.SelectedCount() != 1 || tb.Filter() != "plug" {
		t.Fatalf("view changed: cursor %q (was %q), %d rows (was %d), %d selected, filter %q", tb.CursorID(), cursor, tb.Len(), shown, tb.SelectedCount(), tb.Filter())
	}
	if key, desc := tb.Sort(); key != "id" || desc {
		t.Fatalf("sort changed: %q desc=%v", key, desc)
	}
}
