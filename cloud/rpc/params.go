package rpc

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"acconsole/models"
)

// Int64 reads an integer key; numeric strings are accepted (Q17). ok is false
// when the key is absent or empty.
func (c *Call) Int64(key string) (v int64, ok bool, err error) {
	raw, present := c.Params[key]
	if !present || raw == nil {
		return 0, false, nil
	}
	switch x := raw.(type) {
	case json.Number:
		if i, e := x.Int64(); e == nil {
			return i, true, nil
		}
		if f, e := x.Float64(); e == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), true, nil
		}
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, false, nil
		}
		if i, e := strconv.ParseInt(s, 10, 64); e == nil {
			return i, true, nil
		}
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true, nil
		}
	case int64:
		return x, true, nil
	case int:
		return int64(x), true, nil
	}
	return 0, true, Errorf(models.ErrInvalidParam, "%s must be an integer", key)
}

// MustInt64 reads a required integer key.
func (c *Call) MustInt64(key string) (int64, error) {
	v, ok, err := c.Int64(key)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, Errorf(models.ErrInvalidParam, "%s is required", key)
	}
	return v, nil
}

// OptInt64 reads an optional integer key with a default.
func (c *Call) OptInt64(key string, def int64) (int64, error) {
	v, ok, err := c.Int64(key)
	if err != nil || !ok {
		return def, err
	}
	return v, nil
}

// String reads a string key; numbers and booleans are accepted as text.
func (c *Call) String(key string) (string, bool, error) {
	raw, present := c.Params[key]
	if !present || raw == nil {
		return "", false, nil
	}
	switch x := raw.(type) {
	case string:
		return x, true, nil
	case json.Number:
		return x.String(), true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	}
	return "", true, Errorf(models.ErrInvalidParam, "%s must be a string", key)
}

// MustString reads a required, non-empty string key.
func (c *Call) MustString(key string) (string, error) {
	v, ok, err := c.String(key)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(v) == "" {
		return "", Errorf(models.ErrInvalidParam, "%s is required", key)
	}
	return v, nil
}

// OptString reads an optional string key.
func (c *Call) OptString(key string) (string, error) {
	v, _, err := c.String(key)
	return v, err
}

// Bool reads a boolean key; "true"/"false"/"1"/"0" strings are accepted.
func (c *Call) Bool(key string) (bool, error) {
	raw, present := c.Params[key]
	if !present || raw == nil {
		return false, nil
	}
	switch x := raw.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
			return b, nil
		}
	case json.Number:
		return x.String() != "0", nil
	}
	return false, Errorf(models.ErrInvalidParam, "%s must be true or false", key)
}

// Object reads a JSON object key.
func (c *Call) Object(key string) (map[string]any, error) {
	raw, present := c.Params[key]
	if !present || raw == nil {
		return nil, nil
	}
	if m, ok := raw.(map[string]any); ok {
		return m, nil
	}
	if s, ok := raw.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "{") {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			return m, nil
		}
	}
	return nil, Errorf(models.ErrInvalidParam, "%s must be a JSON object", key)
}

// Int64List reads an array of integers.
func (c *Call) Int64List(key string) ([]int64, error) {
	raw, present := c.Params[key]
	if !present || raw == nil {
		return nil, nil
	}
	arr, ok := raw.([]any)
	if !ok {
		return nil, Errorf(models.ErrInvalidParam, "%s must be an array of integers", key)
	}
	out := make([]int64, 0, len(arr))
	for i, v := range arr {
		sub := &Call{Params: map[string]any{"v": v}}
		n, ok, err := sub.Int64("v")
		if err != nil || !ok {
			return nil, Errorf(models.ErrInvalidParam, "%s[%d] must be an integer", key, i)
		}
		out = append(out, n)
	}
	return out, nil
}

// StringList reads an array of strings.
func (c *Call) StringList(key string) ([]string, error) {
	raw, present := c.Params[key]
	if !present || raw == nil {
		return nil, nil
	}
	arr, ok := raw.([]any)
	if !ok {
		return nil, Errorf(models.ErrInvalidParam, "%s must be an array of strings", key)
	}
	out := make([]string, 0, len(arr))
	for i, v := range arr {
		s, ok := v.(string)
		if !ok {
			return nil, Errorf(models.ErrInvalidParam, "%s[%d] must be a string", key, i)
		}
		out = append(out, s)
	}
	return out, nil
}
