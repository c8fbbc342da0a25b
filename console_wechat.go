package main

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"acconsole/acapi"
	"acconsole/ui"
	"acconsole/wechat"
	"acconsole/wechat/wxapi"
	"acconsole/wechat/wxemu"
)

// localWeChat runs an emulated WeChat platform and the bridge beside the
// local cloud, so the console's share QR is the real WeChat device QR
// (ticket + "#" + sub_domain and share code) and scanning it in the
// emulator binds the device, as a phone would.
//
// Two bridges share the emulator: the console's share QR goes through the
// console's own client, so making a share code obeys write mode and lands
// in the operator's audit log; the callback that WeChat pushes to is the
// vendor's backend acting for WeChat users, with a client of its own.
//
// The emulator's address also serves its control API (wxemu.ControlHandler), so the
// console's QR can be scanned there: controlURL is that address.
func localWeChat(console *acapi.Client) (share ui.ShareQRFunc, emu *wxemu.Emulator, controlURL string, stop func(), err error) {
	emu = wxemu.New(wxemu.Config{})
	var servers []*http.Server
	stop = func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}
	serve := func(h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, s)
		go func() { _ = s.Serve(ln) }()
		return "http://" + ln.Addr().String(), nil
	}
	fail := func(err error) (ui.ShareQRFunc, *wxemu.Emulator, string, func(), error) {
		stop()
		return nil, nil, "", nil, err
	}
	// The control API needs the vendor's bridge, which needs the API's
	// address first: the handler is swapped in once the bridge exists.
	var handler atomic.Pointer[http.Handler]
	var h http.Handler = emu
	handler.Store(&h)
	api, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }))
	if err != nil {
		return fail(err)
	}
	wx, err := wxapi.New(wxapi.Config{AppID: emu.AppID(), AppSecret: emu.AppSecret(), BaseURL: api})
	if err != nil {
		return fail(err)
	}
	consoleBridge, err := wechat.NewBridge(console, wx, emu.AccountID(), wechat.Options{})
	if err != nil {
		return fail(err)
	}
	cfg := console.Config()
	cfg.ReadOnly, cfg.Auditor, cfg.Operator = false, nil, "wechat-bridge"
	vendor, err := acapi.New(cfg)
	if err != nil {
		return fail(err)
	}
	vendorBridge, err := wechat.NewBridge(vendor, wx, emu.AccountID(), wechat.Options{})
	if err != nil {
		return fail(err)
	}
	cb, err := wechat.NewCallback(vendorBridge, wechat.CallbackConfig{Token: emu.PushToken(), GatewaySubDomains: []string{"gateway"}})
	if err != nil {
		return fail(err)
	}
	callback, err := serve(cb)
	if err != nil {
		return fail(err)
	}
	emu.SetCallback(callback, emu.PushToken())
	withControl := emulatorControl(emu, vendor, vendorBridge, nil)
	handler.Store(&withControl)
	share = func(ctx context.Context, userID int64, sub, pid string, timeout time.Duration) (string, error) {
		// A vendor authorises devices on the WeChat platform before selling
		// them; the emulator does it on first use instead of for the
		// whole warehouse at start.
		if !emu.IsAuthorized(pid) {
			emu.AuthorizeDevice(pid, "")
		}
		return consoleBridge.DeviceQR(ctx, userID, sub, pid, true, timeout)
	}
	return share, emu, api, stop, nil
}
