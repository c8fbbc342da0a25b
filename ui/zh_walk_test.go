package ui

import (
	"acconsole/internal/clock"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"acconsole/catalog"
	"acconsole/i18n"
	"acconsole/themes"
)

// The Chinese walk: every page type of the key monkey, its help screen and
// the main dialogs, opened with the real keys in a zh-CN console, read off
// a terminal emulator at 80×24 and 120×40. Any English left on screen is
// a text that did not go through the catalogs; the failure lists each one
// with the pages that show it.
//
// What may stay Latin is taken from the data rather than listed by hand:
// the fake cloud's names, the products' command and field names, the key
// map's keys and labels, the literal
// arguments of the command table's usage lines, the call page's protocol
// table, the theme and language names, the profile the harness connects
// with. Commands are recognised by their form (":users") and argument
// placeholders by theirs ("<id|phone>"). Only units and protocol acronyms,
// which no table of the console holds, are written out here.

// zhSizes are the two screens the walk and the goldens read.
var zhSizes = [][2]int{{80, 24}, {120, 40}}

// zhUnits are the units and abbreviations a Chinese screen writes in Latin
// letters too (AbleCloud's Chinese documentation does).
var zhUnits = []string{"ms", "min", "KB", "MB", "GB", "dBm", "UTC", "GMT", "CST", "ETA", "QR", "ID", "OTA", "MAC",
	"JSON", "SMS", "DST", "URL", "SSH", "WeChat", "AbleCloud", "hex", "openid", "IoT", "TTL", "CPU", "PID",
	"HTTP", "POST", "GET", "acconsole"}

// latinAllow is the set of Latin words (lower-cased) that are data, names
// or codes on the console's screen.
type latinAllow map[string]bool

func (al latinAllow) addText(s string) {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !isLatinWordRune(r) }) {
		w = strings.Trim(w, "-'")
		if w != "" {
			al[strings.ToLower(w)] = true
		}
	}
}

// addStrings adds every string reachable from v (struct fields, maps,
// slices, pointers): the fake cloud's whole state is data.
func (al latinAllow) addStrings(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.String:
		al.addText(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
		}
		al.addStrings(v.Elem(), seen)
	case reflect.Struct:
		for i := range v.NumField() {
			al.addStrings(v.Field(i), seen)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			al.addStrings(v.Index(i), seen)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			al.addStrings(it.Key(), seen)
			al.addStrings(it.Value(), seen)
		}
	}
}

// payloadPages show device payloads decoded by the product catalog.
var payloadPages = map[string]bool{"composer": true, "timers": true, "timer-editor": true, "events": true, "watch": true}

// zhAllowList is the Latin a zh-CN screen of the fake world may show;
// payloads adds the product catalog's names.
func zhAllowList(api *fakeAPI, payloads bool) latinAllow {
	al := latinAllow{}
	// The fake cloud's data, including what its methods make up on the
	// spot (homes and rooms are literals in the fake).
	api.mu.Lock()
	al.addStrings(reflect.ValueOf(api).Elem(), map[uintptr]bool{})
	api.mu.Unlock()
	ctx := context.Background()
	if hs, err := api.Homes(ctx, 42); err == nil {
		al.addStrings(reflect.ValueOf(hs), map[uintptr]bool{})
		for _, h := range hs {
			rs, _ := api.Rooms(ctx, 42, h.HomeID)
			al.addStrings(reflect.ValueOf(rs), map[uintptr]bool{})
		}
	}
	for _, n := range monkeyNames {
		al.addText(n)
	}
	// Keys: every key and label of the default key map.
	for _, b := range DefaultKeyMap().All() {
		al.addText(b.Label())
		for _, k := range b.Keys {
			al.addText(k)
		}
	}
	for _, k := range monkeyExtra {
		al.addText(k)
	}
	// Commands are read as commands only where they are written as one
	// (":users", latinWord), so "users" alone is still English; the
	// command table's argument words stay data inside their placeholder.
	for _, c := range commandTable {
		if _, args, ok := strings.Cut(c.usage, " "); ok {
			for _, a := range strings.Fields(args) {
				if !strings.HasPrefix(a, "<") {
					al.addText(a) // literal arguments: ":theme ascii"
				}
			}
		}
	}
	// The protocol the :call page shows: services, methods, parameters
	// and their types are the wire names.
	for svc, methods := range protocolParams {
		al.addText(svc)
		for m, params := range methods {
			al.addText(m)
			al.addStrings(reflect.ValueOf(params), map[uintptr]bool{})
		}
	}
	for svc := range knownReads {
		al.addText(svc)
	}
	for _, n := range themes.BuiltinNames() {
		al.addText(n)
	}
	al.addText("ascii") // the ASCII glyph set: a name :theme takes beside the palettes
	for _, l := range i18n.Langs() {
		al.addText(string(l))
		al.addText(i18n.For(i18n.English).LangName(l))
	}
	// The profile the harness connects with (name, router, domain).
	al.addText("test http r acme")
	for _, u := range zhUnits {
		al.addText(u)
	}
	// The products' wire vocabulary (catalog): message, field and enum
	// names and units are the product definition's names, shown as the
	// device speaks them, on the pages that show payloads; the messages'
	// prose (Doc) is not. Elsewhere these common words ("mode", "open",
	// "error") would hide English, so they are allowed only there.
	if !payloads {
		return al
	}
	for _, prod := range catalog.Catalog() {
		al.addText(prod.Record.SubDomainName)
		for _, m := range prod.Messages {
			al.addText(m.Name)
			for _, f := range append(append([]catalog.Field(nil), m.Fields...), m.Repeat...) {
				al.addText(f.Name + " " + f.Unit + " " + strings.Join(f.Enum, " "))
			}
		}
	}
	return al
}

func isLatinWordRune(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || r == '-' || r == '\'')
}

// missingID is how the translator shows an id its catalogs lack.
var missingID = regexp.MustCompile(`\[[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\]`)

// untranslatedRuns returns the English on one screen line: runs of two or
// more consecutive words of at least two ASCII letters, single words of
// four or more letters that read like words (not acronyms), and ids the
// catalogs lack. Words in al, and tokens that are codes (digits, ":cmd",
// "ctrl+s", paths, addresses, hex) break runs and are never reported.
func untranslatedRuns(line string, al latinAllow) []string {
	var out []string
	for _, m := range missingID.FindAllString(line, -1) {
		out = append(out, m)
	}
	line = missingID.ReplaceAllString(line, " ")
	var run []string
	flush := func() {
		switch {
		case len(run) >= 2:
			out = append(out, strings.Join(run, " "))
		case len(run) == 1 && wordLike(run[0]):
			out = append(out, run[0])
		}
		run = run[:0]
	}
	// Chinese text between two Latin words separates them: each stretch
	// of ASCII is read on its own.
	for _, seg := range strings.FieldsFunc(line, func(r rune) bool { return r >= 0x80 }) {
		for _, tok := range strings.Fields(seg) {
			w, ok := latinWord(tok)
			if !ok || al[strings.ToLower(w)] {
				flush()
				continue
			}
			run = append(run, w)
			// A word that ends a clause ("ok." / "name:") ends the run:
			// the next word starts another phrase.
			if strings.ContainsAny(tok[len(tok)-1:], ".,;:!?)") {
				flush()
			}
		}
		flush()
	}
	flush()
	return out
}

// latinWord reports whether tok is a plain word (letters, inner hyphens or
// apostrophes, with surrounding punctuation), and returns it bare.
func latinWord(tok string) (string, bool) {
	// ":users" is a command, "<name>" the placeholder of an argument:
	// both are typed as they are, in every language.
	if strings.HasPrefix(tok, ":") || strings.HasPrefix(tok, "<") {
		return "", false
	}
	w := strings.TrimLeft(tok, `("'[`)
	w = strings.TrimRight(w, `)"'].,;:!?`)
	if len(w) < 2 {
		return "", false
	}
	letters := 0
	for i, r := range w {
		switch {
		case r < 0x80 && unicode.IsLetter(r):
			letters++
		case (r == '-' || r == '\'') && i > 0 && i < len(w)-1:
		default:
			return "", false
		}
	}
	if letters < 2 || isHexCode(w) || isCamelCase(w) {
		return "", false
	}
	return w, true
}

// isCamelCase is a wire name ("listDevices") or a pattern ("yyyy-MM-dd"):
// a capital after a lower-case letter anywhere in the token.
func isCamelCase(w string) bool {
	lower := false
	for _, r := range w {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r) && lower:
			return true
		}
	}
	return false
}

// isHexCode is a physical id or key in hex ("DEADBEEF", "ffee").
func isHexCode(w string) bool {
	if len(w) < 6 {
		return false
	}
	for _, r := range w {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// wordLike is a single English word worth reporting: four letters or more,
// with a vowel (acronyms a Chinese screen keeps, like JSON, are in the
// allow-list).
func wordLike(w string) bool {
	return len(w) >= 4 && strings.ContainsAny(strings.ToLower(w), "aeiouy")
}

// The detector on hand-written lines: what it reports, and what it leaves
// alone because it is data, a code or a key.
func TestUntranslatedRunsDetector(t *testing.T) {
	al := latinAllow{}
	al.addText("Home hub plug bulb enter esc Kitchen Living room ms QR OTA JSON")
	cases := []struct {
		line string
		want []string
	}{
		{"设备 客厅插座 在线", nil},
		{"no devices yet", []string{"no devices yet"}},
		{"设备：Home hub（plug）", nil},
		{"按 enter 打开，esc 返回", nil},
		{"输入 :users 查看全部用户", nil},
		{"物理ID A1B2C3D4E5F60001 MAC a1:b2:c3:00:00:01", nil},
		{"信号 -67 dBm 延迟 120 ms", nil},
		{"ctrl+s 保存 · tab 下一项", nil},
		{"press enter to open", []string{"press", "to open"}},
		{"设备 Online", []string{"Online"}},
		{"状态 on", nil}, // one short word: not reported alone
		{"OWNER 管理员", []string{"OWNER"}},
		{"JSON 数据", nil},
		{"PHYSICAL ID 物理ID", []string{"PHYSICAL ID"}},
		{"用法：:user <id|phone|email|openid>", nil},
		{"用户 users", []string{"users"}},
		{"write mode 写模式", []string{"write mode"}},
		{"[device.renamed] 已改名", []string{"[device.renamed]"}},
		{"Kitchen Living room", nil},
		{"QR 二维码 user007@example.com http://r/acme", nil},
		{"error 3502: device not found", []string{"error", "device not found"}},
		{"设备 not 用户 found", []string{"found"}}, // Chinese between: no run
		{"done: Rename 客厅插座", []string{"done", "Rename"}},
		{"确认：把“Home hub”改名为“Kitchen”？", nil},
		{"UTC+8 2026年12月5日 周六 07:30", nil},
		{"DEADBEEF00000001 ffee000000000001", nil},
		{"调用 listDevices 日期 yyyy-MM-dd", nil},
	}
	for _, c := range cases {
		got := untranslatedRuns(c.line, al)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: found %q, want %q", c.line, got, c.want)
		}
	}
}

// zhScreen shows one frame on a w×h terminal emulator and returns what a
// person reads there (wide characters take their two cells, escapes are
// gone).
func zhScreen(t testing.TB, w, h int, frame string) string {
	return emulate(t, frame, w, h).String()
}

// zhFindings collects what the walk found: each English text and the
// screens that show it.
type zhFindings map[string]map[string]bool

func (f zhFindings) scan(where, screen string, al latinAllow) {
	for _, line := range strings.Split(screen, "\n") {
		for _, r := range untranslatedRuns(line, al) {
			if f[r] == nil {
				f[r] = map[string]bool{}
			}
			f[r][where] = true
		}
	}
}

func (f zhFindings) report() string {
	var texts []string
	for r := range f {
		texts = append(texts, r)
	}
	sort.Strings(texts)
	var b strings.Builder
	for _, r := range texts {
		var where []string
		for w := range f[r] {
			where = append(where, w)
		}
		sort.Strings(where)
		fmt.Fprintf(&b, "  %q on %s\n", r, strings.Join(where, ", "))
	}
	return b.String()
}

// timeOfMonkey is the fake clock's start in the monkey, the walk and the
// goldens (a Saturday morning).
var timeOfMonkey = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// zhOpen opens page p of the monkey's list in a zh-CN console on the
// monkey's fake world, with the keys an operator presses.
func zhOpen(t testing.TB, p monkeyPage, w, h int, opts ...func(*Options)) (*monkeyRun, *monkeyAPI) {
	t.Helper()
	api := &monkeyAPI{fakeAPI: monkeyFake()}
	clock := clock.NewFake(timeOfMonkey)
	api.wf().now = clock.Now
	r := &monkeyRun{t: t, w: w, ht: h}
	r.h = newAppHarness(t, api, clock, w, h, append([]func(*Options){func(o *Options) { o.Lang = i18n.Chinese }}, opts...)...)
	if p.write {
		for _, s := range []string{":write", "text:SUP-1 客户报修", "enter"} {
			r.do(s)
		}
	}
	for _, s := range p.open {
		r.do(s)
	}
	return r, api
}

// scanHelp reads the whole help screen, a page of it at a time with the
// key map's page-down key, until the screen stops changing.
func scanHelp(t testing.TB, r *monkeyRun, where string, found zhFindings, al latinAllow) {
	down := DefaultKeyMap().Get(ActPageDown).Keys[0]
	prev := ""
	for range 20 {
		screen := zhScreen(t, r.w, r.ht, r.h.app.View().Content)
		if screen == prev {
			return
		}
		found.scan(where, screen, al)
		prev = screen
		r.do(down)
	}
}

func TestChineseWalkShowsNoEnglish(t *testing.T) {
	found := zhFindings{}
	for _, p := range monkeyPages {
		for _, size := range zhSizes {
			w, h := size[0], size[1]
			where := fmt.Sprintf("%s %dx%d", p.name, w, h)
			r, api := zhOpen(t, p, w, h)
			al := zhAllowList(api.fakeAPI, payloadPages[p.name])
			found.scan(where, zhScreen(t, w, h, r.h.app.View().Content), al)
			// The page's help screen, where the keys reach it (a prompt or
			// a form takes "?" as text).
			if r.h.app.mode == inputNone && len(r.h.app.dialogs) == 0 && p.name != "help" {
				r.do("?")
			}
			if r.h.app.showHelp {
				scanHelp(t, r, where+" help", found, al)
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("%d English text(s) on the zh-CN screens (text, then the pages that show it):\n%s", len(found), found.report())
	}
}
