package acapi

import (
	"encoding/json"
	"sort"
	"strconv"
)

// encodeParams writes a JSON object for the request body. Most calls carry a
// few ids and plain names, which are written directly in key order;
// anything else (nested objects, lists, text that needs escaping) goes
// through encoding/json. Both give the same bytes for the simple case.
func encodeParams(params map[string]any) ([]byte, error) {
	var keysBuf [8]string
	keys := keysBuf[:0]
	for k, v := range params {
		if !simpleKey(k) || !simpleValue(v) {
			return json.Marshal(params)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := make([]byte, 0, 16+24*len(keys))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		switch v := params[k].(type) {
		case string:
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		case bool:
			b = strconv.AppendBool(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		}
	}
	return append(b, '}'), nil
}

func simpleKey(s string) bool { return plainText(s) }

func simpleValue(v any) bool {
	switch x := v.(type) {
	case string:
		return plainText(x)
	case bool, int, int64:
		return true
	}
	return false
}

// plainText is printable ASCII that JSON writes unescaped.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
