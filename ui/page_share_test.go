package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

// The share page: read-only explains itself; in write mode opening it
// asks first (default No) and makes no code on a no; after a yes the code
// is drawn as a QR that decodes, on an emulated terminal, to exactly the
// code; the countdown runs from when it was asked for; y copies it (OSC 52).
func TestShareQRDecodesToTheCode(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.command("device 900")
	h.act(ActShare)
	h.must("Share 客厅插座", "read-only", "a share code grants access")
	if api.wf().shares != 0 {
		t.Fatal("a share code was made in read-only mode")
	}
	h.press("esc")
	h.writeMode()
	h.act(ActShare)
	h.must("Create a share code for 客厅插座 (plug 0001) as user #42? Whoever", "binds the device to their account")
	h.press("enter") // the default is No
	if api.wf().shares != 0 {
		t.Fatal("a share code was made without a yes")
	}
	h.must("no share code yet", "press n to create one")
	h.act(ActRenew)
	h.press("y")
	h.must("share code 8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n1#900", "valid 5:00", "no WeChat bridge configured")
	emu := emulate(t, h.app.View().Content, 120, 40)
	if got := decodeScreenQR(t, emu.CellAt, 120, 40); got != "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n1#900" {
		t.Fatalf("the QR decodes to %q", got)
	}
	h.advance(61 * time.Second)
	h.must("valid 3:59")
	h.act(ActCopy)
	if h.clip != "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n1#900" {
		t.Fatalf("clipboard = %q", h.clip)
	}
	h.advance(4 * time.Minute)
	h.must("expired: press n for a new code")
	h.mustNot("▀")
	h.act(ActRenew)
	h.press("y")
	h.must("#900", "valid 5:00")
}

// With the WeChat bridge the QR holds the WeChat string with the share
// code (PROTOCOL §4.4); the code shown is the one inside it.
func TestShareThroughTheWeChatBridge(t *testing.T) {
	api := newFakeAPI()
	const wechat = `http://we.qq.com/d/AQC7Pp3MMTHeEFxg0GDgTqbs#{"sub_domain":"plug","share_code":"kQ2nR8sLm4Vx7Tz1Pw9Yc3Hb6Jd0Fg5A#900"}`
	var asked string
	bridge := func(_ context.Context, uid int64, sub, pid string, timeout time.Duration) (string, error) {
		asked = sub + "/" + pid + "/" + timeout.String() + "/" + string(rune('0'+uid%10))
		return wechat, nil
	}
	h := newWFHarness(t, api, 140, 50, func(o *Options) {
		o.ShareQR, o.ShareScanHint = bridge, "local WeChat emulator: POST http://127.0.0.1:9/control/scan"
	})
	h.writeMode()
	h.command("device 900")
	h.act(ActShare)
	h.press("y")
	h.must("share code kQ2nR8sLm4Vx7Tz1Pw9Yc3Hb6Jd0Fg5A#900", "WeChat QR", "local WeChat emulator: POST http://127.0.0.1:9/control/scan")
	if asked != "plug/A1B2C3D4E5F60001/5m0s/2" {
		t.Fatalf("bridge asked for %q", asked)
	}
	emu := emulate(t, h.app.View().Content, 140, 50)
	if got := decodeScreenQR(t, emu.CellAt, 140, 50); got != wechat {
		t.Fatalf("the QR decodes to %q", got)
	}
	// Too small for that QR beside the page: the text, and the key that
	// shows it on the whole screen, where it decodes.
	h.send(teaSize(80, 24))
	h.settle()
	h.must("shows it on the whole screen", "text to scan or send:")
	h.mustNot("▀")
	h.press("enter")
	emu = emulate(t, h.app.View().Content, 80, 24)
	if got := decodeScreenQR(t, emu.CellAt, 80, 24); got != wechat {
		t.Fatalf("the full-screen QR decodes to %q", got)
	}
}

// A code too big for even the whole minimum screen falls back to text
// and says the size it needs.
func TestShareQRTooBigForTheScreen(t *testing.T) {
	api := newFakeAPI()
	long := "http://we.qq.com/d/" + strings.Repeat("AQC7Pp3MMTHeEFxg0GDgTqbs", 8) + `#{"sub_domain":"plug","share_code":"kQ2n#900"}`
	bridge := func(context.Context, int64, string, string, time.Duration) (string, error) { return long, nil }
	h := newWFHarness(t, api, 80, 24, func(o *Options) { o.ShareQR = bridge })
	h.writeMode()
	h.command("device 900")
	h.act(ActShare)
	h.press("y")
	h.must("the QR code needs 61×31 cells, more than this whole terminal", "text to scan or send:")
	h.mustNot("▀")
}

// At the minimum 80×24 a WeChat share QR (version 6, 41 modules) appears on
// the whole screen as soon as the code arrives, and decodes with an
// independent decoder from the emulated screen; any key goes back to the
// page.
func TestShareQRFitsTheMinimumScreen(t *testing.T) {
	api := newFakeAPI()
	const wechat = `http://we.qq.com/d/AQC7Pp3MMTHeEFxg0GDgTqbs#{"sub_domain":"plug","share_code":"kQ2nR8sLm4Vx7Tz1Pw9Yc3Hb6Jd0Fg5A#900"}`
	bridge := func(context.Context, int64, string, string, time.Duration) (string, error) { return wechat, nil }
	h := newWFHarness(t, api, 80, 24, func(o *Options) { o.ShareQR = bridge })
	h.writeMode()
	h.command("device 900")
	h.act(ActShare)
	h.press("y")
	emu := emulate(t, h.app.View().Content, 80, 24)
	if got := decodeScreenQR(t, emu.CellAt, 80, 24); got != wechat {
		t.Fatalf("the QR decodes to %q:\n%s", got, h.screen())
	}
	h.press("x") // any key
	h.must("share code kQ2nR8sLm4Vx7Tz1Pw9Yc3Hb6Jd0Fg5A#900", "shows it on the whole screen")
}

// A short share code (no WeChat bridge) sits beside the page's lines at
// 80×24 and decodes there.
func TestShareQRBesideThePageAtMinimum(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 80, 24)
	h.writeMode()
	h.command("device 900")
	h.act(ActShare)
	h.press("y")
	h.must("share code ", "valid 5:00", "copies the text")
	code := topAs[*sharePage](h).res.payload
	emu := emulate(t, h.app.View().Content, 80, 24)
	if got := decodeScreenQR(t, emu.CellAt, 80, 24); got != code {
		t.Fatalf("the QR decodes to %q, want %q:\n%s", got, code, h.screen())
	}
}

// Only the owner may share: through another user, the page names the owner.
func TestShareRefusedForNonOwners(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.writeMode()
	h.command("user 42")
	h.press("down", "enter") // device 901, owned by user 7
	h.must("A1B2C3D4E5F60002")
	h.act(ActShare)
	h.must("only the owner can share this device: user #7")
	if api.wf().shares != 0 {
		t.Fatal("a code was asked for")
	}
}

// A home's share code, from the homes list.
func TestShareHome(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.writeMode()
	h.command("user 42")
	h.press("h")
	h.must("Homes")
	p := topAs[*listPage[models.Home]](h)
	p.tbl.SetRows([]models.Home{{HomeID: 5, Owner: 42, Name: "Home"}})
	h.act(ActShare)
	h.must("Create a share code for Home as user #42? Whoever holds it joins", "the home, for the next 5 min.")
	h.press("y")
	h.must("Share home Home", "share code HOME5SHARE42")
	emu := emulate(t, h.app.View().Content, 120, 40)
	if got := decodeScreenQR(t, emu.CellAt, 120, 40); got != "HOME5SHARE42" {
		t.Fatalf("decodes to %q", got)
	}
	if !strings.Contains(h.screen(), "joins the home") {
		t.Fatal(h.screen())
	}
}

// The countdown counts from when the code was asked for, not from when the
// answer came: the cloud's deadline cannot be later than that plus the
// validity, however slow the answer.
func TestShareExpiryCountsFromTheRequest(t *testing.T) {
	api := newFakeAPI()
	var h *wfHarness
	bridge := func(context.Context, int64, string, string, time.Duration) (string, error) {
		h.clock.Advance(20 * time.Second) // a slow bridge
		return `http://we.qq.com/d/T#{"sub_domain":"plug","share_code":"CODE#900"}`, nil
	}
	h = newWFHarness(t, api, 140, 50, func(o *Options) { o.ShareQR = bridge })
	h.writeMode()
	h.command("device 900")
	h.act(ActShare)
	h.press("y")
	h.must("share code CODE#900", "valid 4:40")
}

// Off the stack the countdown's chain ends; back on top (- toggles to the
// last view) it runs again, once.
func TestShareCountdownResumes(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.writeMode()
	h.command("device 900")
	h.act(ActShare)
	h.press("y")
	p := topAs[*sharePage](h)
	h.command("users")
	h.advance(2 * time.Second)
	if n := ticksIn[shareTick](h, p, time.Second); n != 0 {
		t.Fatalf("%d countdown ticks delivered to a page off the stack", n)
	}
	h.press("-")
	topAs[*sharePage](h)
	// Back on top 3 s after the code was asked for, the countdown redraws
	// 5 ms past each whole second left: at 1.005 s, 2.005 s … 9.005 s of
	// the next 10 s. Two chains would tick twice as often.
	if n := ticksIn[shareTick](h, p, 10*time.Second); n != 9 {
		t.Fatalf("%d countdown ticks in 10 s, want 9 (one chain)", n)
	}
	h.must("valid 4:47")
	if n := ticksIn[shareTick](h, p, time.Second); n != 1 {
		t.Fatalf("%d countdown chains after 10 s, want 1", n)
	}
}
