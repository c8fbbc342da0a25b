package rpc

import (
	"net/http"
	"net/netip"
	"testing"
)

// The client behind load balancers, worked out by hand for each chain of
// X-Forwarded-For entries: each proxy appends the address it saw, so the
// client is the rightmost entry that is not a trusted proxy.
func TestClientIPBehindTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy: the peer", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a trusted peer without the header", "10.0.0.2:4000", nil, "10.0.0.2"},
		{"one balancer", "10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's own entry is left of the one the balancer wrote", "10.0.0.2:4000", []string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"two balancers", "10.0.0.2:4000", []string{"198.51.100.1, 10.0.0.3"}, "198.51.100.1"},
		{"the header given twice reads as one list", "10.0.0.2:4000", []string{"192.0.2.66", "198.51.100.1"}, "198.51.100.1"},
		{"nothing but proxies: the first of them", "10.0.0.2:4000", []string{"10.0.0.5, 10.0.0.3"}, "10.0.0.5"},
		{"not an address: the proxy that passed it on", "10.0.0.2:4000", []string{"198.51.100.1, unknown, 10.0.0.3"}, "10.0.0.3"},
		{"not an address at once: the peer", "10.0.0.2:4000", []string{"garbage"}, "10.0.0.2"},
		{"an empty header: the peer", "10.0.0.2:4000", []string{""}, "10.0.0.2"},
		{"IPv6 balancer", "[2001:db8::2]:80", []string{"fd00::1"}, "fd00::1"},
		{"IPv4 peer written as IPv6", "[::ffff:10.0.0.2]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a peer that is not an address", "@", []string{"198.51.100.1"}, "@"},
	} {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientIP(r, trusted); got != tc.want {
			t.Errorf("%s: peer %s, X-Forwarded-For %q: client %q, want %q", tc.name, tc.peer, tc.xff, got, tc.want)
		}
	}
	r := &http.Request{RemoteAddr: "10.0.0.2:4000", Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}}
	if got := clientIP(r, nil); got != "10.0.0.2" {
		t.Errorf("no trusted proxies: client %q, want the peer 10.0.0.2", got)
	}
}

func TestParseTrustedProxy(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":    "10.0.0.0/8",
		"10.1.2.3/8":    "10.0.0.0/8",
		"203.0.113.7":   "203.0.113.7/32",
		" 2001:db8::1":  "2001:db8::1/128",
		"2001:db8::/32": "2001:db8::/32",
	} {
		p, err := ParseTrustedProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseTrustedProxy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"", "the balancer", "10.0.0.0/33", "10.0.0"} {
		if _, err := ParseTrustedProxy(in); err == nil {
			t.Errorf("ParseTrustedProxy(%q) accepted", in)
		}
	}
}
