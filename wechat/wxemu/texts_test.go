package wxemu

import "testing"

// textReply records text passive replies only: not "success", an empty
// body or a device_status reply.
func TestTextReplyRecognised(t *testing.T) {
	text := `<xml><ToUserName><![CDATA[o_carol]]></ToUserName><FromUserName><![CDATA[gh_emu]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[分享码已过期。]]></Content></xml>`
	m, ok := textReply([]byte(text))
	if !ok || m != (TextMessage{ToUser: "o_carol", FromUser: "gh_emu", Content: "分享码已过期。"}) {
		t.Fatalf("text reply read as %+v, %v", m, ok)
	}
	for _, other := range []string{"success", "", `<xml><ToUserName><![CDATA[o_a]]></ToUserName><MsgType><![CDATA[device_status]]></MsgType><DeviceStatus>1</DeviceStatus></xml>`} {
		if m, ok := textReply([]byte(other)); ok {
			t.Errorf("%q read as a text reply %+v", other, m)
		}
	}
}
