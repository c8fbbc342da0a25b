package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"acconsole/acapi"
	"acconsole/ui"
	"acconsole/wechat"
	"acconsole/wechat/wxapi"
	"acconsole/wechat/wxemu"
)

// localWeChat runs an emulated WeChat platform and the bridge beside the
// local cloud, so the console's share QR is the real WeChat device QR
// (ticket + "#" + sub_domain and share code) that a test, or the emulator's
// ScanQR, can scan.
func localWeChat(client *acapi.Client) (share ui.ShareQRFunc, emu *wxemu.Emulator, stop func(), err error) {
	emu = wxemu.New(wxemu.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, nil, err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop = func() { _ = srv.Close() }
	wx, err := wxapi.New(wxapi.Config{AppID: emu.AppID(), AppSecret: emu.AppSecret(), BaseURL: "http://" + ln.Addr().String()})
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	bridge, err := wechat.NewBridge(client, wx, emu.AccountID(), wechat.Options{})
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	share = func(ctx context.Context, userID int64, sub, pid string, timeout time.Duration) (string, error) {
		// A vendor authorises devices on the WeChat platform before selling
		// them; the emulator does it on first use instead of for the
		// whole warehouse at start.
		if !emu.IsAuthorized(pid) {
			emu.AuthorizeDevice(pid, "")
		}
		return bridge.DeviceQR(ctx, userID, sub, pid, true, timeout)
	}
	return share, emu, stop, nil
}
