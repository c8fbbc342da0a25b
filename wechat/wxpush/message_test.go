package wxpush

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const bindPush = `<xml>
<ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>
<FromUserName><![CDATA[oV-_Kt0x3vXqmJx7vXZ]]></FromUserName>
<CreateTime>1465461200</CreateTime>
<MsgType><![CDATA[device_event]]></MsgType>
<Event><![CDATA[bind]]></Event>
<DeviceType><![CDATA[gh_7f083739789a]]></DeviceType>
<DeviceID><![CDATA[ABCDEF0123456789]]></DeviceID>
<Content><![CDATA[eyJzdWJfZG9tYWluIjoicGx1ZyJ9]]></Content>
<SessionID>0</SessionID>
<OpenID><![CDATA[oV-_Kt0x3vXqmJx7vXZ]]></OpenID>
</xml>`

func TestParseBindPush(t *testing.T) {
	m, err := ParseMessage([]byte(bindPush))
	if err != nil {
		t.Fatal(err)
	}
	want := Message{
		ToUserName: "gh_7f083739789a", FromUserName: "oV-_Kt0x3vXqmJx7vXZ", CreateTime: 1465461200,
		MsgType: MsgTypeDeviceEvent, Event: EventBind, DeviceType: "gh_7f083739789a",
		DeviceID: "ABCDEF0123456789", Content: "eyJzdWJfZG9tYWluIjoicGx1ZyJ9", OpenID: "oV-_Kt0x3vXqmJx7vXZ",
	}
	if m != want {
		t.Fatalf("got %+v\nwant %+v", m, want)
	}
	d, err := DecodeQRContent(m.Content)
	if err != nil || d.SubDomain != "plug" {
		t.Fatalf("content: %+v %v", d, err)
	}
}

func TestParseOtherPushes(t *testing.T) {
	sub, err := ParseMessage([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment is fine -->
<xml><ToUserName><![CDATA[gh_a]]></ToUserName><FromUserName><![CDATA[u1]]></FromUserName>
<CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_42]]></EventKey></xml>`))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Event != EventSubscribe || sub.EventKey != "qrscene_42" || sub.UserOpenID() != "u1" {
		t.Fatalf("subscribe: %+v", sub)
	}

	st, err := ParseMessage([]byte(`<xml><ToUserName>gh_a</ToUserName><FromUserName>u1</FromUserName>
<CreateTime> 7 </CreateTime><MsgType>device_event</MsgType><Event>subscribe_status</Event>
<DeviceType>gh_a</DeviceType><DeviceID>d1</DeviceID><OpType>2</OpType><OpenID>u1</OpenID></xml>`))
	if err != nil {
		t.Fatal(err)
	}
	if st.OpType != OpSubscribe || st.CreateTime != 7 || st.DeviceID != "d1" {
		t.Fatalf("subscribe_status: %+v", st)
	}

	txt, err := ParseMessage([]byte(`<xml><ToUserName>gh_a</ToUserName><FromUserName>u1</FromUserName>
<CreateTime>7</CreateTime><MsgType>device_text</MsgType><DeviceType>gh_a</DeviceType><DeviceID>d1</DeviceID>
<Content>aGk=</Content><SessionID>9</SessionID><MsgId>18446744073709551615</MsgId><OpenID>u1</OpenID>
<Extra><Nested a="1"><Deeper/></Nested></Extra></xml>`))
	if err != nil {
		t.Fatal(err)
	}
	if txt.MsgId != "18446744073709551615" || txt.SessionID != 9 || txt.MsgType != MsgTypeDeviceText {
		t.Fatalf("device_text: %+v", txt)
	}
}

func TestPredefinedEntitiesAndCharRefs(t *testing.T) {
	m, err := ParseMessage([]byte(`<xml><DeviceID>a&amp;b&lt;c&gt;d&apos;e&quot;f&#65;&#x42;</DeviceID></xml>`))
	if err != nil {
		t.Fatal(err)
	}
	if m.DeviceID != `a&b<c>d'e"fAB` {
		t.Fatalf("DeviceID = %q", m.DeviceID)
	}
}

func TestHostileXML(t *testing.T) {
	billion := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><Content>&lol9;</Content></xml>`
	deep := "<xml><X>" + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + "</X></xml>"
	cases := []struct {
		name, body, want string
	}{
		{"doctype", `<!DOCTYPE xml><xml><DeviceID>d</DeviceID></xml>`, "DOCTYPE"},
		{"external entity", `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><DeviceID>&xxe;</DeviceID></xml>`, "DOCTYPE"},
		{"billion laughs", billion, "DOCTYPE"},
		{"entity declaration inside root", `<xml><!ENTITY a "b"><DeviceID>d</DeviceID></xml>`, "entity declarations"},
		{"undeclared entity", `<xml><DeviceID>&lol9;</DeviceID></xml>`, "entity"},
		{"unclosed root", `<xml><DeviceID>d</DeviceID>`, "unexpected"},
		{"unclosed field", `<xml><DeviceID>d</xml>`, "syntax error"},
		{"truncated", bindPush[:len(bindPush)/2], "unexpected"},
		{"two roots", `<xml></xml><xml></xml>`, "more than one root"},
		{"wrong root", `<msg><DeviceID>d</DeviceID></msg>`, "want <xml>"},
		{"no root", `  `, "no <xml>"},
		{"text outside", `hello<xml></xml>`, "outside"},
		{"duplicate field", `<xml><DeviceID>a</DeviceID><DeviceID>b</DeviceID></xml>`, "twice"},
		{"nested in field", `<xml><DeviceID><b>x</b></DeviceID></xml>`, "inside <DeviceID>"},
		{"bad CreateTime", `<xml><CreateTime>12x</CreateTime></xml>`, "CreateTime"},
		{"overflowing OpType", `<xml><OpType>99999999999</OpType></xml>`, "OpType"},
		{"negative MsgId", `<xml><MsgId>-1</MsgId></xml>`, "MsgId"},
		{"raw ESC", "<xml><DeviceID><![CDATA[a\x1b[31mb]]></DeviceID></xml>", "illegal character"},
		{"ESC as char ref", `<xml><DeviceID>a&#x1b;[31m</DeviceID></xml>`, "illegal character"},
		{"invalid UTF-8", "<xml><DeviceID>\xff\xfe</DeviceID></xml>", "UTF-8"},
		{"foreign encoding", `<?xml version="1.0" encoding="GBK"?><xml></xml>`, "GBK"},
		{"processing instruction", `<xml><?php echo 1 ?></xml>`, "processing instruction"},
		{"deep nesting", deep, "deeper"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseMessage([]byte(c.body))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestOversized(t *testing.T) {
	big := "<xml><Content>" + strings.Repeat("A", MaxMessageBytes) + "</Content></xml>"
	if _, err := ParseMessage([]byte(big)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ParseMessage: %v", err)
	}
	if _, err := ReadMessage(strings.NewReader(big)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadMessage: %v", err)
	}
	// Just under the limit is fine.
	ok := "<xml><Content>" + strings.Repeat("A", MaxMessageBytes-100) + "</Content></xml>"
	if _, err := ReadMessage(strings.NewReader(ok)); err != nil {
		t.Fatalf("body under the limit: %v", err)
	}
}

func TestFieldsAreSanitised(t *testing.T) {
	// C1 CSI (U+009B) and bidi overrides are legal XML characters, so they
	// get through the parser and must be scrubbed.
	body := "<xml><DeviceID><![CDATA[dev\u009b31m1\u202e]]></DeviceID>" +
		"<FromUserName>o&#x9b;2J&#x202e;x&#x9;y</FromUserName>" +
		"<Content>line1&#xd;&#xa;line2&#x202e;</Content></xml>"
	m, err := ParseMessage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if m.DeviceID != "dev1" {
		t.Errorf("DeviceID = %q", m.DeviceID)
	}
	if m.FromUserName != "ox y" {
		t.Errorf("FromUserName = %q", m.FromUserName)
	}
	if m.Content != "line1\nline2" {
		t.Errorf("Content = %q", m.Content)
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(bindPush))
	f.Add([]byte(`<xml><DeviceID>&amp;</DeviceID></xml>`))
	f.Add([]byte(`<!DOCTYPE x><xml/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			return
		}
		for _, s := range []string{m.ToUserName, m.FromUserName, m.DeviceID, m.DeviceType, m.OpenID, m.Event, m.MsgType} {
			if bytes.ContainsAny([]byte(s), "\x1b\x00\r\n\u009b\u202e") {
				t.Fatalf("unsanitised field %q", s)
			}
		}
	})
}
