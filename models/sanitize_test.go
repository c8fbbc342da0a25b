package models

import "testing"

func TestSanitizeLineHostile(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Kitchen plug", "Kitchen plug"},
		{"cjk", "客厅插座", "客厅插座"},
		{"emoji", "lamp 💡", "lamp 💡"},
		{"sgr", "\x1b[31mred\x1b[0m", "red"},
		{"osc title bel", "a\x1b]0;pwned\x07b", "ab"},
		{"osc52 clipboard st", "x\x1b]52;c;ZXZpbA==\x1b\\y", "xy"},
		{"osc8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"dcs", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"apc", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"cursor move", "a\x1b[2J\x1b[H\x1b[10;10Hb", "ab"},
		{"charset", "a\x1b(0b", "ab"},
		{"c1 csi", "a\u009b31mb", "ab"},
		{"c1 osc", "a\u009d0;t\u009cb", "ab"},
		{"controls", "a\x00b\x08c\x7fd\x05e", "abcde"},
		{"newline", "two\nlines\r\nhere\rok", "two lines  here ok"},
		{"tab", "a\tb", "a b"},
		{"bidi override", "abc\u202edcba\u202c", "abcdcba"},
		{"bidi isolate", "\u2066x\u2069", "x"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"trailing esc", "abc\x1b", "abc"},
		{"unterminated osc", "abc\x1b]0;title", "abc"},
	}
	for _, c := range cases {
		if got := SanitizeLine(c.in); got != c.want {
			t.Errorf("%s: SanitizeLine(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestSanitizeTextKeepsNewlines(t *testing.T) {
	got := SanitizeText("v1-0-2:\r\n- fix \x1b[1mbold\x1b[0m\n- \u202eevil\tok")
	want := "v1-0-2:\n- fix bold\n- evil ok"
	if got != want {
		t.Fatalf("SanitizeText = %q, want %q", got, want)
	}
}

func FuzzSanitizeLine(f *testing.F) {
	f.Add("\x1b]0;x\x07a\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		out := SanitizeLine(s)
		if NeedsSanitizing(out, false) {
			for _, r := range out {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
					t.Fatalf("SanitizeLine(%q) left control %U in %q", s, r, out)
				}
			}
		}
		if SanitizeLine(out) != out {
			t.Fatalf("not idempotent: %q -> %q", out, SanitizeLine(out))
		}
	})
}
