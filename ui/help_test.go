package ui

import (
	"strings"
	"testing"
	"time"
)

// ? on the device page: the page's own keys first, then the global ones,
// then other views' keys under their view's name, so that "a" (add
// sub-device) in pairing never sits beside "a" of another view unnamed.
func TestHelpStartsWithThisViewsKeys(t *testing.T) {
	h := newWFHarness(t, gatewayFake(), 100, 40)
	h.command("device 950")
	h.must("physical id")
	h.press("?")
	var all []string
	for i := 0; i < 80; i++ {
		all = append(all, strings.Split(h.screen(), "\n")...)
		h.press("down")
	}
	text := strings.Join(all, "\n")
	here := strings.Index(text, "This view: Home hub")
	global := strings.Index(text, "Everywhere")
	pairing := strings.Index(text, "In the pairing view")
	if here < 0 || global < 0 || pairing < 0 {
		t.Fatalf("help lacks a section (this view %d, everywhere %d, pairing %d):\n%s", here, global, pairing, text)
	}
	if !(here < global && global < pairing) {
		t.Fatalf("help order: this view %d, everywhere %d, pairing %d", here, global, pairing)
	}
	// p (pair) is this view's key; the pairing view's keys come under
	// their own heading.
	if !strings.Contains(text[here:global], "\n p ") {
		t.Fatalf("this view's section lacks p:\n%s", text[here:global])
	}
	if strings.Contains(text[global:pairing], "\n o ") {
		t.Fatalf("a pairing key is listed outside its view:\n%s", text[global:pairing])
	}
}

// Every footer offers each key once: the timer editor names esc itself,
// and the global hints must not add it again.
func TestFooterListsEachKeyOnce(t *testing.T) {
	h := openTimers(t, newFakeAPI(), time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.act(ActCreate)
	h.must("New timer")
	lines := strings.Split(h.screen(), "\n")
	foot := lines[len(lines)-1]
	if n := strings.Count(foot, "esc "); n != 1 {
		t.Fatalf("the editor's footer offers esc %d times: %q", n, foot)
	}
}

// With a two-line footer the help still scrolls to its last line.
func TestHelpScrollsToTheEndAboveATwoLineFooter(t *testing.T) {
	h := newWFHarness(t, gatewayFake(), 80, 24)
	h.command("device 950")
	h.must("physical id")
	lines := strings.Split(h.screen(), "\n")
	if strings.TrimSpace(lines[len(lines)-2]) == "" {
		t.Fatalf("expected a two-line footer at 80 columns on the device page:\n%s", h.screen())
	}
	h.press("?")
	for i := 0; i < 200; i++ {
		h.press("down")
	}
	h.must(":q ")
	h.mustNot("more lines")
}
