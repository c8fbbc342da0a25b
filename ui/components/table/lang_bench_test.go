package table

import (
	"strconv"
	"testing"

	"acconsole/i18n"
)

// The device list in each language the console carries, in one run so the
// numbers compare as a ratio on the same machine and load: English titles
// and words, or Chinese ones (two cells a character, so other truncation
// and padding), with the last-online time written by the language's
// translator in both (that is what the console does).

// langColumns are deviceColumns titled in lang (the Chinese titles are the
// console's terms, by hand).
func langColumns(lang i18n.Lang) []Column {
	if lang != i18n.Chinese {
		return deviceColumns
	}
	zh := map[string]string{"id": "编号", "physical": "物理ID", "name": "名称", "product": "产品", "firmware": "固件",
		"status": "状态", "last": "最后在线", "owner": "管理员"}
	cols := append([]Column(nil), deviceColumns...)
	for i := range cols {
		cols[i].Title = zh[cols[i].Key]
	}
	return cols
}

// langCells are deviceCells with the status word and the time in lang.
func langCells(lang i18n.Lang) func(device) []string {
	tr := i18n.For(lang)
	on, off := "online", "offline"
	if lang == i18n.Chinese {
		on, off = "在线", "离线"
	}
	return func(d device) []string {
		status := off
		if d.Online {
			status = on
		}
		return []string{strconv.FormatInt(d.ID, 10), d.Physical, d.Name, d.Product, d.Firmware, status,
			tr.DateTime(d.LastOnline.UTC()), d.Owner}
	}
}

func langTable(lang i18n.Lang) *Table[device] {
	return New(Options[device]{Columns: langColumns(lang), ID: deviceID, Cells: langCells(lang), Tone: deviceTone, Empty: "-"})
}

func BenchmarkLang(b *testing.B) {
	for _, lang := range i18n.Langs() {
		b.Run(string(lang), func(b *testing.B) {
			b.Run("set-rows", func(b *testing.B) {
				// A fresh 100 000-row table: every row's cells are made
				// (and every time written by the translator) once.
				b.ReportAllocs()
				for b.Loop() {
					tb := langTable(lang)
					tb.SetRows(benchData)
					tb.SetSize(120, 40)
					_ = tb.View()
				}
			})
			ready := func() *Table[device] {
				tb := langTable(lang)
				tb.SetRows(benchData)
				tb.SetSize(120, 40)
				_ = tb.View()
				return tb
			}
			b.Run("cursor-move", func(b *testing.B) {
				tb := ready()
				cursorMoves(b, tb)
			})
			b.Run("page-down", func(b *testing.B) {
				tb := ready()
				pageDowns(b, tb)
			})
		})
	}
}
