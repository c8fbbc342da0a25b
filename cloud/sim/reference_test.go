package sim

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite PRODUCTS.md and doc.go from the message specs")

const docHead = `Package sim simulates the devices of the local cloud: a catalog of
products (smart plug, air purifier, Zigbee gateway, bulb, door sensor, wall
switch) with their data points and binary message layouts, and a Fleet of
devices that connect to the hub, answer commands within microseconds, send
state and telemetry reports, drop offline and come back (churn), let
sub-devices join gateways during match windows, and run firmware upgrades.

The whole fleet runs off one scheduler with a single timer, so 100 000
idle devices cost no goroutines and almost no CPU. Time comes from a
clock.Clock: production uses the wall clock; tests use a clock.Fake and Advance
it, so nothing sleeps.

This comment is generated from the message specs, like PRODUCTS.md; see
reference.go.

`

func docGo() string {
	var b strings.Builder
	b.WriteString("// Code generated from the message specs by TestReference -update; DO NOT EDIT.\n\n")
	for _, l := range strings.Split(strings.TrimRight(docHead+reference(false), "\n"), "\n") {
		if l == "" {
			b.WriteString("//\n")
			continue
		}
		b.WriteString("// " + l + "\n")
	}
	b.WriteString("package sim\n")
	return strings.ReplaceAll(b.String(), "// \t", "//\t")
}

// TestReference keeps PRODUCTS.md and the package comment in step with the
// specs the devices run on.
func TestReference(t *testing.T) {
	files := map[string]string{
		"PRODUCTS.md": reference(true),
		"doc.go":      docGo(),
	}
	for name, want := range files {
		if *update {
			if err := os.WriteFile(name, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is out of date: run go test ./cloud/sim -run TestReference -update", name)
		}
	}
}

// TestREADMECarriesTheProductReference keeps the README's copy of the
// product reference (a person drives devices by hand from it) in step with
// the specs: every line but the headings must be there.
func TestREADMECarriesTheProductReference(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(reference(true), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.Contains(string(readme), l) {
			t.Fatalf("README.md lacks %q: paste cloud/sim/PRODUCTS.md into its product section", l)
		}
	}
}
