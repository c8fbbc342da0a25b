package ui

import (
	"acconsole/internal/clock"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"acconsole/acapi"
	"acconsole/i18n"
	"acconsole/internal/vtscreen"
	"acconsole/models"
	"acconsole/ui/text"
)

// The console's shell in Simplified Chinese: expectations are written by
// hand, as a Chinese-reading operator should see them.

func inChinese(o *Options) { o.Lang = i18n.Chinese }

// Every action of the default key map has a catalog description, so the
// footer and the help screen never fall back to English in a Chinese
// console; in English it is the binding's own words.
func TestEveryDefaultActionHasAKeyDescription(t *testing.T) {
	en, zh := i18n.For(i18n.English), i18n.For(i18n.Chinese)
	for _, b := range DefaultBindings() {
		id := "key." + b.Action
		if !i18n.Has(id) {
			t.Errorf("action %s has no catalog id %s", b.Action, id)
			continue
		}
		if got := en.T(id); got != b.Desc {
			t.Errorf("%s in English: %q, the binding says %q", id, got, b.Desc)
		}
		if got := zh.T(id); got == b.Desc || strings.HasPrefix(got, "[") {
			t.Errorf("%s is not translated: %q", id, got)
		}
	}
	// A few by hand.
	for id, want := range map[string]string{"key.help": "按键", "key.quit": "退出", "key.rename": "重命名", "key.unbind_user": "解绑用户", "key.pair": "子设备入网（网关）"} {
		if got := zh.T(id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

// Every AbleCloud error code the models know means the same in the
// catalog's English as in models.ErrorText, and has a Chinese meaning.
func TestEveryErrorCodeHasAMeaningInBothLanguages(t *testing.T) {
	en, zh := i18n.For(i18n.English), i18n.For(i18n.Chinese)
	for _, code := range models.ErrorCodes() {
		if got, want := codeMeaning(en, code), models.ErrorText(code); got != want {
			t.Errorf("%d in English: %q, models say %q", code, got, want)
		}
		if got := codeMeaning(zh, code); got == models.ErrorText(code) || strings.HasPrefix(got, "[") {
			t.Errorf("%d has no Chinese meaning: %q", code, got)
		}
	}
	cases := map[int]string{
		3802:  "设备不存在或未绑定到该用户",
		3807:  "设备离线",
		3817:  "分享码已过期，请向管理员索取新的分享码",
		4403:  "定时任务状态不允许此操作",
		3903:  "文件存储错误",
		12345: "厂商云端服务返回的错误",
		4999:  "未知错误",
	}
	for code, want := range cases {
		if got := codeMeaning(zh, code); got != want {
			t.Errorf("%d: %q, want %q", code, got, want)
		}
	}
	if got := codeMeaning(en, 3903); got != "file store error" {
		t.Errorf("3903 in English: %q", got)
	}
}

// sendAction types the first default key of action into a program.
func sendAction(tm *teatest.TestModel, action string) {
	tm.Send(wfKey(DefaultKeyMap().Get(action).Keys[0]))
}

// On a terminal, in Chinese: the header and the footer at 80 and 120
// columns, then ? opens the help in Chinese.
func TestScreenChineseHeaderFooterAndHelp(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, hgt := size[0], size[1]
		app := New(Options{Clock: parkedClock(t), API: newFakeAPI(), Keys: DefaultKeyMap(), Lang: i18n.Chinese,
			Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}})
		tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, hgt))
		scr := vtscreen.New(w, hgt, tm.Output())
		screen := scr.WaitFor(t, "? 按键", "q 退出", ": 命令")
		rows := strings.Split(screen, "\n")
		if !strings.Contains(rows[0], "主域 acme") || !strings.Contains(rows[0], "只读") {
			t.Fatalf("%dx%d: header %q", w, hgt, rows[0])
		}
		sendAction(tm, ActHelp)
		help := scr.WaitFor(t, "所有视图", "表格中")
		for _, want := range []string{"当前视图：", "历史后退", "esc 或 ? 关闭", "还有"} {
			if !strings.Contains(help, want) {
				t.Fatalf("%dx%d: help lacks %q:\n%s", w, hgt, want, help)
			}
		}
		// The help's own lines: the rename key, marked as a write.
		sendAction(tm, ActPageDown)
		sendAction(tm, ActPageDown)
		scr.WaitFor(t, "R              重命名（写模式）")
		_ = tm.Quit()
	}
}

// At 80 columns the Chinese header and footer fit in cells: no line is
// wider than the screen, the header shows the mode, and the footer keeps
// the help key.
func TestChineseHeaderAndFooterFitIn80Columns(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 80, 24, inChinese, func(o *Options) { o.Operator = "张伟" })
	h.command("user 42")
	h.act(ActHomes)
	h.writeMode()
	lines := strings.Split(h.screen(), "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		if n := text.Width(l); n > 80 {
			t.Errorf("line %d is %d cells: %q", i, n, l)
		}
	}
	if !strings.Contains(lines[0], "操作员 张伟") || !strings.Contains(lines[0], "写模式 ") {
		t.Errorf("header: %q", lines[0])
	}
	if text.Width(ansi.Strip(h.app.renderHeader(80))) != 80 {
		t.Errorf("the header does not fill 80 cells: %q", ansi.Strip(h.app.renderHeader(80)))
	}
	h.advance(10 * time.Second) // the status line gives the footer back
	for _, l := range h.app.footerHints(80) {
		if n := text.Width(ansi.Strip(l)); n > 80 {
			t.Errorf("footer line is %d cells: %q", n, ansi.Strip(l))
		}
	}
	foot := ansi.Strip(strings.Join(h.app.footerHints(80), "\n"))
	for _, want := range []string{"R 重命名", "? 按键"} {
		if !strings.Contains(foot, want) {
			t.Errorf("footer lacks %q:\n%s", want, foot)
		}
	}
}

// Renaming a home in write mode, in Chinese: refused with the reason in
// read-only mode, then the question, the confirmation that says what will
// happen, and the status once done.
func TestChineseRenameConfirmation(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 30, inChinese)
	h.command("user 42")
	h.act(ActHomes)
	h.must("Home")
	h.act(ActRename)
	h.must("只读：输入 :write 开启写模式 15 分钟")
	h.writeMode()
	h.must("写模式已开启 15 分钟：SUP-1 test")
	h.act(ActRename)
	h.must("新名称：")
	h.typeText("主卧")
	h.press("enter")
	h.must(`将家庭 "Home" 重命名为 "主卧"？`, "y 是", "n/enter 否（默认）")
	h.press("y")
	h.must(`完成：已将家庭 "Home" 重命名为 "主卧"`)
	if got := api.renamesSoFar(); got != `rename home 5 "主卧"` {
		t.Fatalf("writes: %s", got)
	}
}

// The read-only refusal is audited in English whatever the screen shows.
func TestChineseRefusalIsAuditedInEnglish(t *testing.T) {
	var whys []string
	h := newWFHarness(t, newFakeAPI(), 120, 30, inChinese, func(o *Options) {
		o.AuditRefused = func(action, why string) { whys = append(whys, action+" | "+why) }
	})
	h.command("user 42")
	h.act(ActHomes)
	h.must("Home")
	h.act(ActCreate)
	h.must("只读：")
	if len(whys) != 1 || whys[0] != "Homes: name of the new home | read-only: type :write to enable changes for 15 min" {
		t.Fatalf("audited: %q", whys)
	}
}

// traceFake answers device lookups the way the cloud does for an unknown
// device: 3802 with a trace id.
type traceFake struct{ *fakeAPI }

func (f traceFake) DeviceDetail(context.Context, DeviceRef) (DeviceDetail, error) {
	return DeviceDetail{}, &acapi.Error{Code: models.ErrDeviceAbsent, Service: "zc-bind", Method: "getUserDevice", TraceID: "trace-7f3a"}
}

func (f traceFake) FindDevices(context.Context, string) ([]models.DeviceInfo, error) {
	return nil, &acapi.Error{Code: models.ErrDeviceAbsent, Service: "zc-warehouse", Method: "getDevicesInfo", TraceID: "trace-7f3a"}
}

// The error dialog of a 3802 in Chinese: code, meaning, call and trace id,
// the labels lined up in cells.
func TestChineseErrorDialogOf3802(t *testing.T) {
	clock := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h := newAppHarness(t, traceFake{newFakeAPI()}, clock, 120, 30, inChinese)
	h.command("device 99999")
	h.must("设备不存在或未绑定到该用户（错误码 3802）— 按 e 查看详情")
	h.act(ActErrors)
	h.must("最近错误",
		"错误码  3802",
		"含义    设备不存在或未绑定到该用户",
		"调用    zc-warehouse/getDevicesInfo",
		"跟踪 ID trace-7f3a",
		"按任意键关闭")
}

// Below the minimum size, in Chinese, wrapped by cells.
func TestChineseTooSmallScreen(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 60, 20, inChinese)
	lines := strings.Split(h.screen(), "\n")
	for _, l := range lines {
		if text.Width(l) > 60 {
			t.Fatalf("line wider than 60 cells: %q", l)
		}
	}
	want := "终端窗口太小：60×20，至少需要 80×24；请调整窗口大小，或按 q 退出"
	if got := strings.Join(lines, ""); got != want {
		t.Fatalf("too small:\n%q\nwant\n%q", got, want)
	}

	app := New(Options{Clock: parkedClock(t), API: newFakeAPI(), Keys: DefaultKeyMap(), Lang: i18n.Chinese, Profile: Profile{Name: "t", CanWrite: true}})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(60, 20))
	vt := vtscreen.New(60, 20, tm.Output())
	vt.WaitFor(t, "终端窗口太小：60×20")
	_ = tm.Quit()
}

// :lang en switches a Chinese console to English live: the same pages
// stay on the stack (the breadcrumb names the same path), and :lang zh-CN
// brings the Chinese back.
func TestLangSwitchKeepsTheStack(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 120, 30, inChinese)
	h.command("user 42")
	h.act(ActHomes)
	h.must("Home")
	crumbs := func() string { return strings.Split(h.screen(), "\n")[1] }
	before, zhCrumbs := append([]Page(nil), h.app.stack...), crumbs()
	h.must("? 按键")
	h.command("lang en")
	h.must("language: English")
	h.advance(10 * time.Second)
	h.must("? keys", "read-only")
	if !sameStack(before, h.app.stack) {
		t.Fatalf("the stack changed: %d pages, was %d", len(h.app.stack), len(before))
	}
	if n := strings.Count(crumbs(), h.app.styles.Glyphs.PathSep); n != len(before)-1 {
		t.Fatalf("breadcrumb %q does not name %d pages", crumbs(), len(before))
	}
	h.command("lang zh-CN")
	h.must("界面语言：简体中文")
	if !sameStack(before, h.app.stack) || crumbs() != zhCrumbs {
		t.Fatalf("back in Chinese the breadcrumb is %q, was %q", crumbs(), zhCrumbs)
	}
	h.advance(10 * time.Second)
	h.must("? 按键", "只读")
}

func TestUserLabelInChinese(t *testing.T) {
	zh := i18n.For(i18n.Chinese)
	if got := userLabelIn(zh, models.DeviceUser{UserID: 7}); got != "用户 #7" {
		t.Errorf("no name: %q", got)
	}
	if got := userLabelIn(zh, models.DeviceUser{UserID: 7, NickName: "王芳"}); got != "王芳（#7）" {
		t.Errorf("named: %q", got)
	}
	if got := userLabel(models.DeviceUser{UserID: 7, Phone: "13800000007"}); got != "13800000007 (#7)" {
		t.Errorf("English: %q", got)
	}
}
