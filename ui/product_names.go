package ui

import (
	"strings"

	"acconsole/catalog"
	"acconsole/i18n"
)

// The product catalog (package catalog) is language-free: it names its
// fields and messages in English, for the simulated devices, the product
// reference and the logs. What a person reads in the console goes through
// the i18n catalog instead, under ids built from those names; a name the
// i18n catalog lacks (a vendor's product) shows as the catalog has it.

// Id families of the catalog's names (i18n/messages/products.*.toml).
const (
	productFieldFamily   = "product.field."
	productMessageFamily = "product.message."
)

// productSlug is the id leaf of a catalog name: lower case, every run of
// other characters an underscore ("set power" → set_power, "PM2.5" →
// pm2_5).
func productSlug(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
			continue
		}
		gap = true
	}
	return b.String()
}

// productName renders a catalog name; T marks an id that no catalog has
// as "[id]", and that is where the catalog's own name shows instead.
func productName(tr *i18n.Translator, family, name string) string {
	id := family + productSlug(name)
	if s := tr.T(id); s != "["+id+"]" {
		return s
	}
	return name
}

// fieldName is a catalog field's name in tr's language.
func fieldName(tr *i18n.Translator, f catalog.Field) string {
	return productName(tr, productFieldFamily, f.Name)
}

// messageName is a catalog message's name in tr's language.
func messageName(tr *i18n.Translator, m catalog.Message) string {
	return productName(tr, productMessageFamily, m.Name)
}

// explainIn is m.Explain with the message's and fields' names in tr's
// language ("set power: power on", "设置电源：电源 on"). Values (enum
// names, units) are the catalog's. A payload that does not fit the layout,
// or a list message, is explained by the catalog itself.
func explainIn(tr *i18n.Translator, m catalog.Message, b []byte) string {
	if n := m.Size(); (n >= 0 && len(b) != n) || len(b) < m.MinSize() || len(m.Repeat) > 0 {
		return m.Explain(b)
	}
	var parts []string
	for _, f := range m.Fields {
		raw, ok := f.Bytes(b)
		if !ok {
			continue
		}
		parts = append(parts, fieldName(tr, f)+" "+f.Format(raw))
	}
	if len(parts) == 0 {
		return messageName(tr, m)
	}
	return tr.T("product.explain", "Message", messageName(tr, m), "Fields", strings.Join(parts, tr.T("product.list_sep")))
}
