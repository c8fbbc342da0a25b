package ui

import (
	"strings"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"acconsole/i18n"
	"acconsole/internal/vtscreen"
)

// The list pages in Simplified Chinese: hand-written expectations, read
// off the screen a person sees.

func chinese(o *Options) { o.Lang = i18n.Chinese }

// cellX is the screen column (in cells) where needle starts on row y, or
// -1. A wide character fills two cells: the second holds no content and
// is skipped, so the text read from x on is what the row shows.
func cellX(cell func(x, y int) *uv.Cell, y, w int, needle string) int {
	for x := 0; x < w; x++ {
		var b strings.Builder
		for k := x; k < w && b.Len() < len(needle); k++ {
			c := cell(k, y)
			if c == nil || c.Width == 0 {
				if k == x {
					break // the right half of a wide character
				}
				continue
			}
			b.WriteString(c.Content)
		}
		if strings.HasPrefix(b.String(), needle) {
			return x
		}
	}
	return -1
}

// rowOf is the first screen row showing needle, or -1.
func rowOf(cell func(x, y int) *uv.Cell, w, h int, needle string) int {
	for y := 0; y < h; y++ {
		if cellX(cell, y, w, needle) >= 0 {
			return y
		}
	}
	return -1
}

// On an 80-column terminal the Chinese users page lines up: the column
// titles stand over their cells, and a user whose nick name is Chinese
// (two cells a character) keeps the phone and creation columns where the
// ASCII rows have them.
func TestChineseUsersPageColumnsAlignOnScreen(t *testing.T) {
	const w, hgt = 80, 24
	api := newFakeAPI()
	api.users[1].NickName = "王小明"
	app := New(Options{Clock: parkedClock(t), API: api, Keys: DefaultKeyMap(), Lang: i18n.Chinese, Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, hgt))
	defer func() { _ = tm.Quit() }()
	scr := vtscreen.New(w, hgt, tm.Output())
	text := scr.WaitFor(t, "用户 第 1–100 个，共 250 个（精确计数）", "昵称", "手机号", "王小明", "user003")
	cell := scr.Snapshot()

	head := rowOf(cell, w, hgt, "昵称")
	ascii, wide := rowOf(cell, w, hgt, "13800000001"), rowOf(cell, w, hgt, "13800000002")
	if head < 0 || ascii < 0 || wide < 0 {
		t.Fatalf("rows not found (header %d, user 1 %d, user 2 %d):\n%s", head, ascii, wide, text)
	}
	if cellX(cell, wide, w, "王小明") < 0 {
		t.Fatalf("user 2's row does not show the Chinese name:\n%s", text)
	}
	// By hand: the gutter (2 cells), ID (1+8), then NICK NAME at 12; the
	// 80 cells leave 10 beyond every column's minimum (70), shared by the
	// two flexible columns (NICK NAME, EMAIL), so NICK NAME is 10+5 cells
	// and PHONE starts at 12+15+1 = 28.
	phone := cellX(cell, head, w, "手机号")
	if nick := cellX(cell, head, w, "昵称"); nick != 12 || phone != 28 {
		t.Fatalf("column titles at cells %d (昵称) and %d (手机号), want 12 and 28\n%s", nick, phone, text)
	}
	if got1, got2 := cellX(cell, ascii, w, "13800000001"), cellX(cell, wide, w, "13800000002"); got1 != phone || got2 != phone {
		t.Fatalf("PHONE column: title at cell %d, user 1's phone at %d, user 2's (Chinese name) at %d\n%s", phone, got1, got2, text)
	}
	// The nick names start under their title, whatever their width.
	nick := cellX(cell, head, w, "昵称")
	if got1, got2 := cellX(cell, ascii, w, "user001"), cellX(cell, wide, w, "王小明"); got1 != nick || got2 != nick {
		t.Fatalf("NICK NAME column: title at cell %d, user001 at %d, 王小明 at %d\n%s", nick, got1, got2, text)
	}
	// Every row of the table ends inside the screen: the last cell of a
	// Chinese row is the same cell as an ASCII row's.
	for _, y := range []int{head, ascii, wide} {
		if c := cell(w-1, y); c == nil {
			t.Fatalf("row %d is shorter than the screen", y)
		}
	}
	for _, want := range []string{"创建时间", "邮箱", "共 100 行"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the users page lacks %q:\n%s", want, text)
		}
	}
}

// The device page names every field in Chinese; the data (name,
// product, physical id, home and room names) stays as it is.
func TestChineseDevicePageLabels(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 100, 30, chinese)
	h.command("device 900")
	h.must(
		" 客厅插座  ● 在线  设备 #900",
		" 产品 plug   物理ID A1B2C3D4E5F60001",
		" 固件 –   模组 –   MAC –",
		" 激活时间 –   最后在线 –   IP –",
		" 位置 –",
		` 位于家庭 "Home"（#5），房间 "客厅 Living room"（#1）`,
		" 扩展属性 –",
		" 用户（1）",
		"   管理员   #42",
	)
	h.mustNot("online")
	h.mustNot("physical id")
}

// A device nobody has bound says so in Chinese.
func TestChineseUnboundDevice(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 100, 30, chinese)
	h.command("device FFEE000000000001")
	h.must("在设备仓库中，尚未绑定给任何人", "● 在线")
	h.act(ActRename)
	h.must("这台设备尚未被任何人绑定：它还没有逻辑ID，也没有可代表的管理员")
}

// :lang en on an open table renames its columns and its lines at once,
// on the page in view and on the page in the history, and keeps the
// cursor.
func TestLangEnRelabelsAnOpenTable(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 110, 30, chinese)
	h.must("昵称", "手机号", "创建时间", "用户 第 1–100 个，共 250 个（精确计数）")
	h.command("user 42")
	h.must("物理ID", "角色", "设备 第 1–2 台，共 2 台", "本页 1 台在线", "管理员", "普通用户", "手机号 13800000042")
	h.press("down")
	h.command("lang en")
	h.must("PHYSICAL ID", "ROLE", "devices 1–2 of 2", "1 online on this page", "owner", "shared", "phone 13800000042")
	h.mustNot("物理ID")
	h.mustNot("管理员")
	h.mustNot("普通用户")
	if p := topAs[*userPage](h); p.devs.tbl.CursorID() != "901" {
		t.Fatalf("the cursor moved with the language: on %q", p.devs.tbl.CursorID())
	}
	h.act(ActHistBack)
	h.must("NICK NAME", "PHONE", "CREATED", "users 1–100 of 250 (exact count)")
	h.mustNot("昵称")
	h.command("lang zh-CN")
	h.must("昵称", "用户 第 1–100 个，共 250 个（精确计数）")
}

// The table's own lines in Chinese: a filter that matches nothing, and
// the pager's filter note.
func TestChineseFilterLines(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 110, 30, chinese)
	h.press("/")
	h.typeText("user01")
	h.press("enter")
	h.must("筛选：本页 100 行中有 10 行匹配（仅限本页）", "第 1–10 行，共 10 行（从 100 行中筛选）")
	h.press("/")
	h.typeText("zzz") // the filter line keeps "user01": it reads "user01zzz"
	h.press("enter")
	h.must(`没有与 "user01zzz" 匹配的行`, "共 0 行（从 100 行中筛选）", "筛选：本页 100 行中有 0 行匹配（仅限本页）")
}

// The homes of a user, and the rooms of a home, in Chinese.
func TestChineseHomesAndRooms(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 100, 30, chinese)
	h.command("user 42")
	h.act(ActHomes)
	h.must("家庭", "名称", "管理员")
	h.press("enter")
	h.must("房间", "（家庭的全部设备）", "Kitchen")
}

// Spans and the cloud's times as a person reads them, by hand.
func TestSpansAndCloudTimesInBothLanguages(t *testing.T) {
	zh, en := i18n.For(i18n.Chinese), i18n.For(i18n.English)
	cases := []struct{ got, want string }{
		{spanIn(zh, 15*time.Minute), "15 分钟"},
		{spanIn(en, 15*time.Minute), "15 min"},
		{spanIn(zh, 90*time.Second), "1分30秒"},
		{spanIn(en, 90*time.Second), "1m 30s"},
		{cloudTime(zh, "2026-12-05 07:30:00"), "2026年12月5日 周六 07:30"},
		{cloudTime(en, "2026-12-05 07:30:00"), "Sat 5 Dec 2026 07:30"},
		{cloudTime(zh, "yesterday"), "yesterday"},
		{cloudTime(en, ""), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// Binding a phone in Chinese: the prompts, the outbox and the line that
// says a code is waiting; "resend" and the key stay as they are.
func TestChineseBindPhone(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 160, 30, chinese)
	h.writeMode()
	h.command("user 42")
	h.act(ActBindPhone)
	h.must("要绑定的手机号（验证码将发送到该号码）：")
	h.answer("13912345678")
	h.must(`验证码已发送至 13912345678（本地云端发送的是 482910），请输入验证码，或输入 "resend" 重新发送：`)
	h.press("esc")
	h.command("outbox")
	h.must("短信发件箱", "发送时间", "账号", "验证码", "13912345678", "482910")
	h.press("esc")
	h.must("发送至 13912345678（本地云端：482910）", "按 B 输入")
}
