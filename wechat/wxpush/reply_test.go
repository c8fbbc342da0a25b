package wxpush

import (
	"encoding/xml"
	"testing"
	"time"
)

func TestStatusReply(t *testing.T) {
	push := Message{ToUserName: "gh_a", FromUserName: "user1", MsgType: MsgTypeDeviceEvent,
		Event: EventSubscribeStatus, DeviceType: "gh_a", DeviceID: "dev1", OpenID: "user1", OpType: OpSubscribe}
	now := time.Unix(1700000000, 0)
	got := string(StatusReply(push, true, now))
	want := "<xml><ToUserName><![CDATA[user1]]></ToUserName><FromUserName><![CDATA[gh_a]]></FromUserName>" +
		"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[device_status]]></MsgType>" +
		"<DeviceType><![CDATA[gh_a]]></DeviceType><DeviceID><![CDATA[dev1]]></DeviceID>" +
		"<DeviceStatus>1</DeviceStatus></xml>"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if off := string(StatusReply(push, false, now)); off == got {
		t.Fatal("offline reply equals online reply")
	}
}

func TestStatusReplyCDATAEscape(t *testing.T) {
	push := Message{ToUserName: "gh_]]>x", FromUserName: "u]]><b>", DeviceID: "d]]]]>"}
	var r struct {
		To, From, Type, ID string
		Status             int
	}
	var x struct {
		ToUserName   string `xml:"ToUserName"`
		FromUserName string `xml:"FromUserName"`
		DeviceType   string `xml:"DeviceType"`
		DeviceID     string `xml:"DeviceID"`
		DeviceStatus int    `xml:"DeviceStatus"`
	}
	if err := xml.Unmarshal(StatusReply(push, false, time.Unix(5, 0)), &x); err != nil {
		t.Fatal(err)
	}
	r.To, r.From, r.Type, r.ID, r.Status = x.ToUserName, x.FromUserName, x.DeviceType, x.DeviceID, x.DeviceStatus
	// DeviceType falls back to ToUserName when the push had none.
	if r.To != "u]]><b>" || r.From != "gh_]]>x" || r.Type != "gh_]]>x" || r.ID != "d]]]]>" || r.Status != 0 {
		t.Fatalf("%+v", r)
	}
}

// TestTextReply: WeChat's passive text message, from the account to the
// user who pushed; "]]>" in the text cannot end the CDATA early.
func TestTextReply(t *testing.T) {
	push := Message{ToUserName: "gh_a", FromUserName: "user1", MsgType: MsgTypeDeviceEvent, Event: EventBind, DeviceID: "dev1", OpenID: "user1"}
	got := string(TextReply(push, "分享码已过期。", time.Unix(1700000000, 0)))
	want := "<xml><ToUserName><![CDATA[user1]]></ToUserName><FromUserName><![CDATA[gh_a]]></FromUserName>" +
		"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
		"<Content><![CDATA[分享码已过期。]]></Content></xml>"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var x struct {
		Content string `xml:"Content"`
	}
	if err := xml.Unmarshal(TextReply(push, "a]]>b", time.Unix(5, 0)), &x); err != nil || x.Content != "a]]>b" {
		t.Fatalf("content %q, %v", x.Content, err)
	}
}
