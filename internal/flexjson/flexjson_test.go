package flexjson

import (
	"encoding/json"
	"testing"
)

func TestStringDecoding(t *testing.T) {
	for _, c := range []struct {
		in   string
		want String
		ok   bool
	}{
		{`{"v":"abc"}`, "abc", true},
		{`{"v":" padded "}`, " padded ", true},
		{`{"v":"\u4e2d"}`, "中", true},
		{`{"v":""}`, "", true},
		{`{"v":42}`, "42", true},
		{`{"v":-7}`, "-7", true},
		{`{"v":3.50}`, "3.50", true},
		{`{"v":1e3}`, "1e3", true},
		{`{"v": 12 }`, "12", true},
		{`{"v":null}`, "", true},
		{`{"v":true}`, "", false},
		{`{"v":false}`, "", false},
		{`{"v":{}}`, "", false},
		{`{"v":[1]}`, "", false},
	} {
		var out struct {
			V String `json:"v"`
		}
		err := json.Unmarshal([]byte(c.in), &out)
		if (err == nil) != c.ok || out.V != c.want {
			t.Errorf("%s: got %q, %v; want %q, ok=%v", c.in, out.V, err, c.want, c.ok)
		}
	}
}

func TestStringNullClearsAnEarlierValue(t *testing.T) {
	out := struct {
		V String `json:"v"`
	}{V: "old"}
	if err := json.Unmarshal([]byte(`{"v":null}`), &out); err != nil || out.V != "" {
		t.Fatalf("null field: %q, %v", out.V, err)
	}
}
