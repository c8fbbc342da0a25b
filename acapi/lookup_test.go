package acapi_test

import (
	"context"
	"slices"
	"testing"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
)

func TestNormalizeMAC(t *testing.T) {
	for in, want := range map[string]string{
		"a1:b2:c3:00:00:01": "A1B2C3000001",
		"A1-B2-C3-00-00-01": "A1B2C3000001",
		"a1b2.c300.0001":    "A1B2C3000001",
		"a1b2c3000001":      "A1B2C3000001",
		"a1b2c300000":       "",
		"a1b2c30000011":     "",
		"g1b2c3000001":      "",
		"hello-world":       "",
	} {
		if got := acapi.NormalizeMAC(in); got != want {
			t.Errorf("NormalizeMAC(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPhoneForms(t *testing.T) {
	for in, want := range map[string][]string{
		"+8613800028183":    {"+8613800028183", "13800028183"},
		"13800028183":       {"13800028183", "+8613800028183"},
		"138 0002-8183":     {"13800028183", "+8613800028183"},
		"008613800028183":   {"+8613800028183", "13800028183"},
		"+4915112345678":    {"+4915112345678"},
		"4915112345678":     {"4915112345678", "+4915112345678"},
		"12345":             nil,
		"user@example.com":  nil,
		"weixin:otzg123456": nil,
		"1+2345678":         nil,
	} {
		if got := acapi.PhoneForms(in); !slices.Equal(got, want) {
			t.Errorf("PhoneForms(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitOpenID(t *testing.T) {
	for _, tc := range []struct {
		in, prov, oid string
		ok            bool
	}{
		{"weixin:otzgAbC-_1", "weixin", "otzgAbC-_1", true},
		{"WeiXin: otzg", "weixin", "otzg", true},
		{"otzgAbC", "", "", false},
		{"weixin:", "", "", false},
		{"+86:138", "", "", false},
	} {
		p, o, ok := acapi.SplitOpenID(tc.in)
		if p != tc.prov || o != tc.oid || ok != tc.ok {
			t.Errorf("SplitOpenID(%q) = %q, %q, %v", tc.in, p, o, ok)
		}
	}
}

// FindDevices on a real local cloud: exact, other letter case, MAC in any
// spelling, two records in two products, and nothing for an unknown word.
func TestFindDevices(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	wh := e.client.Warehouse()
	for _, a := range []struct{ sub, pid, mac string }{
		{"plug", "LOOKUP00000001", "02:00:00:00:00:01"},
		{"plug", "LOOKUP00000002", "02:00:00:00:00:02"},
		{"bulb", "lookup00000002", "02:00:00:00:00:03"},
	} {
		must(t, "activate "+a.pid, wh.ActivateDevice(ctx, a.sub, acapi.Activation{PhysicalDeviceID: a.pid, DevVersion: "1-0-0", MAC: a.mac}))
	}
	pids := func(q string) []string {
		t.Helper()
		found, truncated, err := wh.FindDevices(ctx, q)
		if err != nil || truncated {
			t.Fatalf("FindDevices(%q): %v, truncated %v", q, err, truncated)
		}
		var out []string
		for _, f := range found {
			out = append(out, f.SubDomainName+"/"+f.PhysicalDeviceID)
		}
		slices.Sort(out)
		return out
	}
	for q, want := range map[string][]string{
		"LOOKUP00000001":    {"plug/LOOKUP00000001"},
		"lookup00000001":    {"plug/LOOKUP00000001"},
		"020000000001":      {"plug/LOOKUP00000001"},
		"02-00-00-00-00-03": {"bulb/lookup00000002"},
		"LOOKUP00000002":    {"plug/LOOKUP00000002"},
		"Lookup00000002":    {"bulb/lookup00000002", "plug/LOOKUP00000002"}, // the pick list
		"hello-world":       nil,
	} {
		if got := pids(q); !slices.Equal(got, want) {
			t.Errorf("FindDevices(%q) = %v, want %v", q, got, want)
		}
	}
	if _, _, err := wh.FindDevices(ctx, "  "); err == nil {
		t.Error("an empty query is not refused")
	}
}
