package wechat

import (
	"context"
	"time"

	"acconsole/wechat/wxpush"
)

// DefaultShareTimeout is how long a QR code's share code stays valid when
// the caller gives no timeout (the PHP SDK's default of 300 seconds).
const DefaultShareTimeout = 300 * time.Second

// GetDeviceQRCode returns the text of a device's QR code (PROTOCOL §4.4):
// WeChat's ticket for the device, then "#" and {"sub_domain":…} naming the
// product, and with withShareCode also a share code of the device, so that
// whoever scans it joins the device as an ordinary user. The share code is
// made as the OpenID's user, who must own the device, and lasts timeout (0
// means DefaultShareTimeout). On failure the result is "" and the error is
// also LastError's.
func (b *Bridge) GetDeviceQRCode(ctx context.Context, physicalID, subDomain string, withShareCode bool, openID string, timeout time.Duration) (string, error) {
	const op = "GetDeviceQRCode"
	var userID int64
	if withShareCode {
		if err := checkOpenID(op, openID); err != nil {
			return "", b.done(op, err)
		}
		u, err := b.lookupUser(ctx, openID)
		if err != nil {
			return "", b.done(op, err)
		}
		userID = u.UserID
	}
	s, err := b.deviceQR(ctx, op, userID, subDomain, physicalID, withShareCode, timeout)
	return s, b.done(op, err)
}

// DeviceQR is GetDeviceQRCode for an AbleCloud user rather than an OpenID,
// for tools that know the owner by account (the console's share QR). The
// user is needed only withShareCode.
func (b *Bridge) DeviceQR(ctx context.Context, userID int64, sub, physicalID string, withShareCode bool, timeout time.Duration) (string, error) {
	const op = "DeviceQR"
	s, err := b.deviceQR(ctx, op, userID, sub, physicalID, withShareCode, timeout)
	return s, b.done(op, err)
}

func (b *Bridge) deviceQR(ctx context.Context, op string, userID int64, sub, pid string, withShareCode bool, timeout time.Duration) (string, error) {
	if err := checkPID(op, pid); err != nil {
		return "", err
	}
	if withShareCode && (userID <= 0 || sub == "") {
		return "", invalid(op, "a share code needs the owner and the device's product (sub-domain)")
	}
	// The ticket first: it is a read, while a share code is a grant that
	// would be left behind if WeChat then failed.
	codes, err := b.wx.CreateQRCode(ctx, pid)
	if err != nil {
		return "", err
	}
	ticket := codes[0].Ticket
	for _, c := range codes {
		if c.DeviceID == pid {
			ticket = c.Ticket
		}
	}
	share := ""
	if withShareCode {
		if timeout <= 0 {
			timeout = DefaultShareTimeout
		}
		secs := int((timeout + time.Second - 1) / time.Second)
		id, err := b.ac.Bind().GetDeviceID(ctx, sub, pid)
		if err != nil {
			return "", err
		}
		if share, err = b.ac.As(userID).Bind().GetShareCode(ctx, sub, id, secs); err != nil {
			return "", err
		}
	}
	return wxpush.BuildQRString(ticket, sub, share), nil
}
