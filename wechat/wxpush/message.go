package wxpush

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"acconsole/models"
)

// MaxMessageBytes is the largest push body accepted. Real pushes are well
// under 2 KiB; the limit keeps a hostile body from costing memory.
const MaxMessageBytes = 64 << 10

// maxDepth bounds element nesting inside <xml>. Real pushes are flat (depth
// 2); a few levels are tolerated for menu events that nest info blocks.
const maxDepth = 8

// Message types and events (PROTOCOL §4.3).
const (
	MsgTypeEvent        = "event"
	MsgTypeDeviceEvent  = "device_event"
	MsgTypeDeviceText   = "device_text"
	MsgTypeDeviceStatus = "device_status"
	MsgTypeText         = "text" // an ordinary chat message (passive replies)

	EventSubscribe         = "subscribe"
	EventUnsubscribe       = "unsubscribe"
	EventBind              = "bind"
	EventUnbind            = "unbind"
	EventSubscribeStatus   = "subscribe_status"
	EventUnsubscribeStatus = "unsubscribe_status"
)

// OpType values of subscribe_status / unsubscribe_status pushes.
const (
	OpUnsubscribe = 0
	OpHeartbeat   = 1 // handle like a subscribe
	OpSubscribe   = 2
)

// Message is one push from WeChat. Absent elements are zero values.
type Message struct {
	ToUserName   string // the account's gh_ id
	FromUserName string // the user's OpenID
	CreateTime   int64  // Unix seconds
	MsgType      string
	Event        string
	EventKey     string
	DeviceType   string // gh_ id again, for device events
	DeviceID     string // vendor device id (= AbleCloud physical id)
	Content      string // device_event bind: Base64 of the QR's extra JSON (see DecodeQRContent)
	SessionID    int64
	OpenID       string
	OpType       int
	MsgId        string // decimal digits; kept as a string because it is 64-bit unsigned and only compared
}

// UserOpenID returns the OpenID element, or FromUserName when that is absent
// (follow events carry only FromUserName).
func (m Message) UserOpenID() string {
	if m.OpenID != "" {
		return m.OpenID
	}
	return m.FromUserName
}

// ErrTooLarge is returned for bodies over MaxMessageBytes.
var ErrTooLarge = errors.New("wxpush: push body larger than 64 KiB")

// ErrMalformed is wrapped by every other parse failure; the wrapping error
// says what was wrong.
var ErrMalformed = errors.New("wxpush: malformed push XML")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ReadMessage reads at most MaxMessageBytes from r and parses them.
func ReadMessage(r io.Reader) (Message, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return Message{}, fmt.Errorf("wxpush: reading push body: %w", err)
	}
	return ParseMessage(data)
}

// ParseMessage parses one push body.
func ParseMessage(data []byte) (Message, error) {
	if len(data) > MaxMessageBytes {
		return Message{}, ErrTooLarge
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	// Strict mode with no Entity map is what rejects every entity reference
	// other than &lt; &gt; &amp; &apos; &quot; (and malformed ones).
	dec.Strict = true
	var m Message
	seenRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Message{}, malformed("%v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return Message{}, directiveError(t)
		case xml.ProcInst:
			// Only the XML declaration, and only before the root.
			if seenRoot || t.Target != "xml" {
				return Message{}, malformed("processing instruction <?%s?> not allowed", models.SanitizeLine(t.Target))
			}
		case xml.Comment:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return Message{}, malformed("text outside the <xml> element")
			}
		case xml.StartElement:
			if seenRoot {
				return Message{}, malformed("more than one root element")
			}
			if t.Name.Local != "xml" {
				return Message{}, malformed("root element is <%s>, want <xml>", models.SanitizeLine(t.Name.Local))
			}
			seenRoot = true
			if err := parseFields(dec, &m); err != nil {
				return Message{}, err
			}
		case xml.EndElement:
			// The decoder reports unmatched end tags itself; kept for completeness.
			return Message{}, malformed("unexpected end tag")
		}
	}
	if !seenRoot {
		return Message{}, malformed("no <xml> element")
	}
	return m, nil
}

func directiveError(d xml.Directive) error {
	s := strings.ToUpper(strings.TrimSpace(string(d)))
	switch {
	case strings.HasPrefix(s, "DOCTYPE"):
		return malformed("DOCTYPE declarations are not allowed")
	case strings.HasPrefix(s, "ENTITY"):
		return malformed("entity declarations are not allowed")
	}
	return malformed("<!…> declarations are not allowed")
}

// parseFields reads the children of <xml> up to and including </xml>.
func parseFields(dec *xml.Decoder, m *Message) error {
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return malformed("unexpected end of input inside <xml>")
			}
			return malformed("%v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return directiveError(t)
		case xml.ProcInst:
			return malformed("processing instruction inside <xml>")
		case xml.EndElement:
			return nil // </xml>
		case xml.StartElement:
			name := t.Name.Local
			set := fieldSetter(name)
			if set == nil {
				// Unknown element (other event kinds carry more): skip it,
				// still enforcing the depth limit and the no-DTD rule.
				if err := skip(dec, 2); err != nil {
					return err
				}
				continue
			}
			if seen[name] {
				// Two DeviceIDs would let a forged body show one value
				// and act on another.
				return malformed("element <%s> appears twice", name)
			}
			seen[name] = true
			text, err := leafText(dec, name)
			if err != nil {
				return err
			}
			if err := set(m, text); err != nil {
				return err
			}
		}
	}
}

// leafText collects the character data of a field element; fields must not
// contain elements.
func leafText(dec *xml.Decoder, name string) (string, error) {
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return "", malformed("unexpected end of input inside <%s>", name)
			}
			return "", malformed("%v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if b.Len()+len(t) > MaxMessageBytes {
				return "", ErrTooLarge
			}
			b.Write(t)
		case xml.Comment:
		case xml.EndElement:
			return b.String(), nil
		case xml.Directive:
			return "", directiveError(t)
		default:
			return "", malformed("unexpected markup inside <%s>", name)
		}
	}
}

// skip consumes an unknown element whose start tag was just read.
func skip(dec *xml.Decoder, depth int) error {
	level := 1
	for level > 0 {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return malformed("unexpected end of input")
			}
			return malformed("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			level++
			if depth+level-1 > maxDepth {
				return malformed("elements nested deeper than %d levels", maxDepth)
			}
		case xml.EndElement:
			level--
		case xml.Directive:
			return directiveError(t)
		}
	}
	return nil
}

type setter func(m *Message, v string) error

func fieldSetter(name string) setter {
	line := func(dst func(*Message) *string) setter {
		return func(m *Message, v string) error {
			*dst(m) = models.SanitizeLine(strings.TrimSpace(v))
			return nil
		}
	}
	switch name {
	case "ToUserName":
		return line(func(m *Message) *string { return &m.ToUserName })
	case "FromUserName":
		return line(func(m *Message) *string { return &m.FromUserName })
	case "MsgType":
		return line(func(m *Message) *string { return &m.MsgType })
	case "Event":
		return line(func(m *Message) *string { return &m.Event })
	case "EventKey":
		return line(func(m *Message) *string { return &m.EventKey })
	case "DeviceType":
		return line(func(m *Message) *string { return &m.DeviceType })
	case "DeviceID":
		return line(func(m *Message) *string { return &m.DeviceID })
	case "OpenID":
		return line(func(m *Message) *string { return &m.OpenID })
	case "Content":
		return func(m *Message, v string) error {
			m.Content = models.SanitizeText(strings.TrimSpace(v))
			return nil
		}
	case "CreateTime":
		return func(m *Message, v string) error {
			n, err := parseInt(name, v, 64)
			m.CreateTime = n
			return err
		}
	case "SessionID":
		return func(m *Message, v string) error {
			n, err := parseInt(name, v, 64)
			m.SessionID = n
			return err
		}
	case "OpType":
		return func(m *Message, v string) error {
			n, err := parseInt(name, v, 32)
			m.OpType = int(n)
			return err
		}
	case "MsgId":
		return func(m *Message, v string) error {
			v = strings.TrimSpace(v)
			if v == "" {
				return nil
			}
			if _, err := strconv.ParseUint(v, 10, 64); err != nil {
				return malformed("<%s> is not an unsigned 64-bit integer", name)
			}
			m.MsgId = v
			return nil
		}
	}
	return nil
}

// parseInt parses an integer element; an empty element means 0.
func parseInt(name, v string, bits int) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		return 0, malformed("<%s> is not an integer", name)
	}
	return n, nil
}
