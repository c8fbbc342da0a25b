// Package i18n holds the message catalogs of the console and the WeChat
// bridge (English and Simplified Chinese) and decides which language a
// person reads.
//
// Messages live in messages/<area>.<lang>.toml, one file per area and
// language, in go-i18n's format: a table per message id with "other" (and
// "one" where English has a singular). Texts are text/template strings
// whose fields are named ({{.Device}}), so a translation may put them in
// any order; code never concatenates translated pieces.
//
// Commands, key names, ids, error codes and data stay as they are in every
// language; the audit log and machine output never go through here.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	toml "github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// Lang is a language the catalogs carry.
type Lang string

// The languages with a full catalog. English is the fallback for any
// message a catalog lacks and for any locale the console does not carry.
const (
	English Lang = "en"
	Chinese Lang = "zh-CN"
)

// Langs lists the carried languages in the order :lang shows them.
func Langs() []Lang { return []Lang{English, Chinese} }

func (l Lang) tag() language.Tag {
	if l == Chinese {
		return language.SimplifiedChinese
	}
	return language.English
}

//go:embed messages/*.toml
var messageFiles embed.FS

var (
	bundleOnce sync.Once
	bundle     *goi18n.Bundle
	bundleErr  error
)

// loadBundle parses every embedded catalog once per process.
func loadBundle() (*goi18n.Bundle, error) {
	bundleOnce.Do(func() {
		b := goi18n.NewBundle(language.English)
		b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
		names, err := fs.Glob(messageFiles, "messages/*.toml")
		if err != nil {
			bundleErr = err
			return
		}
		for _, n := range names {
			if _, err := b.LoadMessageFileFS(messageFiles, n); err != nil {
				bundleErr = fmt.Errorf("i18n: %s: %w", n, err)
				return
			}
		}
		bundle = b
	})
	return bundle, bundleErr
}

// Translator renders message ids in one language. It is safe for
// concurrent use; For returns one per language per process.
type Translator struct {
	lang Lang
	loc  *goi18n.Localizer
}

var (
	translatorsMu sync.Mutex
	translators   = map[Lang]*Translator{}
)

// For returns the translator of l. The catalogs are embedded and checked
// by the package tests, so a broken catalog is a build defect: For panics
// on it rather than starting a console that shows ids.
func For(l Lang) *Translator {
	if l != Chinese {
		l = English
	}
	translatorsMu.Lock()
	defer translatorsMu.Unlock()
	if t, ok := translators[l]; ok {
		return t
	}
	b, err := loadBundle()
	if err != nil {
		panic(err)
	}
	t := &Translator{lang: l, loc: goi18n.NewLocalizer(b, l.tag().String(), "en")}
	translators[l] = t
	return t
}

// Lang is the translator's language.
func (t *Translator) Lang() Lang { return t.lang }

// T renders message id with named fields given as pairs:
// T("device.renamed", "Old", a, "New", b). A missing id renders as the id
// itself in brackets, so it is visible on screen and caught by the tests.
func (t *Translator) T(id string, pairs ...any) string {
	return t.render(id, nil, pairs)
}

// N renders the plural form of id for count n; the template sees n as
// {{.Count}} beside the named fields.
func (t *Translator) N(id string, n int, pairs ...any) string {
	return t.render(id, n, append(pairs, "Count", n))
}

func (t *Translator) render(id string, count any, pairs []any) string {
	data := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			continue
		}
		data[k] = pairs[i+1]
	}
	s, err := t.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return "[" + id + "]"
	}
	return s
}

var (
	idsOnce sync.Once
	ids     map[Lang]map[string][]string
)

// Has reports whether id is in the catalogs. The catalogs are embedded, so
// their ids are read once per process; Has is cheap enough for every frame.
func Has(id string) bool {
	idsOnce.Do(func() { ids = catalogIDs() })
	_, ok := ids[English][id]
	return ok
}

// ParseLang reads a language name as people and locales write it: "en",
// "en_US.UTF-8", "zh-CN", "zh_CN.UTF-8", "zh-Hans", "zh". Traditional
// Chinese locales (zh_TW, zh_HK, zh-Hant) have no catalog and are an error
// here, so that a setting never silently shows a script its reader did not
// ask for.
func ParseLang(s string) (Lang, error) {
	name := strings.TrimSpace(s)
	if i := strings.IndexAny(name, ".@"); i >= 0 {
		name = name[:i] // zh_CN.UTF-8, en_US@euro
	}
	name = strings.ReplaceAll(name, "_", "-")
	switch strings.ToLower(name) {
	case "c", "posix":
		return English, nil
	}
	tag, err := language.Parse(name)
	if err != nil {
		return "", fmt.Errorf("unknown language %q (known: %s)", s, knownList())
	}
	base, _ := tag.Base()
	switch base.String() {
	case "en":
		return English, nil
	case "zh":
		if script, conf := tag.Script(); conf != language.No && script.String() == "Hant" {
			return "", fmt.Errorf("language %q: only Simplified Chinese (zh-CN) is carried (known: %s)", s, knownList())
		}
		return Chinese, nil
	}
	return "", fmt.Errorf("language %q has no catalog (known: %s)", s, knownList())
}

func knownList() string {
	var out []string
	for _, l := range Langs() {
		out = append(out, string(l))
	}
	return strings.Join(out, ", ")
}

// Choose picks the language: the --lang flag, else the config's
// `language`, else the first of LC_ALL, LC_MESSAGES, LANG that is set
// (POSIX order), else English. A flag or config value that names no
// catalog is an error (the person asked for something specific); a locale
// without a catalog quietly means English, as for every other program.
func Choose(flag, config string, getenv func(string) string) (Lang, error) {
	for _, v := range []string{flag, config} {
		if strings.TrimSpace(v) != "" {
			return ParseLang(v)
		}
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if l, err := ParseLang(v); err == nil {
				return l, nil
			}
			return English, nil
		}
	}
	return English, nil
}

// catalogIDs lists, per language, the message ids and the template fields
// each uses; the tests compare the catalogs with it. Ids nest as go-i18n
// reads them: [pairing] title = "…" is the id pairing.title.
func catalogIDs() map[Lang]map[string][]string {
	out := map[Lang]map[string][]string{English: {}, Chinese: {}}
	names, _ := fs.Glob(messageFiles, "messages/*.toml")
	for _, n := range names {
		buf, err := fs.ReadFile(messageFiles, n)
		if err != nil {
			continue
		}
		var raw map[string]any
		if err := toml.Unmarshal(buf, &raw); err != nil {
			continue
		}
		lang := English
		if strings.HasSuffix(n, ".zh-CN.toml") {
			lang = Chinese
		}
		flattenMessages("", raw, out[lang])
	}
	return out
}

// pluralKeys are the keys of a message table (go-i18n's reserved words).
var pluralKeys = map[string]bool{"description": true, "hash": true, "zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}

func flattenMessages(prefix string, v any, into map[string][]string) {
	switch m := v.(type) {
	case string:
		into[prefix] = dedupe(sortedFields(templateFields(m)))
	case map[string]any:
		isMessage := len(m) > 0
		for k := range m {
			if !pluralKeys[k] {
				isMessage = false
			}
		}
		if isMessage {
			var fields []string
			for k, text := range m {
				if s, ok := text.(string); ok && k != "description" && k != "hash" {
					fields = append(fields, templateFields(s)...)
				}
			}
			into[prefix] = dedupe(sortedFields(fields))
			return
		}
		for k, child := range m {
			id := k
			if prefix != "" {
				id = prefix + "." + k
			}
			flattenMessages(id, child, into)
		}
	}
}

func sortedFields(f []string) []string { sort.Strings(f); return f }

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// templateFields lists the {{.Name}} fields of a message text.
func templateFields(text string) []string {
	var out []string
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return out
		}
		inner := strings.TrimSpace(text[i+2 : i+j])
		for _, word := range strings.Fields(inner) {
			if strings.HasPrefix(word, ".") && len(word) > 1 {
				out = append(out, word[1:])
			}
		}
		text = text[i+j+2:]
	}
}

// LangName is l's name for a person reading t's language.
func (t *Translator) LangName(l Lang) string {
	if l == Chinese {
		return t.T("lang.name_zh_cn")
	}
	return t.T("lang.name_en")
}
