package account

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"acconsole/cloud/rpc"
	"acconsole/models"
)

// baseFields are the keys getWholeUserProfile fills from the account
// itself; extension keys may not shadow them, or the flattened profile
// would be ambiguous.
var baseFields = map[string]string{
	"userId":     "it is the account's id",
	"nickName":   "use changeNickName",
	"email":      "use changeEmail",
	"phone":      "use changePhone",
	"createTime": "it is set when the account is created",
}

// decodeProfile reads a stored profile; numbers stay json.Number so that
// large integers come back exactly as they were stored.
func decodeProfile(s string) map[string]any {
	m := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	_ = dec.Decode(&m) // only this package writes the column, always an object
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func checkProfileKey(k string) error {
	if k == "" || !utf8.ValidString(k) || hasControl(k) || utf8.RuneCountInString(k) > maxProfileKey {
		return rpc.Errorf(models.ErrInvalidParam, "userProfile key %q is not valid: use printable text of 1 to %d characters", clip(k), maxProfileKey)
	}
	if why, ok := baseFields[k]; ok {
		return rpc.Errorf(models.ErrInvalidParam, "userProfile key %q is a base field and cannot be set here: %s", k, why)
	}
	return nil
}

// apiSetUserProfile merges the given keys into the profile; a null value
// removes its key, which is the only way a client can drop one.
func (s *Service) apiSetUserProfile(c *rpc.Call) (any, error) {
	patch, err := c.Object("userProfile")
	if err != nil {
		return nil, err
	}
	if patch == nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "userProfile is required: an object of the keys to set")
	}
	if len(patch) > maxProfileKeys {
		return nil, rpc.Errorf(models.ErrInvalidParam, "userProfile has %d keys: at most %d are allowed", len(patch), maxProfileKeys)
	}
	for k := range patch {
		if err := checkProfileKey(k); err != nil {
			return nil, err
		}
	}
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	return nil, s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		var raw string
		if err := tx.QueryRowContext(c.Ctx, `SELECT profile FROM account_users WHERE id = ?`, u.id).Scan(&raw); err != nil {
			return err
		}
		prof := decodeProfile(raw)
		for k, v := range patch {
			if v == nil {
				delete(prof, k)
			} else {
				prof[k] = v
			}
		}
		if len(prof) > maxProfileKeys {
			return rpc.Errorf(models.ErrInvalidParam, "the profile would have %d keys: at most %d are allowed (set a key to null to remove it)", len(prof), maxProfileKeys)
		}
		b, err := json.Marshal(prof)
		if err != nil {
			return rpc.Errorf(models.ErrInvalidParam, "userProfile cannot be stored: %v", err)
		}
		if len(b) > maxProfileBytes {
			return rpc.Errorf(models.ErrInvalidParam, "the profile would be %d bytes: at most %d are allowed", len(b), maxProfileBytes)
		}
		_, err = tx.ExecContext(c.Ctx, `UPDATE account_users SET profile = ? WHERE id = ?`, string(b), u.id)
		return err
	})
}

func (s *Service) apiGetUserProfile(c *rpc.Call) (any, error) {
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	var raw string
	if err := s.db.QueryRowContext(c.Ctx, `SELECT profile FROM account_users WHERE id = ?`, u.id).Scan(&raw); err != nil {
		return nil, err
	}
	return map[string]any{"userProfile": json.RawMessage(compactProfile(raw))}, nil
}

// compactProfile returns the stored object as it is, avoiding a decode and
// re-encode; it falls back to {} for anything that is not an object.
func compactProfile(raw string) []byte {
	var b bytes.Buffer
	if json.Compact(&b, []byte(raw)) != nil || !bytes.HasPrefix(b.Bytes(), []byte("{")) {
		return []byte("{}")
	}
	return b.Bytes()
}

// wholeProfile flattens base fields and extension keys into one object.
func wholeProfile(u userRow, raw string) map[string]any {
	m := decodeProfile(raw)
	b := userOf(u)
	m["userId"], m["nickName"], m["email"], m["phone"], m["createTime"] = b.UserID, b.NickName, b.Email, b.Phone, b.CreateTime
	return m
}

func (s *Service) apiGetWholeUserProfile(c *rpc.Call) (any, error) {
	domain := c.MajorDomain.ID
	id, hasID, err := c.Int64("userId")
	if err != nil {
		return nil, err
	}
	acctRaw, err := c.OptString("account")
	if err != nil {
		return nil, err
	}
	var u userRow
	switch {
	case hasID:
		u, err = s.userByID(c.Ctx, s.db, domain, id)
	case strings.TrimSpace(acctRaw) != "":
		acct, isEmail, nerr := normAccount(acctRaw)
		if nerr != nil {
			return nil, nerr
		}
		u, err = s.userByAccount(c.Ctx, s.db, domain, acct, isEmail)
	case c.UserID != 0:
		u, err = s.userByID(c.Ctx, s.db, domain, c.UserID)
	default:
		return nil, rpc.Errorf(models.ErrInvalidParam, "give userId or account")
	}
	if err != nil {
		return nil, err
	}
	var raw string
	if err := s.db.QueryRowContext(c.Ctx, `SELECT profile FROM account_users WHERE id = ?`, u.id).Scan(&raw); err != nil {
		return nil, err
	}
	return map[string]any{"profile": wholeProfile(u, raw)}, nil
}

const maxUserList = 1000

// apiGetProfilesByUserList answers whole profiles in the order asked, once
// per id; ids with no account in this major domain are left out.
func (s *Service) apiGetProfilesByUserList(c *rpc.Call) (any, error) {
	ids, err := c.Int64List("userList")
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "userList is required: an array of user ids")
	}
	if len(ids) > maxUserList {
		return nil, rpc.Errorf(models.ErrInvalidParam, "userList has %d ids: at most %d are allowed per call", len(ids), maxUserList)
	}
	found := make(map[int64]map[string]any, len(ids))
	uniq := make([]int64, 0, len(ids))
	for _, id := range ids {
		if _, dup := found[id]; !dup {
			found[id] = nil
			uniq = append(uniq, id)
		}
	}
	if len(uniq) > 0 {
		args := make([]any, 0, len(uniq)+1)
		args = append(args, c.MajorDomain.ID)
		for _, id := range uniq {
			args = append(args, id)
		}
		q := `SELECT ` + userCols + `, profile FROM account_users WHERE domain_id = ? AND id IN (?` + strings.Repeat(",?", len(uniq)-1) + `)`
		rows, err := s.db.QueryContext(c.Ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var u userRow
			var raw string
			if err := rows.Scan(&u.id, &u.email, &u.phone, &u.nick, &u.pwHash, &u.created, &raw); err != nil {
				return nil, err
			}
			found[u.id] = wholeProfile(u, raw)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]map[string]any, 0, len(uniq))
	for _, id := range uniq {
		if p := found[id]; p != nil {
			out = append(out, p)
		}
	}
	return map[string]any{"profiles": out}, nil
}
