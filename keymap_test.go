package main

import (
	"strings"
	"testing"
)

func TestDefaultKeyMapHasNoConflicts(t *testing.T) {
	km, err := buildKeyMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(km.All()) != len(defaultBindings()) {
		t.Fatal("bindings lost")
	}
}

func TestKeyOverridesAndConflicts(t *testing.T) {
	km, err := buildKeyMap(map[string][]string{"rename": {"F2"}})
	if err != nil || km.Get("rename").Keys[0] != "F2" {
		t.Fatalf("override: %v %v", km.Get("rename"), err)
	}
	if _, err := buildKeyMap(map[string][]string{"renam": {"x"}}); err == nil || !strings.Contains(err.Error(), `unknown action "renam"`) {
		t.Fatalf("unknown action: %v", err)
	}
	_, err = buildKeyMap(map[string][]string{"refresh": {"q"}})
	if err == nil || !strings.Contains(err.Error(), `key "q" is bound to both`) {
		t.Fatalf("conflict not reported: %v", err)
	}
}
