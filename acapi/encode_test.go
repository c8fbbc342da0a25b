package acapi

import (
	"encoding/json"
	"testing"
)

func TestEncodeParamsMatchesEncodingJSON(t *testing.T) {
	cases := []map[string]any{
		{},
		{"userId": int64(42)},
		{"a": "x", "b": true, "c": 3, "d": int64(-9)},
		{"name": "客厅插座"},
		{"name": "quote\"back\\slash<tag>&"},
		{"profile": map[string]any{"k": []any{1, "v"}}},
		{"f": 1.5},
		{"ids": []int64{1, 2}},
	}
	for _, c := range cases {
		got, err := encodeParams(c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(c)
		if string(got) != string(want) {
			t.Errorf("encodeParams(%v) = %s, want %s", c, got, want)
		}
	}
}
