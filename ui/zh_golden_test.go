package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"acconsole/themes"
)

// Goldens of the main views in zh-CN on the dark theme, as a terminal
// shows them at 80×24 and 120×40: the layout of Chinese text (two cells a
// character, truncation, padding) is reviewed once by a person and then
// kept. They are written with
//
//	go test ./ui -run TestChineseGoldens -update
//
// (the -update flag of charmbracelet/x/exp/golden, as the table goldens
// use) and read from testdata/TestChineseGoldens/<view>/<size>.golden.

// zhGoldenViews are the views, opened with the real keys (steps as in the
// key monkey); write views enter write mode first.
var zhGoldenViews = []monkeyPage{
	{name: "users"},
	{name: "user", open: []string{":user 13800000042"}},
	{name: "device", open: []string{":device 900"}},
	{name: "help", open: []string{"?"}},
	{name: "pairing", write: true, open: []string{":device 950", "p"}},
	{name: "timers", open: []string{":device 900", "t"}},
	{name: "firmware", open: []string{":device 900", "f"}},
	{name: "share-qr", write: true, open: []string{":device 900", "s", "y"}},
}

// goldenUpdating reports the golden package's -update flag.
func goldenUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func TestChineseGoldens(t *testing.T) {
	for _, v := range zhGoldenViews {
		for _, size := range zhSizes {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", v.name, w, h), func(t *testing.T) {
				r, _ := zhOpen(t, v, w, h, func(o *Options) { o.Styles = themes.DefaultStyles(true) })
				screen := zhScreen(t, w, h, r.h.app.View().Content)
				file := filepath.Join("testdata", t.Name()+".golden")
				if _, err := os.Stat(file); err != nil && !goldenUpdating() {
					t.Fatalf("no golden %s: run with -update (go test ./ui -run TestChineseGoldens -update), read the screens, commit them; the screen now:\n%s", file, screen)
				}
				golden.RequireEqual(t, screen)
			})
		}
	}
}
