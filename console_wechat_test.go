package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
)

// The console's share QR, scanned in the emulated WeChat app, binds the
// scanner to the device as an ordinary user, the way a phone would.
func TestConsoleShareQRScannedInWeChatBindsTheScanner(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{Demo: 60})
	client, err := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID,
		AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name})
	if err != nil {
		t.Fatal(err)
	}
	share, emu, stop, err := localWeChat(client)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	fleet, err := client.Warehouse().ListDevicesExt(ctx, "plug", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var pid string
	var owner, deviceID int64
	for _, d := range fleet {
		if d.Owner != 0 {
			pid, owner, deviceID = d.PhysicalDeviceID, d.Owner, d.DeviceID
			break
		}
	}
	if pid == "" {
		t.Fatal("no owned plug in the demo world")
	}

	// In read-only mode the console makes no share code.
	client.SetReadOnly(true)
	if _, err := share(ctx, owner, "plug", pid, 5*time.Minute); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("share in read-only mode: %v", err)
	}
	client.SetReadOnly(false)

	qr, err := share(ctx, owner, "plug", pid, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ticket, rest, ok := strings.Cut(qr, "#")
	if !ok || !strings.HasPrefix(ticket, "http://we.qq.com/d/") || !strings.Contains(rest, `"sub_domain":"plug"`) || !strings.Contains(rest, `"share_code":"`) {
		t.Fatalf("QR string %q is not ticket#{sub_domain, share_code}", qr)
	}
	if err := emu.ScanQR(ctx, "o-scanner-1", qr); err != nil {
		t.Fatalf("scan: %v", err)
	}
	scanner, err := client.Account().GetUserByOpenID(ctx, "weixin", "o-scanner-1", "")
	if err != nil {
		t.Fatalf("the scanner has no account: %v", err)
	}
	devs, err := client.As(scanner.UserID).Bind().ListDevices(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range devs {
		if d.DeviceID == deviceID {
			found = true
			if d.Owner != owner {
				t.Fatalf("the scan changed the owner to %d", d.Owner)
			}
		}
	}
	if !found {
		t.Fatalf("the scanner is not bound to device %d: %+v", deviceID, devs)
	}
	if !emu.IsBound("o-scanner-1", pid) {
		t.Fatal("WeChat does not have the binding")
	}
}
