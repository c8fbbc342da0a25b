package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCatalogsAgree: every id is in both catalogs with the same template
// fields, so no screen shows English in a Chinese console or loses a
// value in translation.
func TestCatalogsAgree(t *testing.T) {
	ids := catalogIDs()
	if len(ids[English]) == 0 {
		t.Fatal("the English catalog is empty: the embedded files did not parse")
	}
	var problems []string
	for id, fields := range ids[English] {
		zh, ok := ids[Chinese][id]
		if !ok {
			problems = append(problems, "missing in zh-CN: "+id)
			continue
		}
		if strings.Join(fields, ",") != strings.Join(zh, ",") {
			problems = append(problems, "fields differ for "+id+": en "+strings.Join(fields, ",")+" zh-CN "+strings.Join(zh, ","))
		}
	}
	for id := range ids[Chinese] {
		if _, ok := ids[English][id]; !ok {
			problems = append(problems, "missing in en: "+id)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestEveryFileParses loads each catalog file through go-i18n itself, the
// way the console does, so a syntax slip fails here and not at start.
func TestEveryFileParses(t *testing.T) {
	if _, err := loadBundle(); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(messageFiles, "messages/*.toml")
	for _, n := range names {
		if !strings.HasSuffix(n, ".en.toml") && !strings.HasSuffix(n, ".zh-CN.toml") {
			t.Errorf("%s: a catalog file ends in .en.toml or .zh-CN.toml", n)
		}
	}
}

// TestIDsUsedAndKnown reads the module's Go source: every id passed as a
// literal to T or N must be in the catalogs, and every catalog id must
// appear as a literal somewhere (or belong to a family built at run time,
// listed in dynamicFamilies), so the catalogs hold no dead text.
func TestIDsUsedAndKnown(t *testing.T) {
	root := moduleRoot(t)
	literals := map[string]bool{}
	var calls []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BasicLit:
				if x.Kind == token.STRING {
					if s, err := strconv.Unquote(x.Value); err == nil {
						literals[s] = true
					}
				}
			case *ast.CallExpr:
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "N") || len(x.Args) == 0 {
					return true
				}
				if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && looksLikeID(s) {
						calls = append(calls, fset.Position(lit.Pos()).String()+" "+s)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := catalogIDs()[English]
	for _, c := range calls {
		id := c[strings.LastIndex(c, " ")+1:]
		if _, ok := ids[id]; !ok {
			t.Errorf("%s: id not in the catalogs", c)
		}
	}
	var unused []string
	for id := range ids {
		if literals[id] || inDynamicFamily(id, literals) {
			continue
		}
		unused = append(unused, id)
	}
	sort.Strings(unused)
	for _, id := range unused {
		t.Errorf("catalog id never used: %s", id)
	}
}

// dynamicFamilies are id prefixes whose members the code builds at run
// time (prefix + a code); the prefix itself must appear as a literal.
var dynamicFamilies = []string{"date.weekday.", "date.month.", "key.", "errcode.", "product.field.", "product.message."}

func inDynamicFamily(id string, literals map[string]bool) bool {
	for _, p := range dynamicFamilies {
		if strings.HasPrefix(id, p) {
			for l := range literals {
				if strings.HasPrefix(l, p) {
					return true
				}
			}
		}
	}
	return false
}

func looksLikeID(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n") && strings.Contains(s, ".")
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// TestDates: hand-written expectations, the form the issue asks for.
func TestDates(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	tm := time.Date(2026, 12, 5, 7, 30, 0, 0, sh)
	cases := []struct {
		lang Lang
		got  string
		want string
	}{
		{Chinese, For(Chinese).DateTime(tm), "2026年12月5日 周六 07:30"},
		{English, For(English).DateTime(tm), "Sat 5 Dec 2026 07:30"},
		{Chinese, For(Chinese).Date(time.Date(2027, 1, 31, 0, 0, 0, 0, sh)), "2027年1月31日 周日"},
		{English, For(English).Date(time.Date(2027, 1, 31, 0, 0, 0, 0, sh)), "Sun 31 Jan 2027"},
		{Chinese, For(Chinese).Duration(65 * time.Minute), "1小时05分"},
		{English, For(English).Duration(65 * time.Minute), "1h 05m"},
		{Chinese, For(Chinese).Duration(2*time.Minute + 7*time.Second), "2分07秒"},
		{English, For(English).Duration(42 * time.Second), "42s"},
		{English, For(English).Duration(-1500 * time.Millisecond), "2s"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.lang, c.got, c.want)
		}
	}
}

func TestMissingIDIsVisible(t *testing.T) {
	if got := For(Chinese).T("no.such.message"); got != "[no.such.message]" {
		t.Fatalf("missing id rendered as %q", got)
	}
}

func TestParseLang(t *testing.T) {
	cases := []struct {
		in      string
		want    Lang
		wantErr bool
	}{
		{"en", English, false},
		{"en_US.UTF-8", English, false},
		{"en_GB@euro", English, false},
		{"C", English, false},
		{"POSIX", English, false},
		{"zh-CN", Chinese, false},
		{"zh_CN.UTF-8", Chinese, false},
		{"zh_CN.GB18030", Chinese, false},
		{"zh-Hans", Chinese, false},
		{"zh", Chinese, false},
		{"zh_SG.UTF-8", Chinese, false},
		{"zh-Hant", "", true},
		{"zh_TW.UTF-8", "", true},
		{"zh_HK", "", true},
		{"fr_FR.UTF-8", "", true},
		{"klingon!", "", true},
	}
	for _, c := range cases {
		got, err := ParseLang(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q (error %v)", c.in, got, err, c.want, c.wantErr)
		}
	}
}

func TestChoose(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name, flag, config string
		env                map[string]string
		want               Lang
		wantErr            bool
	}{
		{"nothing set", "", "", nil, English, false},
		{"LANG", "", "", map[string]string{"LANG": "zh_CN.UTF-8"}, Chinese, false},
		{"LC_MESSAGES beats LANG", "", "", map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, English, false},
		{"LC_ALL beats both", "", "", map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, Chinese, false},
		{"a locale without a catalog means English", "", "", map[string]string{"LANG": "de_DE.UTF-8"}, English, false},
		{"config beats the locale", "", "zh-CN", map[string]string{"LANG": "en_US.UTF-8"}, Chinese, false},
		{"flag beats config", "en", "zh-CN", nil, English, false},
		{"a config value without a catalog is an error", "", "de", nil, "", true},
	}
	for _, c := range cases {
		got, err := Choose(c.flag, c.config, env(c.env))
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %q, %v; want %q (error %v)", c.name, got, err, c.want, c.wantErr)
		}
	}
}

func TestLangNames(t *testing.T) {
	if got := For(Chinese).LangName(Chinese); got != "简体中文" {
		t.Errorf("zh-CN name in Chinese: %q", got)
	}
	if got := For(English).LangName(Chinese); !strings.HasPrefix(got, "Simplified Chinese") {
		t.Errorf("zh-CN name in English: %q", got)
	}
}
