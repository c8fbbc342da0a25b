package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"theme", "theme", 0},
		{"tset", "test", 1},         // one swap of neighbours
		{"txet", "text", 1},         // one swap of neighbours
		{"operater", "operator", 1}, // one substitution
		{"write_minute", "write_minutes", 1},
		{"refresh_intervall", "refresh_interval", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a swapped pair
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"default_profile", "operator", "theme", "refresh_interval", "write_minutes"}
	for word, want := range map[string]string{
		"Theme":        "theme", // case is ignored in the word
		"operater":     "operator",
		"write_minute": "write_minutes",
		"refresh":      "", // 9 edits away
		"x":            "", // too short for any suggestion
		"colour":       "", // nothing close
		"them":         "theme",
		"opx":          "", // 2 edits of 3 letters is not a misspelling
	} {
		if got := Closest(word, known); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
	if got := Closest("abcd", []string{"abce", "abcf"}); got != "abce" {
		t.Errorf("tie: %q, want the earlier word abce", got)
	}
	if got := Closest("anything", nil); got != "" {
		t.Errorf("no known words: %q", got)
	}
}
