package acapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"acconsole/models"
)

// decodeJSON unmarshals body into v and then scrubs every string in it, so
// nothing a device owner typed can reach the terminal unsanitised. Struct
// fields tagged `sanitize:"text"` keep their line breaks; every other string
// becomes a single line. An empty body is {}.
func decodeJSON(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("malformed response: %w", err)
	}
	Sanitize(v)
	return nil
}

// Sanitize scrubs every string reachable from v (a pointer) in place: struct
// fields, slices, arrays, map keys and values, interfaces.
func Sanitize(v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return
	}
	sanitizeValue(rv.Elem(), false)
}

func sanitizeValue(v reflect.Value, multiline bool) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if models.NeedsSanitizing(s, multiline) && v.CanSet() {
			if multiline {
				v.SetString(models.SanitizeText(s))
			} else {
				v.SetString(models.SanitizeLine(s))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			sanitizeValue(v.Elem(), multiline)
		}
	case reflect.Struct:
		for _, f := range structPlan(v.Type()) {
			sanitizeValue(v.Field(f.index), f.multiline)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return // binary payloads are bytes, not text
		}
		for i := 0; i < v.Len(); i++ {
			sanitizeValue(v.Index(i), multiline)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		iter := v.MapRange()
		type kv struct{ k, v reflect.Value }
		var changed []kv
		for iter.Next() {
			k, val := iter.Key(), iter.Value()
			nk, nv := cleanCopy(k, false), cleanCopy(val, multiline)
			if nk.IsValid() || nv.IsValid() {
				if !nk.IsValid() {
					nk = k
				}
				if !nv.IsValid() {
					nv = val
				}
				changed = append(changed, kv{k, reflect.Value{}}, kv{nk, nv})
			}
		}
		for i := 0; i < len(changed); i += 2 {
			v.SetMapIndex(changed[i].k, reflect.Value{})
			v.SetMapIndex(changed[i+1].k, changed[i+1].v)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		if nv := cleanCopy(v.Elem(), multiline); nv.IsValid() && v.CanSet() {
			v.Set(nv)
		}
	}
}

// cleanCopy returns a sanitised copy of a non-addressable value (map entries
// and interface contents cannot be changed in place), or an invalid Value if
// nothing needed changing.
func cleanCopy(v reflect.Value, multiline bool) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if !models.NeedsSanitizing(s, multiline) {
			return reflect.Value{}
		}
		out := reflect.New(v.Type()).Elem()
		if multiline {
			out.SetString(models.SanitizeText(s))
		} else {
			out.SetString(models.SanitizeLine(s))
		}
		return out
	case reflect.Map, reflect.Slice, reflect.Pointer:
		// Reference types share storage: clean in place.
		sanitizeValue(v, multiline)
		return reflect.Value{}
	case reflect.Interface:
		if v.IsNil() {
			return reflect.Value{}
		}
		return cleanCopy(v.Elem(), multiline)
	case reflect.Struct, reflect.Array:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		sanitizeValue(out, multiline)
		return out
	}
	return reflect.Value{}
}

// fieldPlan is a struct field that can hold text.
type fieldPlan struct {
	index     int
	multiline bool
}

var plans sync.Map // reflect.Type → []fieldPlan

// structPlan lists, once per type, the exported fields that can hold a
// string: decoding a 500-device list otherwise spends most of its sanitising
// time asking reflect about the same numeric fields again and again.
func structPlan(t reflect.Type) []fieldPlan {
	if p, ok := plans.Load(t); ok {
		return p.([]fieldPlan)
	}
	var out []fieldPlan
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || !mayHoldText(f.Type, 0) {
			continue
		}
		out = append(out, fieldPlan{index: i, multiline: f.Tag.Get("sanitize") == "text"})
	}
	plans.Store(t, out)
	return out
}

// mayHoldText reports whether a value of type t can contain a string.
func mayHoldText(t reflect.Type, depth int) bool {
	if depth > 8 {
		return true // deep or recursive types: just walk them
	}
	switch t.Kind() {
	case reflect.String, reflect.Interface, reflect.Map:
		return true
	case reflect.Pointer, reflect.Array:
		return mayHoldText(t.Elem(), depth+1)
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8 && mayHoldText(t.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && mayHoldText(t.Field(i).Type, depth+1) {
				return true
			}
		}
	}
	return false
}
