package wxpush

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"acconsole/models"
)

// QRData is the third-party data AbleCloud appends to a WeChat device QR
// ticket (PROTOCOL §4.4) and that comes back in a bind push's Content.
type QRData struct {
	SubDomain string // the product's AbleCloud sub-domain
	ShareCode string // set when the QR shares an owned device ("<32 chars>#<deviceId>")
}

// qrJSON fixes the wire form: the field order is the key order BuildQRString
// emits (sub_domain, then share_code), and omitempty drops empty keys.
type qrJSON struct {
	SubDomain string `json:"sub_domain,omitempty"`
	ShareCode string `json:"share_code,omitempty"`
}

// ErrBadQRData is wrapped when QR data is present but is not the JSON object
// AbleCloud appends.
var ErrBadQRData = errors.New("wxpush: bad QR data")

// BuildQRString returns the string to draw as the device's QR code: the
// WeChat ticket, then, if there is any data, '#' and a compact JSON object.
// Nothing is appended when both values are empty so a plain WeChat ticket
// stays untouched.
func BuildQRString(ticket, subDomain, shareCode string) string {
	if subDomain == "" && shareCode == "" {
		return ticket
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Keep '<', '>' and '&' literal like PHP's json_encode of these values;
	// \u003c escapes would only lengthen the QR code.
	enc.SetEscapeHTML(false)
	// Encoding a struct of two strings cannot fail.
	_ = enc.Encode(qrJSON{SubDomain: subDomain, ShareCode: shareCode})
	return ticket + "#" + strings.TrimRight(buf.String(), "\n")
}

// SplitQRString splits a QR string at its FIRST '#': the share code inside
// the JSON contains '#' itself, so any later '#' belongs to the data. A
// string without '#' is a bare ticket. The ticket is returned even when the
// data part is malformed, together with an error wrapping ErrBadQRData.
func SplitQRString(s string) (string, QRData, error) {
	ticket, data, found := strings.Cut(s, "#")
	ticket = models.SanitizeLine(ticket)
	if !found || strings.TrimSpace(data) == "" {
		return ticket, QRData{}, nil
	}
	d, err := parseQRJSON([]byte(data))
	if err != nil {
		return ticket, QRData{}, err
	}
	return ticket, d, nil
}

// DecodeQRContent decodes the Content of a device_event bind push (PROTOCOL
// Q7): WeChat delivers the QR's appended data Base64-encoded, but raw JSON is
// accepted too because sources disagree. Empty content (a plain WeChat QR)
// gives empty data and no error. Anything else that does not decode gives an
// error wrapping ErrBadQRData; the bridge logs it and binds without the data.
func DecodeQRContent(content string) (QRData, error) {
	content = strings.TrimSpace(content)
	if content == "" {
		return QRData{}, nil
	}
	if raw, ok := decodeBase64(content); ok {
		if d, err := parseQRJSON(raw); err == nil {
			return d, nil
		}
	}
	d, err := parseQRJSON([]byte(content))
	if err != nil {
		return QRData{}, fmt.Errorf("%w: Content is neither Base64 of a JSON object nor a JSON object", ErrBadQRData)
	}
	return d, nil
}

// decodeBase64 accepts padded and unpadded, standard and URL alphabets:
// senders differ and the alphabets cannot be confused with JSON anyway.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

func parseQRJSON(b []byte) (QRData, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return QRData{}, fmt.Errorf("%w: not a JSON object", ErrBadQRData)
	}
	var j qrJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return QRData{}, fmt.Errorf("%w: %v", ErrBadQRData, err)
	}
	return QRData{SubDomain: models.SanitizeLine(j.SubDomain), ShareCode: models.SanitizeLine(j.ShareCode)}, nil
}
