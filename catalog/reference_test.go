package catalog

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite PRODUCTS.md and doc.go from the products table")

const docHead = `Package catalog is the one description of the products the local cloud
simulates and the console knows by heart: their records, data points and
binary message layouts (codes, fields, types, ranges), with the functions
that read and write payloads by those layouts. The simulated devices
(cloud/sim) run on it, the console (ui) composes and explains commands
with it, and PRODUCTS.md and this comment are generated from it; it
imports only models, so both the cloud and the client may use it.

Adding a product is one entry in the products table (table in
products.go): its record, data points, firmware and messages, e.g.

	{
		Type: 7, Firmware: "1-0-0", Module: "2-0-4",
		Record: record("kettle", "Kettle", "device", "KT-1", "wifi", "Wi-Fi kettle"),
		DataPoints: []models.DataPoint{dp("on", "Power", "bool", "", "")},
		Messages: common(append([]Message{
			{Code: CodeSetPower, Name: "set power", Dir: Command, Reply: CodeState,
				Example: "01", Doc: "switches the kettle", Fields: []Field{fPower(0)}},
		}, stateMsgs("power", []Field{fOnOff(0)})...)...),
	},

The console's composer, the device history's words, the product type
names and this reference follow from it; constants for its name and
codes are a convenience. What its commands do to a simulated device
beyond checking them against the layout and answering is code, in
cloud/sim. Run go test ./catalog -run TestReference -update to
regenerate this comment and PRODUCTS.md.

`

func docGo() string {
	var b strings.Builder
	b.WriteString("// Code generated from the products table by TestReference -update; DO NOT EDIT.\n\n")
	for _, l := range strings.Split(strings.TrimRight(docHead+reference(false), "\n"), "\n") {
		if l == "" {
			b.WriteString("//\n")
			continue
		}
		b.WriteString("// " + l + "\n")
	}
	b.WriteString("package catalog\n")
	return strings.ReplaceAll(b.String(), "// \t", "//\t")
}

// TestReference keeps PRODUCTS.md and the package comment in step with the
// products table the devices run on.
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
			t.Errorf("%s is out of date: run go test ./catalog -run TestReference -update", name)
		}
	}
}

// TestREADMECarriesTheProductReference keeps the README's copy of the
// product reference (a person drives devices by hand from it) in step with
// the products table: every line but the headings must be there.
func TestREADMECarriesTheProductReference(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(reference(true), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.Contains(string(readme), l) {
			t.Fatalf("README.md lacks %q: paste catalog/PRODUCTS.md into its product section", l)
		}
	}
}
