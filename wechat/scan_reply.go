package wechat

import (
	"errors"
	"strconv"

	"acconsole/acapi"
	"acconsole/models"
	"acconsole/wechat/wxpush"
)

// Kinds of refused scans that the reply to the user explains; AbleCloud's
// refusals are told apart by their error codes.
var (
	errNoProduct            = errors.New("QR code names no product")
	errShareCodeNoOwner     = errors.New("share code for a device without an owner")
	errShareCodeOtherDevice = errors.New("share code for another device")
)

// scanRefusalReply is the passive reply to a device_event/bind push whose
// bind was refused for good (not a failure a retry may fix): a text
// message that tells the scanner, in the bridge's language, why the device
// did not stay bound. WeChat shows a passive text reply in the user's chat
// with the account, the only place a scan's outcome can be read; without
// it the device would silently vanish from the user's list when the
// bridge takes WeChat's binding back. nil when there is nobody to tell.
func (b *Bridge) scanRefusalReply(msg wxpush.Message, err error) []byte {
	if err == nil || Retryable(err) || checkOpenID("", msg.UserOpenID()) != nil {
		return nil
	}
	return wxpush.TextReply(msg, b.scanRefusal(msg.DeviceID, err), b.now())
}

// scanRefusal says why a scan of device pid was refused.
func (b *Bridge) scanRefusal(pid string, err error) string {
	device := clip(pid)
	switch {
	case errors.Is(err, errNoProduct):
		return b.tr.T("wechat.scan.no_product", "Device", device)
	case errors.Is(err, errShareCodeNoOwner):
		return b.tr.T("wechat.scan.share_code_no_owner", "Device", device)
	case errors.Is(err, errShareCodeOtherDevice):
		return b.tr.T("wechat.scan.share_code_other_device")
	}
	switch code := acapi.Code(err); code {
	case models.ErrShareCodeExpired:
		return b.tr.T("wechat.scan.share_code_expired")
	case models.ErrShareCodeInvalid, models.ErrShareCodeAbsent:
		return b.tr.T("wechat.scan.share_code_invalid")
	case models.ErrDeviceAlreadyBound:
		return b.tr.T("wechat.scan.already_bound", "Device", device)
	case models.ErrDeviceAbsent:
		return b.tr.T("wechat.scan.device_absent", "Device", device)
	default:
		return b.tr.T("wechat.scan.failed", "Device", device, "Code", strconv.Itoa(asError("", err).Code))
	}
}
