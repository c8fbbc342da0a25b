package catalog

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// imports lists what the non-test Go files of a directory import.
func imports(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	out := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[p] = true
		}
	}
	return out
}

// ARCHITECTURE.md: the catalog is neither cloud nor client, so that both
// may use it; it imports models and the standard library only. The
// simulated devices and the console take their layouts from it.
func TestImportRules(t *testing.T) {
	for p := range imports(t, ".") {
		if strings.HasPrefix(p, "acconsole/") && p != "acconsole/models" {
			t.Errorf("catalog imports %s: only models is allowed", p)
		}
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
			t.Errorf("catalog imports %s: only models and the standard library are allowed", p)
		}
	}
	for _, dir := range []string{"../cloud/sim", "../ui"} {
		got := imports(t, dir)
		if !got["acconsole/catalog"] {
			t.Errorf("%s does not take its layouts from the catalog", dir)
		}
		if got["acconsole/ui"] || (dir == "../cloud/sim" && got["acconsole/acapi"]) {
			t.Errorf("%s breaks the import rules: %v", dir, got)
		}
	}
}
