// Package flexjson holds JSON types that accept what loosely typed peers
// send: AbleCloud and WeChat clients write ids and codes as strings or as
// numbers, depending on the SDK.
package flexjson

import (
	"bytes"
	"encoding/json"
	"errors"
)

// String accepts a JSON string or number (or null, as "") and keeps its
// text: a string as it was sent, a number as written (1e3 stays "1e3").
type String string

// errNotText is the answer to a bool, an object or an array.
var errNotText = errors.New("want a string or a number")

// UnmarshalJSON implements json.Unmarshaler.
func (f *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = String(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errNotText
	}
	*f = String(n.String())
	return nil
}
