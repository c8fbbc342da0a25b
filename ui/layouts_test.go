package ui

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLayoutsMatchTheProductDocs holds the console's message layouts
// against the product documentation the cloud generates from its specs
// (cloud/sim/PRODUCTS.md): same rows, same layouts, both ways. The console
// does not import the cloud, so this is what keeps them together.
func TestLayoutsMatchTheProductDocs(t *testing.T) {
	raw, err := os.ReadFile("../cloud/sim/PRODUCTS.md")
	if err != nil {
		t.Fatalf("product docs not found: %v", err)
	}
	doc := string(raw)
	type key struct {
		sub, code, dir string
	}
	docRows := map[key][]string{}
	section := regexp.MustCompile(`^### (\w+):`)
	sub := ""
	for _, line := range strings.Split(doc, "\n") {
		if m := section.FindStringSubmatch(line); m != nil {
			sub = m[1]
			continue
		}
		if sub == "" || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| code") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		if len(cells) < 6 {
			t.Fatalf("doc row %q", line)
		}
		docRows[key{sub, cells[0], cells[1]}] = cells[:6]
	}
	if len(docRows) < 30 {
		t.Fatalf("read only %d rows from the product docs", len(docRows))
	}
	rows, err := splitLayoutRows(documentedLayouts)
	if err != nil {
		t.Fatal(err)
	}
	mine := map[key]bool{}
	flat := strings.Join(strings.Fields(doc), " ")
	for _, r := range rows {
		if _, err := r.spec(); err != nil {
			t.Errorf("%s: %v", r.product, err)
		}
		if r.product == "common" {
			// Described in prose: the code and name, and each value list.
			if !strings.Contains(doc, strings.TrimSpace(r.layout)) && r.layout != "empty" {
				for _, part := range strings.Split(r.layout, "; ") {
					if _, list, ok := strings.Cut(part, ": "); ok && !strings.Contains(flat, list) && !strings.HasPrefix(list, "in ") {
						t.Errorf("common %d: the docs do not list %q", r.code, list)
					}
				}
			}
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(strconv.Itoa(r.code)) + `\s+` + regexp.QuoteMeta(r.name)).MatchString(doc) {
				t.Errorf("common %d %q is not in the docs", r.code, r.name)
			}
			continue
		}
		k := key{r.product, strconv.Itoa(r.code), r.dir}
		mine[k] = true
		d, ok := docRows[k]
		if !ok {
			t.Errorf("%s %d %s: not in the product docs", r.product, r.code, r.dir)
			continue
		}
		if got, want := []string{r.name, r.layout, r.reply, r.example}, []string{d[2], d[3], d[4], d[5]}; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s %d %s:\n console %q\n docs    %q", r.product, r.code, r.dir, got, want)
		}
	}
	for k := range docRows {
		if !mine[k] {
			t.Errorf("%s %s %s: documented but missing from the console's layouts", k.sub, k.code, k.dir)
		}
	}
}
