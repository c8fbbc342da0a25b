package ui

import (
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/i18n"
	"acconsole/models"
)

// The Chinese console, pressed through the default keys: the expected
// texts are written by hand from the AbleCloud Chinese terms (固件升级,
// 下载/校验/写入/重启, 预计剩余, 分享码, 发送指令…).

// chinese (i18n_lists_test.go) starts a console in Simplified Chinese.

// The firmware page in the middle of an upgrade: the confirmation, then
// phase, percent and time left in Chinese, then the stall.
func TestChineseFirmwarePageMidUpgrade(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.version[900] = models.OTAVersion{Update: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1}
	h := newWFHarness(t, api, 140, 40, chinese)
	h.command("device 900")
	h.act(ActFirmware)
	h.must("客厅插座 的固件", "当前 1-4-2 → 目标 1-5-0", "模式：用户确认", "等待确认：按 u 代用户确认（需填写原因）", "此设备尚未进行过升级")

	h.writeMode()
	h.act(ActOTAConfirm)
	h.must("代用户确认此次升级的原因（工单号）：")
	h.answer("")
	h.must("代用户确认升级需要填写原因（例如工单号）")
	h.act(ActOTAConfirm)
	h.answer("SUP-42")
	h.must("将 客厅插座 的 MCU 固件从 1-4-2 升级到 1-5-", "（用户确认）？设备会重启。原因：SUP-42") // the dialog wraps the line
	h.press("y")
	h.must("升级中：下载，0 % — 已确认，只需等待", "正在估算剩余时间…")

	// 20 % at 2 s, 40 % at 4 s: 60 % left at 10 %/s is 6 s.
	start := h.clock.Now()
	for i, pct := range []float64{20, 40} {
		at := start.Add(time.Duration(2*(i+1)) * time.Second)
		setStatus(w, 900, func(st *models.UpgradeStatus) { st.Percent, st.LastProgressAt, st.Phase = pct, at, "download" })
		h.advance(2 * time.Second)
	}
	h.must("40.0 % 下载  → 1-5-0", "按近期速度预计剩余 6秒", "上次进度在 0秒 前", "开始于 2026年11月28日 周六")

	setStatus(w, 900, func(st *models.UpgradeStatus) { st.Phase = "flash" })
	h.advance(time.Second)
	h.must("40.0 % 写入", "升级中：写入，40 %")

	// Silent for more than three of its one-second intervals.
	h.advance(4 * time.Second)
	h.must("已停滞", "已 5秒 无进度（此前设备每 1秒 报告一次）：设备可能不在范围内、已休眠或卡住")
}

// The share dialog: what a code grants, asked before it is made, then
// the code with its countdown, in Chinese.
func TestChineseShareDialog(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40, chinese)
	h.command("device 900")
	h.writeMode()
	h.act(ActShare)
	h.must("以用户 #42 身份为 客厅插座 (plug 0001) 创建分享码？在接下来的 5", "分钟内，任何持有者都可以将该设备绑定到自己的账号。")
	h.press("enter") // the default is No
	h.must("分享 客厅插座 (plug 0001)", "尚无分享码：分享码创建后 5 分钟内有效，任何持有者都可以将该设备绑定到自己的账号", "按 n 创建分享码（会先确认）")
	h.act(ActRenew)
	h.press("y")
	h.must("分享码 8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n1#900", "有效 5:00", "未配置微信桥：二维码内容为分享码（bindDeviceWithShareCode）")
	h.advance(5 * time.Minute)
	h.must("已过期：按 n 获取新的分享码")
}

// A line of the live tail: the kind column and the event in Chinese; the
// device's name, codes and the cloud's description stay as data.
func TestChineseEventsLines(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	t0 := time.Date(2026, 11, 28, 9, 59, 0, 0, time.UTC)
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0, Kind: "online", Other: "10.0.0.7"})
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0.Add(time.Second), Kind: "command", Code: 68, Text: "set power: on", Result: "refused"})
	h := newWFHarness(t, api, 160, 40, chinese)
	h.command("device 900")
	h.act(ActEvents)
	h.must("关注的设备", "客厅插座", "上线", "已上线，来自 10.0.0.7", "指令", "68 set power: on → 设备拒绝执行（错误回复 127）", "2 行")

	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0.Add(70 * time.Second), Kind: "offline"})
	h.advance(2 * time.Second)
	h.must("离线", "已离线")

	// The filter finds a line by the kind's Chinese word, too.
	p := topAs[*eventsPage](h)
	_ = p.SetFilter("离线")
	h.must("已离线")
	h.mustNot("来自 10.0.0.7")
	_ = p.SetFilter("")

	h.act(ActPause)
	h.must("已暂停：不再读取新事件")

	// :lang rewords the lines already read.
	h.command("lang en")
	h.must("came online from 10.0.0.7", "68 set power: on → refused by the device (error reply 127)", "went offline", "paused")
	h.mustNot("已离线")
}

// The composer's plug set-power command: the message and field names
// come from the i18n catalog, the values and layout notation stay.
func TestChineseComposerSetPower(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 150, 45, chinese)
	h.command("device 900")
	h.act(ActSendCommand)
	h.must("发送指令 → 客厅插座", "消息码", "65  识别设备", "68  设置电源", "69  查询状态", "其他消息码（65–199）")

	h.press("down") // 68
	h.must("数据  消息码 68 设置电源", "十六进制 例如 01", "字段", "[0] 电源")
	h.act(ActNextField)
	h.typeText("01")
	h.must("（1 字节，应为 1）", "= on", "→ 设置电源：电源 on")

	h.press("esc")
	h.writeMode()
	h.press("enter") // type again
	h.press("enter") // send
	h.must("以用户 #42 身份向 客厅插座 发送 68 设置电源：电源 on？")
	h.press("y")
	h.must("历史（1）", "68 设置电源：电源 on", "→ 102 状态：电源 on，功率 9.5 W，用电量 12345 Wh", "[01] → [01 00 5F 00 00 30 39]，用时 3ms")

	// The 3814 timeout says what to do, in Chinese.
	api.wf().reply = func(int, []byte) (CommandReply, error) {
		return CommandReply{}, &acapi.Error{Code: models.ErrDeviceTimeout, Service: "zc-bind", Method: "sendToDevice"}
	}
	h.press("enter")
	h.press("y")
	h.must("5秒内无回复（3814）：设备已收到指令但未及时回复")
}

// Every field and message name of the product catalog has an id in the
// i18n catalog: English is the catalog's own name, Chinese a translation
// (only "PM2.5" reads the same); a name without an id shows as it is.
func TestProductNamesTranslated(t *testing.T) {
	en, zh := i18n.For(i18n.English), i18n.For(i18n.Chinese)
	same := map[string]bool{"PM2.5": true}
	check := func(family, name string) {
		id := family + productSlug(name)
		if !i18n.Has(id) {
			t.Errorf("%q: no id %s in the catalogs", name, id)
			return
		}
		if got := productName(en, family, name); got != name {
			t.Errorf("%s in English is %q, want the catalog's name %q", id, got, name)
		}
		if got := productName(zh, family, name); got == name && !same[name] {
			t.Errorf("%s in Chinese is still %q", id, got)
		}
	}
	for _, p := range catalog.Catalog() {
		for _, m := range p.Messages {
			check(productMessageFamily, m.Name)
			for _, f := range append(append([]catalog.Field(nil), m.Fields...), m.Repeat...) {
				check(productFieldFamily, f.Name)
			}
		}
	}
	if got := productName(zh, productFieldFamily, "vendor dial"); got != "vendor dial" {
		t.Errorf("a name without an id shows as %q", got)
	}
	cases := map[string]string{"set power": "set_power", "PM2.5": "pm2_5", "sub-device id": "sub_device_id", "colour temperature": "colour_temperature"}
	for name, want := range cases {
		if got := productSlug(name); got != want {
			t.Errorf("productSlug(%q) = %q, want %q", name, got, want)
		}
	}
	if got := zh.T("product.message.set_power"); got != "设置电源" {
		t.Errorf("set power in Chinese: %q", got)
	}
	if got := zh.T("product.field.brightness"); got != "亮度" {
		t.Errorf("brightness in Chinese: %q", got)
	}
	if !strings.HasPrefix(productMessageFamily, "product.") || !strings.HasPrefix(productFieldFamily, "product.") {
		t.Error("the families moved out of products.*.toml")
	}
}

// The :ota list and its dry run in Chinese, and :lang switching the list
// already on screen: its column titles and states follow.
func TestChineseFleetListAndDryRun(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.pending["plug"] = []models.UpgradeCandidate{
		{SubDomain: "plug", PhysicalDeviceID: "P000000000000001", OTAType: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1, State: "available"},
		{SubDomain: "plug", PhysicalDeviceID: "P000000000000002", OTAType: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1, State: "upgrading", Percent: 30},
	}
	w.pending["bulb"] = []models.UpgradeCandidate{
		{SubDomain: "bulb", PhysicalDeviceID: "B000000000000001", OTAType: 1, CurrentVersion: "1-1-5", TargetVersion: "1-2-0", OTAMode: 2, State: "failed"},
	}
	h := newWFHarness(t, api, 140, 40)
	h.command("ota")
	h.must("PHYSICAL ID", "STATE", "upgrading", "user confirms")
	h.command("lang zh-CN")
	h.must("物理ID", "状态", "升级中", "可升级", "失败", "用户确认", "强制",
		"3 台设备有可用升级（3 个升级，所有产品）：1 个升级中，1 个失败")
	h.mustNot("PHYSICAL ID")

	h.act(ActSelectAll)
	h.act(ActOTAConfirm)
	h.must("预演：确认固件升级", "3 个升级中将确认 2 个；尚未发送任何请求",
		"确认 1-4-2 → 1-5-0", "跳过：已在升级", "重试 1-1-5 → 1-2-0（上次失败）（强制：下次上线时会自动开始）")
	h.command("lang en")
	h.must("Dry run: confirm firmware updates", "PLAN", "skip: already upgrading")
}
