package ui

import (
	"strings"
	"testing"
	"time"

	"acconsole/i18n"
	"acconsole/models"
)

// Timer rules in words, in English (the wording the console has always
// shown) and in Simplified Chinese, from the structured words models gives.
func TestTimerRuleWordsBothLanguages(t *testing.T) {
	en, zh := i18n.For(i18n.English), i18n.For(i18n.Chinese)
	tests := []struct {
		cycle, point, zone string
		en, zh             string
	}{
		{"once", "2026-12-01 07:30:00", "", "once on 2026-12-01 at 07:30", "一次 2026年12月1日 07:30"},
		{"once", "2026-12-01 07:30:00", "Asia/Shanghai", "once on 2026-12-01 at 07:30, Asia/Shanghai", "一次 2026年12月1日 07:30（Asia/Shanghai）"},
		{"min", "2026-12-01 07:30:00", "", "every minute", "每分钟"},
		{"min", "2026-12-01 07:30:20", "UTC", "every minute at second 20, UTC", "每分钟第 20 秒（UTC）"},
		{"hour", "2026-12-01 07:15:00", "", "every hour at :15:00", "每小时 15分00秒"},
		{"hour", "2026-12-01 07:15:09", "", "every hour at :15:09", "每小时 15分09秒"},
		{"day", "2026-12-01 07:30:00", "", "every day at 07:30", "每天 07:30"},
		{"day", "2026-12-01 07:30:45", "", "every day at 07:30:45", "每天 07:30:45"},
		{"day", "2026-12-01 07:30:00", "Asia/Shanghai", "every day at 07:30, Asia/Shanghai", "每天 07:30（Asia/Shanghai）"},
		{"week[1,2,3,4,5]", "2026-12-01 07:30:00", "", "weekdays at 07:30", "工作日 07:30"},
		{"week[1,2,3,4,5]", "2026-12-01 07:30:00", "Asia/Shanghai", "weekdays at 07:30, Asia/Shanghai", "工作日 07:30（Asia/Shanghai）"},
		{"week[0,6]", "2026-12-01 09:00:00", "Europe/Berlin", "weekends at 09:00, Europe/Berlin", "周末 09:00（Europe/Berlin）"},
		{"week[0,6]", "2026-12-01 09:00:00", "Asia/Shanghai", "weekends at 09:00, Asia/Shanghai", "周末 09:00（Asia/Shanghai）"},
		{"week[1,3,5]", "2026-12-01 07:30:00", "", "Mon, Wed, Fri at 07:30", "周一、周三、周五 07:30"},
		{"week[1,3,5]", "2026-12-01 07:30:00", "Asia/Shanghai", "Mon, Wed, Fri at 07:30, Asia/Shanghai", "周一、周三、周五 07:30（Asia/Shanghai）"},
		{"week[0,1]", "2026-12-01 07:30:00", "", "Sun, Mon at 07:30", "周日、周一 07:30"},
		{"week[2]", "2026-12-01 07:30:00", "", "every Tuesday at 07:30", "每周二 07:30"},
		{"week[0,1,2,3,4,5,6]", "2026-12-01 07:30:00", "", "every day at 07:30", "每天 07:30"},
		{"month", "2026-12-31 08:00:00", "", "monthly on day 31 at 08:00", "每月31日 08:00"},
		{"year", "2026-03-15 08:00:00", "", "yearly on 03-15 at 08:00", "每年3月15日 08:00"},
		// A zone with DST: the words keep the wall clock as written, even
		// inside the spring gap (02:30 does not exist on 2027-03-14).
		{"once", "2027-03-14 02:30:00", "America/New_York", "once on 2027-03-14 at 02:30, America/New_York", "一次 2027年3月14日 02:30（America/New_York）"},
		{"day", "2027-03-14 02:30:00", "America/New_York", "every day at 02:30, America/New_York", "每天 02:30（America/New_York）"},
		{"week[1,2,3,4,5]", "2027-03-14 07:30:00", "America/New_York", "weekdays at 07:30, America/New_York", "工作日 07:30（America/New_York）"},
		{"week[0,6]", "2027-03-14 07:30:00", "America/New_York", "weekends at 07:30, America/New_York", "周末 07:30（America/New_York）"},
		{"week[2,4]", "2027-03-14 07:30:00", "America/New_York", "Tue, Thu at 07:30, America/New_York", "周二、周四 07:30（America/New_York）"},
	}
	for _, tt := range tests {
		c, err := models.ParseTimeCycle(tt.cycle)
		if err != nil {
			t.Fatal(err)
		}
		wall, err := time.Parse(models.TimeLayout, tt.point)
		if err != nil {
			t.Fatal(err)
		}
		w := c.Words(wall)
		if got := ruleText(en, w, tt.zone); got != tt.en {
			t.Errorf("%s at %s %s in English = %q, want %q", tt.cycle, tt.point, tt.zone, got, tt.en)
		}
		if got := ruleText(zh, w, tt.zone); got != tt.zh {
			t.Errorf("%s at %s %s in Chinese = %q, want %q", tt.cycle, tt.point, tt.zone, got, tt.zh)
		}
		if tt.zone == "" {
			continue
		}
		// A task's rule (describeTask) says the same.
		d, bad := describeTask(models.TimerTask{TimeCycle: tt.cycle, TimePoint: tt.point, TimeZone: tt.zone})
		if bad != "" || d.text(zh) != tt.zh || d.text(en) != tt.en {
			t.Errorf("task %s at %s %s: %q / %q (bad %q)", tt.cycle, tt.point, tt.zone, d.text(en), d.text(zh), bad)
		}
	}
	var none models.TimeCycle
	if got := ruleText(zh, none.Words(time.Time{}), "UTC"); got != "无重复规则" {
		t.Errorf("no cycle in Chinese = %q", got)
	}
}

// Firing times: the editor's preview, the list's next column and the
// sentences, in each language's date form, in the firing's own zone.
func TestTimerFiringDatesBothLanguages(t *testing.T) {
	en, zh := i18n.For(i18n.English), i18n.For(i18n.Chinese)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	afterGap := time.Date(2027, 3, 14, 3, 30, 0, 0, ny)
	winter := time.Date(2026, 12, 5, 7, 30, 0, 0, sh)
	checks := []struct{ got, want string }{
		{firingText(en, afterGap), "Sun 2027-03-14 03:30:00 EDT"},
		{firingText(zh, afterGap), "2027年3月14日 周日 03:30:00 EDT"},
		{firingText(zh, winter), "2026年12月5日 周六 07:30:00 CST"},
		{nextText(en, winter), "12-05 07:30 CST"},
		{nextText(zh, winter), "12月5日 07:30 CST"},
		{minuteText(en, winter), "2026-12-05 07:30 CST"},
		{minuteText(zh, winter), "2026年12月5日 07:30 CST"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func openTimersChinese(t *testing.T, api *fakeAPI, at time.Time) *wfHarness {
	t.Helper()
	h := newWFHarness(t, api, 170, 44, func(o *Options) { o.Lang = i18n.Chinese })
	h.clock.Set(at)
	h.command("device 900")
	h.must("客厅插座")
	h.act(ActTimers)
	h.must("客厅插座 的定时任务")
	return h
}

// The timer list in Chinese: rules in words, next firings in the Chinese
// date form, status and kind; starting and stopping ask in Chinese.
func TestTimersListChinese(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.tasks[900] = []models.TimerTask{
		{TaskID: 11, DeviceID: 900, Name: "Heater", TimeZone: "Asia/Shanghai", TimePoint: "2026-11-01 06:45:00", TimeCycle: "week[1,2,3,4,5]", MessageCode: 68, Status: models.TaskRunning},
		{TaskID: 12, DeviceID: 900, Name: "Porch", TimeZone: "America/New_York", TimePoint: "2026-11-01 18:00:00", TimeCycle: "week[1,3,5]", MessageCode: 68, Status: models.TaskStopped, TaskFlag: 1},
	}
	h := openTimersChinese(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) // a Saturday
	h.must("名称", "规则", "下次执行", "上次执行", "2/30 个定时任务")
	h.must("Heater", "工作日 06:45（Asia/Shanghai）", "11月30日 06:45 CST", "从未执行", "云端")
	h.must("Porch", "周一、周三、周五 18:00（America/New_York）", "已停止", "设备")

	h.writeMode()
	h.act(ActTimerToggle)
	h.must(`停止定时任务 "Heater"（工作日`, "06:45（Asia/Shanghai）），直到再次启动？")
	h.press("y")
	if w.tasks[900][0].Status != models.TaskStopped {
		t.Fatal("the timer was not stopped")
	}
	h.act(ActTimerToggle)
	h.must(`启动定时任务 "Heater"（工作日`, "下次执行", "2026年11月30日 06:45 CST？")
}

// The editor in Chinese: field names, choices, the rule, the next firings
// in the Chinese date form with the DST gap noted, and the validation
// message of a save without a name.
func TestTimerEditorChinese(t *testing.T) {
	api := newFakeAPI()
	h := openTimersChinese(t, api, time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC))
	h.act(ActCreate)
	h.must("新建定时任务", "名称", "重复", "首次执行", "时区", "执行位置", "‹每天›", "接下来 10 次执行")

	h.typeText("Night")
	editField(h, tePoint, "2027-03-10 02:30:00")
	editField(h, teZone, "America/New_York")
	h.must("规则 每天 02:30（America/New_York）", "时区 America/New_York")
	h.must("2027年3月13日 周六 02:30:00 EST", "2027年3月14日 周日 03:00:00 EDT",
		"夏令时跳过：02:30 在该时区不存在；改在 03:00 执行")

	// Weekly on Monday, Wednesday and Friday, by the editor's keys.
	for topAs[*timerEditor](h).focus != teCycle {
		h.press("down")
	}
	h.press("right") // 每天 → 每周
	h.must("‹每周›", "[周一]")
	h.press("down")   // the days: Monday to Friday at first
	h.press("2", "4") // Tuesday and Thursday off
	h.must("规则 周一、周三、周五 02:30（America/New_York）", "2027年3月15日 周一 02:30:00 EDT")

	// A save without a name says which field is wrong, in Chinese.
	editField(h, teName, "")
	h.press("esc") // stop typing, so that ":" opens the command bar
	h.must("未在输入")
	h.writeMode()
	h.act(ActSave)
	h.must("名称：定时任务需要名称")
}

// The pairing run's summary: counts through plural messages, the lists,
// and why the run ended, in both languages.
func TestPairingSummaryBothLanguages(t *testing.T) {
	en, zh := i18n.For(i18n.English), i18n.For(i18n.Chinese)
	sum := pairSummary{gateway: "00000000000000G1", why: whyOperator, duration: 90 * time.Second, timed: true, joined: 3,
		added:   []pairAddedRow{{"00000000000000A1", "Bulb 00A1"}, {"00000000000000A2", "Hall switch"}},
		skipped: []string{"00000000000000A3"}}
	if got, want := sum.text(zh), `网关 00000000000000G1 的入网在 1:30 后结束（由操作员关闭）：入网 3 个，已添加 2 个，失败 0 个，跳过 1 个，仍在等待 0 个；已添加：00000000000000A1 名为 "Bulb 00A1"、00000000000000A2 名为 "Hall switch"；已跳过：00000000000000A3`; got != want {
		t.Errorf("Chinese summary\n got %q\nwant %q", got, want)
	}
	if got, want := sum.text(en), `pairing run on gateway 00000000000000G1 ended after 1:30 (closed by the operator): 3 joined, 2 added, 0 failed, 1 skipped, 0 still waiting; added: 00000000000000A1 as "Bulb 00A1", 00000000000000A2 as "Hall switch"; skipped: 00000000000000A3`; got != want {
		t.Errorf("English summary\n got %q\nwant %q", got, want)
	}
	one := pairSummary{gateway: "G", why: whyGateway, joined: 1, failed: []pairAddedRow{{"B1", "3804 no such device"}}}
	if got, want := one.text(zh), "网关 G 的入网已结束（由网关关闭）：入网 1 个，已添加 0 个，失败 1 个，跳过 0 个，仍在等待 0 个；失败：B1（3804 no such device）"; got != want {
		t.Errorf("Chinese summary\n got %q\nwant %q", got, want)
	}
	for _, c := range []struct {
		n      int
		en, zh string
	}{
		{1, "Add 1 sub-device to Home hub: x?", "将 1 个子设备添加到 Home hub：x？"},
		{2, "Add 2 sub-devices to Home hub: x?", "将 2 个子设备添加到 Home hub：x？"},
	} {
		if got := en.N("pairing.add_confirm", c.n, "Gateway", "Home hub", "Names", "x"); got != c.en {
			t.Errorf("English add question for %d = %q", c.n, got)
		}
		if got := zh.N("pairing.add_confirm", c.n, "Gateway", "Home hub", "Names", "x"); got != c.zh {
			t.Errorf("Chinese add question for %d = %q", c.n, got)
		}
	}
}

// A pairing run in Chinese, by the default keys: the window's state and
// countdown, joined sub-devices, the add question and the summary on
// screen in Chinese; the close call's audit note stays English.
func TestPairingRunChinese(t *testing.T) {
	api := gatewayFake()
	h := newWFHarness(t, api, 150, 40, func(o *Options) { o.Lang = i18n.Chinese })
	h.command("device 950")
	h.must("Home hub")
	w := api.wf()
	w.join(950, "bulb", "00000000000000E1") // joined earlier, never added

	h.act(ActPair)
	h.must("Home hub 的网关接入", "1 个子设备之前已入网但从未添加", "入网窗口已关闭 · 时长", "‹120 秒›", "物理ID", "之前", "已入网")

	h.writeMode()
	h.act(ActPairOpen)
	h.must("打开 Home hub 的入网窗口多少秒？（60、120 或 254；最多 254）：")
	h.answer("60")
	h.must("已打开 剩余 1:00", "网关报告的截止时间")

	w.join(950, "switch", "00000000000000A1")
	h.advance(time.Second)
	h.must("00000000000000A1", "2 个等待添加")

	h.act(ActPairAddAll)
	h.must(`将 2 个子设备添加到 Home hub："Bulb 00E1"、"Switch 00A1"？`)
	h.press("y")
	h.must("已添加")

	h.act(ActPairClose)
	h.must("现在关闭 Home hub 的入网窗口（剩余")
	h.press("y")
	h.must("入网窗口已关闭", "（由操作员关闭）", "入网 1 个，已添加 2 个，失败 0 个，跳过 0 个，仍在等待 0 个")
	if len(w.closes) != 1 || !strings.Contains(w.closes[0], "1 joined, 2 added, 0 failed, 0 skipped, 0 still waiting") {
		t.Fatalf("the close call's audit note = %q", w.closes)
	}
}

// :lang switches the timer list live: the column titles, the rules and
// the next firings are said again in the new language, the cursor stays.
func TestTimersListSwitchesLanguageLive(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.tasks[900] = []models.TimerTask{
		{TaskID: 11, DeviceID: 900, Name: "Heater", TimeZone: "Asia/Shanghai", TimePoint: "2026-11-01 06:45:00", TimeCycle: "week[1,2,3,4,5]", MessageCode: 68, Status: models.TaskRunning},
		{TaskID: 12, DeviceID: 900, Name: "Lamp", TimeZone: "Asia/Shanghai", TimePoint: "2026-11-01 19:00:00", TimeCycle: "week[0,6]", MessageCode: 68, Status: models.TaskRunning},
	}
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.must("NAME", "weekdays at 06:45, Asia/Shanghai", "weekends at 19:00, Asia/Shanghai", "11-30 06:45 CST")
	h.press("down")
	h.command("lang zh-CN")
	h.must("名称", "下次执行", "工作日 06:45（Asia/Shanghai）", "周末 19:00（Asia/Shanghai）", "11月30日 06:45 CST", "11月28日 19:00 CST")
	if r, ok := topAs[*timersPage](h).tbl.CursorRow(); !ok || r.task.Name != "Lamp" {
		t.Fatalf("the cursor moved off Lamp: %+v", r.task)
	}
	h.command("lang en")
	h.must("NAME", "weekdays at 06:45, Asia/Shanghai")
}
