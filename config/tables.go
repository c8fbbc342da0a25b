package config

import (
	"errors"
	"fmt"
)

// Table is one [header] of a TOML file read with this package's reader, for
// other files of the same subset (the SSH server's team file). Values are
// string, int64, bool or []string.
type Table struct {
	Name    []string
	Line    int
	Entries []Entry
}

// Entry is one key = value line.
type Entry struct {
	Key   string
	Value any
	Line  int
}

// ParseTables reads the TOML subset described in toml.go into tables; the
// first table is the root (no name). Syntax errors name the file and line.
func ParseTables(name string, data []byte) ([]Table, error) {
	tables, synErrs := parseDoc(data)
	if len(synErrs) > 0 {
		errs := make([]error, len(synErrs))
		for i, e := range synErrs {
			errs[i] = fmt.Errorf("%s:%d: %s", name, e.line, e.msg)
		}
		return nil, errors.Join(errs...)
	}
	out := make([]Table, len(tables))
	for i, t := range tables {
		out[i] = Table{Name: t.name, Line: t.line}
		for _, kv := range t.entries {
			var v any
			switch kv.val.kind {
			case kString:
				v = kv.val.str
			case kInt:
				v = kv.val.num
			case kBool:
				v = kv.val.b
			case kArray:
				v = kv.val.arr
			}
			out[i].Entries = append(out[i].Entries, Entry{Key: kv.key, Value: v, Line: kv.line})
		}
	}
	return out, nil
}
