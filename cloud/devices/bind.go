package devices

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// deviceAnswer is the {"device":{…}} answer of the binding calls.
type deviceAnswer struct {
	Device models.Device `json:"device"`
}

// bindNew binds a device of product sd to uid: the first user becomes the
// owner; a user who already holds the device gets it back (so that a
// retried bind is harmless); anyone else needs a share code (3811). The
// device must be in the warehouse (3822).
func (s *Service) bindNew(ctx context.Context, tx *sql.Tx, sd rpc.SubDomain, pid, name string, uid int64, gateway bool) (devRow, error) {
	ok, err := inWarehouse(ctx, tx, sd.ID, pid)
	if err != nil {
		return devRow{}, err
	}
	if !ok {
		return devRow{}, rpc.Errorf(models.ErrDeviceNotActivated,
			"device %s of product %s is not activated (not in the warehouse): power it on so that it reaches the cloud, or call zc-warehouse/activateDevice", pid, sd.Name)
	}
	// A gateway product's device is a gateway however it was bound (the
	// WeChat bridge binds with bindDevice when it is not told otherwise).
	if p, ok := s.plat.Product(sd.ID); ok && strings.EqualFold(p.Type, "gateway") {
		gateway = true
	}
	d, found, err := loadDeviceByPID(ctx, tx, sd.ID, pid)
	if err != nil {
		return d, err
	}
	if found {
		bound, err := isBound(ctx, tx, uid, d.id)
		if err != nil {
			return d, err
		}
		if !bound {
			return d, rpc.Errorf(models.ErrDeviceAlreadyBound, "device %s of product %s already has an owner: ask the owner for a share code", pid, sd.Name)
		}
		if gateway && !d.isGateway {
			s.changed(tx, d.id)
			if _, err := tx.ExecContext(ctx, `UPDATE dev_devices SET is_gateway = 1 WHERE id = ?`, d.id); err != nil {
				return d, err
			}
			d.isGateway = true
		}
		return d, nil
	}
	if name == "" {
		name = sd.Name
	}
	now := s.now().Unix()
	d = devRow{domainID: sd.DomainID, subID: sd.ID, pid: pid, name: name, owner: uid, aes: randomAlnum(16), isGateway: gateway}
	if err := tx.QueryRowContext(ctx, `INSERT INTO dev_devices(domain_id, sub_domain_id, physical_id, name, owner, aes_key, is_gateway, bind_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.domainID, d.subID, d.pid, d.name, d.owner, d.aes, d.isGateway, now).Scan(&d.id); err != nil {
		return d, err
	}
	return d, bindUser(ctx, tx, uid, d.id, now)
}

func (s *Service) apiBindDevice(c *rpc.Call) (any, error)  { return s.bindCall(c, false) }
func (s *Service) apiBindGateway(c *rpc.Call) (any, error) { return s.bindCall(c, true) }

func (s *Service) bindCall(c *rpc.Call, gateway bool) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	name, err := optName(c, "name")
	if err != nil {
		return nil, err
	}
	sd, err := c.RequireSubDomain()
	if err != nil {
		return nil, err
	}
	uid, err := s.actor(c)
	if err != nil {
		return nil, err
	}
	var d devRow
	// Two binds of one new device race for its physical id's key: the one
	// that meets it runs again and finds the device (see bindNew).
	err = s.txKeyed(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		var err error
		d, err = s.bindNew(c.Ctx, tx, *sd, pid, name, uid, gateway)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return deviceAnswer{s.wire(d)}, nil
}

// --- share codes ---

const (
	shareKindDevice = "device"
	shareKindHome   = "home"
	shareRandomLen  = 32
	defaultShareTTL = 300 * time.Second
	maxShareTTL     = 7 * 24 * time.Hour
	// keepExpired is how long an expired code is remembered so that its
	// holder hears 3817 "expired" rather than 3815 "does not exist".
	keepExpired = 7 * 24 * time.Hour
)

// shareTTL reads the optional timeout key (seconds): Android sends it only
// when > 0, so absent, 0 or negative mean the default.
func shareTTL(c *rpc.Call) (time.Duration, error) {
	sec, err := c.OptInt64("timeout", 0)
	if err != nil {
		return 0, err
	}
	if sec <= 0 {
		return defaultShareTTL, nil
	}
	if sec > int64(maxShareTTL/time.Second) {
		return 0, rpc.Errorf(models.ErrInvalidParam, "timeout is %d seconds: a share code lives at most %d seconds (7 days)", sec, int64(maxShareTTL/time.Second))
	}
	return time.Duration(sec) * time.Second, nil
}

// newShareCode stores a code of the DG-WX format: 32 random alphanumerics,
// "#", then the target's id, which the code resolves by (SRV-NOTES).
func (s *Service) newShareCode(ctx context.Context, tx *sql.Tx, kind string, target, by int64, ttl time.Duration) (string, error) {
	now := s.now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM dev_share_codes WHERE expires < ?`, now.Add(-keepExpired).Unix()); err != nil {
		return "", err
	}
	code := randomAlnum(shareRandomLen) + "#" + strconv.FormatInt(target, 10)
	_, err := tx.ExecContext(ctx, `INSERT INTO dev_share_codes(code, kind, target_id, created_by, expires) VALUES (?, ?, ?, ?, ?)`,
		code, kind, target, by, now.Add(ttl).Unix())
	return code, err
}

// resolveShareCode checks a code's form (3816), existence (3815), kind
// (3816) and expiry (3817), and returns its target id.
func (s *Service) resolveShareCode(ctx context.Context, q queryer, raw, kind string) (int64, error) {
	code := strings.TrimSpace(raw)
	hash := strings.IndexByte(code, '#')
	valid := hash == shareRandomLen && len(code) > hash+1 && len(code) <= hash+20
	for i := 0; valid && i < hash; i++ {
		valid = strings.IndexByte(alnum, code[i]) >= 0
	}
	for i := hash + 1; valid && i < len(code); i++ {
		valid = code[i] >= '0' && code[i] <= '9'
	}
	var target int64
	if valid {
		var err error
		target, err = strconv.ParseInt(code[hash+1:], 10, 64)
		valid = err == nil && target > 0
	}
	if !valid {
		return 0, rpc.Errorf(models.ErrShareCodeInvalid, "%q is not a share code: expected 32 letters or digits, '#', and an id", clip(code))
	}
	var gotKind string
	var gotTarget, expires int64
	err := q.QueryRowContext(ctx, `SELECT kind, target_id, expires FROM dev_share_codes WHERE code = ?`, code).Scan(&gotKind, &gotTarget, &expires)
	if store.IsNoRows(err) {
		return 0, rpc.Errorf(models.ErrShareCodeAbsent, "share code does not exist (its device or home may have been unbound or deleted): ask for a new one")
	}
	if err != nil {
		return 0, err
	}
	if gotKind != kind {
		if gotKind == shareKindHome {
			return 0, rpc.Errorf(models.ErrShareCodeInvalid, "this is a home share code: use joinHomeWithShareCode")
		}
		return 0, rpc.Errorf(models.ErrShareCodeInvalid, "this is a device share code: use bindDeviceWithShareCode")
	}
	if gotTarget != target {
		return 0, rpc.Errorf(models.ErrShareCodeInvalid, "share code is damaged: ask for a new one")
	}
	if s.now().Unix() >= expires {
		return 0, rpc.Errorf(models.ErrShareCodeExpired, "share code expired at %s: ask for a new one", models.FormatTime(time.Unix(expires, 0)))
	}
	return target, nil
}

func (s *Service) apiGetShareCode(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	ttl, err := shareTTL(c)
	if err != nil {
		return nil, err
	}
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	var code string
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		if _, err := s.access(c, tx, id, true); err != nil {
			return nil, err
		}
		var err error
		code, err = s.newShareCode(c.Ctx, tx, shareKindDevice, id, uid, ttl)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{keyShareCode: code}, nil
}

func (s *Service) apiBindWithShareCode(c *rpc.Call) (any, error) {
	code, err := c.MustString("shareCode")
	if err != nil {
		return nil, err
	}
	uid, err := s.actor(c)
	if err != nil {
		return nil, err
	}
	var d devRow
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		id, err := s.resolveShareCode(c.Ctx, tx, code, shareKindDevice)
		if err != nil {
			return nil, err
		}
		if d, err = loadDevice(c.Ctx, tx, id); err != nil || d.domainID != c.MajorDomain.ID {
			if err == nil || isCode(err, models.ErrDeviceAbsent) {
				err = rpc.Errorf(models.ErrShareCodeAbsent, "the shared device no longer exists (its owner unbound it): ask for a new share code")
			}
			return nil, err
		}
		// A gateway brings its sub-devices (PROTOCOL §2.2.1).
		return nil, bindWithSubs(c.Ctx, tx, uid, d, s.now().Unix())
	})
	if err != nil {
		return nil, err
	}
	return deviceAnswer{s.wire(d)}, nil
}

// apiBindWithUser is the owner binding someone else (by email or phone) as
// an ordinary user: a share without a code.
func (s *Service) apiBindWithUser(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	acct, err := c.MustString("account")
	if err != nil {
		return nil, err
	}
	if _, err := s.actor(c); err != nil {
		return nil, err
	}
	target, err := s.accountID(c, acct)
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		d, err := s.access(c, tx, id, true)
		if err != nil {
			return nil, err
		}
		return nil, bindWithSubs(c.Ctx, tx, target, d, s.now().Unix())
	})
	return nil, err
}

// accountID resolves an email or phone to a user id (3501/3507/3508).
func (s *Service) accountID(c *rpc.Call, acct string) (int64, error) {
	if s.acc == nil {
		return 0, rpc.Errorf(models.ErrServiceDown, "the account service is not available")
	}
	return s.acc.IDByAccount(c.Ctx, c.MajorDomain.ID, acct)
}

func (s *Service) apiUnbindDevice(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		d, err := s.access(c, tx, id, false)
		if err != nil {
			return nil, err
		}
		return unbindUser(c.Ctx, tx, uid, d)
	})
	return nil, err
}

func (s *Service) apiUnbindWithUser(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	target, err := positiveID(c, "userId")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		d, err := s.access(c, tx, id, true)
		if err != nil {
			return nil, err
		}
		if target == d.owner {
			return nil, rpc.Errorf(models.ErrInvalidParam, "user %d is the owner of device %d: the owner leaves with unbindDevice (which unbinds everyone), or hands over with changeOwner first", target, id)
		}
		bound, err := isBound(c.Ctx, tx, target, id)
		if err != nil {
			return nil, err
		}
		if !bound {
			return nil, rpc.Errorf(models.ErrDeviceNotBound, "user %d is not bound to device %d", target, id)
		}
		return unbindOrdinary(c.Ctx, tx, target, d)
	})
	return nil, err
}

func (s *Service) apiChangeOwner(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	target, err := positiveID(c, "userId")
	if err != nil {
		return nil, err
	}
	if err := s.userExists(c.Ctx, c.MajorDomain.ID, target); err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		d, err := s.access(c, tx, id, true)
		if err != nil {
			return nil, err
		}
		if d.gatewayID != 0 {
			return nil, rpc.Errorf(models.ErrMessageForSlave, "device %d is a sub-device: it belongs to the owner of its gateway %d; change the gateway's owner", id, d.gatewayID)
		}
		if d.homeID != 0 {
			return nil, rpc.Errorf(models.ErrGroupState, "device %d is in home %d, whose owner owns it: remove it from the home first", id, d.homeID)
		}
		if target == d.owner {
			return nil, nil
		}
		now := s.now().Unix()
		// The old owner stays as an ordinary user: handing over is not
		// leaving.
		if err := bindWithSubs(c.Ctx, tx, target, d, now); err != nil {
			return nil, err
		}
		s.changedGateway(tx, id)
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_devices SET owner = ? WHERE id = ? OR gateway_id = ?`, target, id, id)
		return nil, err
	})
	return nil, err
}

// apiChangeDevice replaces the hardware behind a logical id: the new
// physical id must be activated and not bound to anyone.
func (s *Service) apiChangeDevice(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		d, err := s.access(c, tx, id, true)
		if err != nil {
			return nil, err
		}
		if pid == d.pid {
			return nil, nil
		}
		ok, err := inWarehouse(c.Ctx, tx, d.subID, pid)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, rpc.Errorf(models.ErrDeviceNotActivated, "the new device %s of product %s is not activated (not in the warehouse)", pid, s.subName(d.subID))
		}
		if _, taken, err := loadDeviceByPID(c.Ctx, tx, d.subID, pid); err != nil {
			return nil, err
		} else if taken {
			return nil, rpc.Errorf(models.ErrDeviceAlreadyBound, "the new device %s is already bound: its owner must unbind it first", pid)
		}
		s.changed(tx, id)
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_devices SET physical_id = ? WHERE id = ?`, pid, id)
		return nil, err
	})
	return nil, err
}

// apiModifyDevice renames a device. The name is the device's, shared by all
// its users, so only the owner may change it.
func (s *Service) apiModifyDevice(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	name, err := mustName(c, "name")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		if _, err := s.access(c, tx, id, true); err != nil {
			return nil, err
		}
		s.changed(tx, id)
		_, err := tx.ExecContext(c.Ctx, `UPDATE dev_devices SET name = ? WHERE id = ?`, name, id)
		return nil, err
	})
	return nil, err
}

// apiUpdateAccessKey issues a new AES key for the device (Android
// resetDeviceToken).
func (s *Service) apiUpdateAccessKey(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		if _, err := s.access(c, tx, id, true); err != nil {
			return nil, err
		}
		s.changed(tx, id)
		_, err := tx.ExecContext(c.Ctx, `UPDATE dev_devices SET aes_key = ? WHERE id = ?`, randomAlnum(16), id)
		return nil, err
	})
	return nil, err
}

// --- profiles ---

// apiSetDeviceProfile merges the given attributes into the device's
// profile (a null value removes one): extension attributes are columns set
// one by one in the developer console, so an update of one must not erase
// the others.
func (s *Service) apiSetDeviceProfile(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	if _, present := c.Params["deviceProfile"]; !present {
		return nil, rpc.Errorf(models.ErrInvalidParam, "deviceProfile is required (a JSON object)")
	}
	upd, err := c.Object("deviceProfile")
	if err != nil {
		return nil, err
	}
	for k := range upd {
		if strings.TrimSpace(k) == "" || len(k) > 64 || hasControl(k) {
			return nil, rpc.Errorf(models.ErrInvalidParam, "profile key %q is not valid: 1 to 64 printable characters", clip(k))
		}
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		if _, err := s.access(c, tx, id, false); err != nil {
			return nil, err
		}
		prof, err := loadProfile(c.Ctx, tx, id)
		if err != nil {
			return nil, err
		}
		for k, v := range upd {
			if v == nil {
				delete(prof, k)
			} else {
				prof[k] = v
			}
		}
		raw, err := json.Marshal(prof)
		if err != nil {
			return nil, rpc.Errorf(models.ErrInvalidParam, "deviceProfile cannot be stored: %v", err)
		}
		if len(raw) > maxProfile {
			return nil, rpc.Errorf(models.ErrInvalidParam, "the profile would be %d bytes: at most %d are allowed", len(raw), maxProfile)
		}
		s.changed(tx, id)
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_devices SET profile = ? WHERE id = ?`, string(raw), id)
		return nil, err
	})
	return nil, err
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return true
		}
	}
	return false
}

func loadProfile(ctx context.Context, q queryer, id int64) (map[string]any, error) {
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT profile FROM dev_devices WHERE id = ?`, id).Scan(&raw); err != nil {
		return nil, err
	}
	return decodeProfile(raw), nil
}

func decodeProfile(raw string) map[string]any {
	prof := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber() // keep 64-bit integers exact
	_ = dec.Decode(&prof)
	if prof == nil {
		prof = map[string]any{}
	}
	return prof
}

// apiGetDeviceProfile answers the profile flat at the top level (Q3:
// Android parses the whole body as the profile).
func (s *Service) apiGetDeviceProfile(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	if _, err := s.access(c, s.db, id, false); err != nil {
		return nil, err
	}
	return loadProfile(c.Ctx, s.db, id)
}
