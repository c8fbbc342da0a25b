package wxpush

import (
	"strconv"
	"strings"
	"time"
)

// StatusReply builds the device_status passive reply to a subscribe_status
// (or unsubscribe_status) push: the HTTP response body that tells WeChat
// whether the device is connected (PROTOCOL §4.3c). Strings are CDATA,
// CreateTime and DeviceStatus plain integers, as WeChat sends them.
func StatusReply(msg Message, online bool, now time.Time) []byte {
	deviceType := msg.DeviceType
	if deviceType == "" {
		deviceType = msg.ToUserName
	}
	status := "0"
	if online {
		status = "1"
	}
	var b strings.Builder
	b.WriteString("<xml>")
	cdataElem(&b, "ToUserName", msg.UserOpenID())
	cdataElem(&b, "FromUserName", msg.ToUserName)
	b.WriteString("<CreateTime>" + strconv.FormatInt(now.Unix(), 10) + "</CreateTime>")
	cdataElem(&b, "MsgType", MsgTypeDeviceStatus)
	cdataElem(&b, "DeviceType", deviceType)
	cdataElem(&b, "DeviceID", msg.DeviceID)
	b.WriteString("<DeviceStatus>" + status + "</DeviceStatus>")
	b.WriteString("</xml>")
	return []byte(b.String())
}

// cdataElem writes <name><![CDATA[v]]></name>. A "]]>" inside v would end
// the section early, so it is split across two sections.
func cdataElem(b *strings.Builder, name, v string) {
	b.WriteString("<" + name + "><![CDATA[")
	b.WriteString(strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]></" + name + ">")
}

// TextReply builds a text passive reply to msg: a message from the account
// (the push's ToUserName) that WeChat shows in the user's chat with it.
func TextReply(msg Message, content string, now time.Time) []byte {
	var b strings.Builder
	b.WriteString("<xml>")
	cdataElem(&b, "ToUserName", msg.UserOpenID())
	cdataElem(&b, "FromUserName", msg.ToUserName)
	b.WriteString("<CreateTime>" + strconv.FormatInt(now.Unix(), 10) + "</CreateTime>")
	cdataElem(&b, "MsgType", MsgTypeText)
	cdataElem(&b, "Content", content)
	b.WriteString("</xml>")
	return []byte(b.String())
}
