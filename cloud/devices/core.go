package devices

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strings"
	"unicode"
	"unicode/utf8"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// queryer is what both *sql.DB and *sql.Tx offer, so that lookups run
// inside a transaction or outside.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// devRow is a device record as stored.
type devRow struct {
	id, domainID, subID int64
	pid, name           string
	owner               int64
	aes                 string
	gatewayID           int64 // 0 = stand-alone or gateway
	isGateway           bool
	homeID, roomID      int64
}

const devCols = `d.id, d.domain_id, d.sub_domain_id, d.physical_id, d.name, d.owner, d.aes_key, d.gateway_id, d.is_gateway, d.home_id, d.room_id`

func scanDev(sc interface{ Scan(...any) error }, extra ...any) (devRow, error) {
	var d devRow
	dst := append([]any{&d.id, &d.domainID, &d.subID, &d.pid, &d.name, &d.owner, &d.aes, &d.gatewayID, &d.isGateway, &d.homeID, &d.roomID}, extra...)
	err := sc.Scan(dst...)
	return d, err
}

func loadDevice(ctx context.Context, q queryer, id int64) (devRow, error) {
	d, err := scanDev(q.QueryRowContext(ctx, `SELECT `+devCols+` FROM dev_devices d WHERE d.id = ?`, id))
	if store.IsNoRows(err) {
		return d, rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist (never bound, or its owner unbound it)", id)
	}
	return d, err
}

// loadDeviceIn is loadDevice for a request: a device of another major
// domain does not exist for it.
func loadDeviceIn(c *rpc.Call, q queryer, id int64) (devRow, error) {
	d, err := loadDevice(c.Ctx, q, id)
	if err == nil && d.domainID != c.MajorDomain.ID {
		return devRow{}, rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist in major domain %q", id, c.MajorDomain.Name)
	}
	return d, err
}

func loadDeviceByPID(ctx context.Context, q queryer, subID int64, pid string) (devRow, bool, error) {
	d, err := scanDev(q.QueryRowContext(ctx, `SELECT `+devCols+` FROM dev_devices d WHERE d.sub_domain_id = ? AND d.physical_id = ?`, subID, pid))
	if store.IsNoRows(err) {
		return d, false, nil
	}
	return d, err == nil, err
}

func queryDevs(ctx context.Context, q queryer, query string, args ...any) ([]devRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []devRow
	for rows.Next() {
		d, err := scanDev(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// subDevices lists the sub-devices of a gateway.
func subDevices(ctx context.Context, q queryer, gwID int64) ([]devRow, error) {
	return queryDevs(ctx, q, `SELECT `+devCols+` FROM dev_devices d WHERE d.gateway_id = ? ORDER BY d.id`, gwID)
}

func isBound(ctx context.Context, q queryer, uid, devID int64) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM dev_bindings WHERE user_id = ? AND device_id = ?`, uid, devID).Scan(&one)
	if store.IsNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

func deviceUsers(ctx context.Context, q queryer, devID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM dev_bindings WHERE device_id = ? ORDER BY user_id`, devID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func bindUser(ctx context.Context, q queryer, uid, devID, now int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO dev_bindings(user_id, device_id, bind_time) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, uid, devID, now)
	return err
}

// bindWithSubs binds a user to a device and, for a gateway, to its
// sub-devices: every user of a gateway is a user of its sub-devices.
func bindWithSubs(ctx context.Context, q queryer, uid int64, d devRow, now int64) error {
	if err := bindUser(ctx, q, uid, d.id, now); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO dev_bindings(user_id, device_id, bind_time)
		SELECT ?, id, ? FROM dev_devices WHERE gateway_id = ? ON CONFLICT DO NOTHING`, uid, now, d.id)
	return err
}

// unbindOrdinary removes one (non-owner) user from a device and, for a
// gateway, from its sub-devices.
func unbindOrdinary(ctx context.Context, q queryer, uid int64, d devRow) ([]unbound, error) {
	ids := []int64{d.id}
	subs, err := subDevices(ctx, q, d.id)
	if err != nil {
		return nil, err
	}
	for _, sd := range subs {
		ids = append(ids, sd.id)
	}
	var evs []unbound
	for _, id := range ids {
		res, err := q.ExecContext(ctx, `DELETE FROM dev_bindings WHERE user_id = ? AND device_id = ?`, uid, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			evs = append(evs, unbound{device: id, user: uid})
		}
	}
	return evs, nil
}

// removeDevice deletes a device record with every binding and share code,
// and for a gateway its sub-devices too: the owner's unbind.
func removeDevice(ctx context.Context, q queryer, d devRow) ([]unbound, error) {
	victims := []int64{}
	subs, err := subDevices(ctx, q, d.id)
	if err != nil {
		return nil, err
	}
	for _, sd := range subs {
		victims = append(victims, sd.id)
	}
	victims = append(victims, d.id)
	var evs []unbound
	for _, id := range victims {
		users, err := deviceUsers(ctx, q, id)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			evs = append(evs, unbound{device: id, user: u, owner: true})
		}
		for _, stmt := range []string{
			`DELETE FROM dev_bindings WHERE device_id = ?`,
			`DELETE FROM dev_share_codes WHERE kind = 'device' AND target_id = ?`,
			`DELETE FROM dev_devices WHERE id = ?`,
		} {
			if _, err := q.ExecContext(ctx, stmt, id); err != nil {
				return nil, err
			}
		}
	}
	return evs, nil
}

// unbindUser is unbindDevice's rule: the owner's unbind removes the device
// with every user, anyone else's removes only them.
func unbindUser(ctx context.Context, q queryer, uid int64, d devRow) ([]unbound, error) {
	if uid == d.owner {
		return removeDevice(ctx, q, d)
	}
	return unbindOrdinary(ctx, q, uid, d)
}

func inWarehouse(ctx context.Context, q queryer, subID int64, pid string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM dev_warehouse WHERE sub_domain_id = ? AND physical_id = ?`, subID, pid).Scan(&one)
	if store.IsNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// wire renders a record as the device object (PROTOCOL §3.2).
func (s *Service) wire(d devRow) models.Device {
	gw := d.gatewayID
	if gw == 0 {
		gw = d.id
	}
	return models.Device{
		DeviceID: d.id, PhysicalDeviceID: d.pid, Name: d.name, Owner: d.owner,
		SubDomainID: d.subID, SubDomainName: s.subName(d.subID), AESKey: d.aes,
		GatewayDeviceID: gw, RootID: d.homeID,
	}
}

// wireStatus adds the online status the hub knows (0/1 only: the LAN
// values 2/3 are computed by apps, Q15).
func (s *Service) wireStatus(d devRow, withStatus bool) models.Device {
	w := s.wire(d)
	if withStatus {
		st := 0
		if s.hub.Online(hub.Key{SubDomain: w.SubDomainName, PhysicalID: d.pid}) {
			st = 1
		}
		w.Status = &st
	}
	return w
}

func (s *Service) wireList(ds []devRow, withStatus bool) []models.Device {
	out := make([]models.Device, 0, len(ds))
	for _, d := range ds {
		out = append(out, s.wireStatus(d, withStatus))
	}
	return out
}

func (s *Service) subName(subID int64) string {
	if p, ok := s.plat.Product(subID); ok {
		return p.SubDomainName
	}
	return ""
}

func (s *Service) key(d devRow) hub.Key {
	return hub.Key{SubDomain: s.subName(d.subID), PhysicalID: d.pid}
}

// --- parameters ---

const (
	maxPhysicalID = 64
	maxName       = 64
	maxProfile    = 64 << 10
)

// positiveID reads a required id key.
func positiveID(c *rpc.Call, key string) (int64, error) {
	v, err := c.MustInt64(key)
	if err != nil {
		return 0, err
	}
	if v <= 0 {
		return 0, rpc.Errorf(models.ErrInvalidParam, "%s must be a positive integer (got %d)", key, v)
	}
	return v, nil
}

// checkPID validates a physical id: printable ASCII without spaces, so that
// it is safe in a URL, a QR code and a terminal.
func checkPID(raw string) (string, error) {
	p := strings.TrimSpace(raw)
	if p == "" {
		return "", rpc.Errorf(models.ErrInvalidParam, "physicalDeviceId is required")
	}
	if len(p) > maxPhysicalID {
		return "", rpc.Errorf(models.ErrInvalidParam, "physicalDeviceId is %d characters long: at most %d are allowed", len(p), maxPhysicalID)
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f {
			return "", rpc.Errorf(models.ErrInvalidParam, "physicalDeviceId must be printable ASCII without spaces (got %q)", clip(raw))
		}
	}
	return p, nil
}

func pidParam(c *rpc.Call) (string, error) {
	raw, ok, err := c.String("physicalDeviceId")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", rpc.Errorf(models.ErrInvalidParam, "physicalDeviceId is required")
	}
	return checkPID(raw)
}

// optPID reads physicalDeviceId when present ("" when absent or empty).
func optPID(c *rpc.Call) (string, error) {
	raw, ok, err := c.String("physicalDeviceId")
	if err != nil || !ok || strings.TrimSpace(raw) == "" {
		return "", err
	}
	return checkPID(raw)
}

// checkName validates a display name (device, home, room). Control
// characters are refused because names are shown on terminals.
func checkName(key, raw string) (string, error) {
	n := strings.TrimSpace(raw)
	if !utf8.ValidString(n) {
		return "", rpc.Errorf(models.ErrInvalidParam, "%s must be valid UTF-8 text", key)
	}
	if c := utf8.RuneCountInString(n); c > maxName {
		return "", rpc.Errorf(models.ErrInvalidParam, "%s is %d characters long: at most %d are allowed", key, c, maxName)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return "", rpc.Errorf(models.ErrInvalidParam, "%s must not contain control characters", key)
		}
	}
	return n, nil
}

func optName(c *rpc.Call, key string) (string, error) {
	raw, err := c.OptString(key)
	if err != nil {
		return "", err
	}
	return checkName(key, raw)
}

func mustName(c *rpc.Call, key string) (string, error) {
	n, err := optName(c, key)
	if err == nil && n == "" {
		err = rpc.Errorf(models.ErrInvalidParam, "%s is required", key)
	}
	return n, err
}

// clip shortens a client's value for an error message.
func clip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlnum draws n characters from [A-Za-z0-9] without modulo bias.
func randomAlnum(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			// 248 = 4·62: bytes above it would favour the first letters.
			if b < 248 && len(out) < n {
				out = append(out, alnum[int(b)%len(alnum)])
			}
		}
	}
	return string(out)
}

// --- the caller ---

// devScope reports a developer-signed call with no acting user.
func devScope(c *rpc.Call) bool { return c.Developer != nil && c.UserID == 0 }

// actor is the acting user of a call that changes bindings. A developer
// may name any user id in X-Zc-User-Id, so an unknown id is refused
// (3501) rather than left holding devices; a user signature already proved
// the user exists.
func (s *Service) actor(c *rpc.Call) (int64, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return 0, err
	}
	if c.UserSigned || c.UserChecked || s.acc == nil {
		return uid, nil
	}
	if err := s.userExists(c.Ctx, c.MajorDomain.ID, uid); err != nil {
		return 0, err
	}
	return uid, nil
}

func (s *Service) userExists(ctx context.Context, domainID, uid int64) error {
	if s.acc == nil {
		return nil
	}
	_, ok, err := s.acc.Lookup(ctx, domainID, uid)
	if err != nil {
		return err
	}
	if !ok {
		return rpc.Errorf(models.ErrAccountAbsent, "user %d does not exist in this major domain", uid)
	}
	return nil
}

// access loads a device for the caller: developer scope sees every device
// of the domain, a user only the devices bound to them (3802 otherwise, so
// a stranger learns nothing), and needOwner asks for the owner (3821).
func (s *Service) access(c *rpc.Call, q queryer, devID int64, needOwner bool) (devRow, error) {
	d, err := loadDeviceIn(c, q, devID)
	if err != nil {
		return d, err
	}
	if devScope(c) {
		return d, nil
	}
	uid, err := c.RequireUser()
	if err != nil {
		return d, err
	}
	if d.owner == uid {
		return d, nil
	}
	bound, err := isBound(c.Ctx, q, uid, devID)
	if err != nil {
		return d, err
	}
	if !bound {
		return d, rpc.Errorf(models.ErrDeviceAbsent, "device %d is not bound to user %d", devID, uid)
	}
	if needOwner {
		return d, rpc.Errorf(models.ErrOwnerMismatch, "only the owner of device %d (user %d) may do this", devID, d.owner)
	}
	return d, nil
}

// tx runs fn in a write transaction; after the commit it forgets the
// cached records fn changed (cache.go) and reports the unbinds fn made to
// the hooks (so that a hook sees the new state). Every write to device records goes through here.
func (s *Service) tx(ctx context.Context, fn func(tx *sql.Tx) ([]unbound, error)) error {
	return s.runTx(ctx, s.db.Tx, fn)
}

// txKeyed is tx for a transaction whose races a unique key settles (see
// store.DB.TxKeyed).
func (s *Service) txKeyed(ctx context.Context, fn func(tx *sql.Tx) ([]unbound, error)) error {
	return s.runTx(ctx, s.db.TxKeyed, fn)
}

func (s *Service) runTx(ctx context.Context, run func(context.Context, func(*sql.Tx) error) error, fn func(tx *sql.Tx) ([]unbound, error)) error {
	var evs []unbound
	var cur *sql.Tx
	err := run(ctx, func(tx *sql.Tx) error {
		cur = tx
		var err error
		evs, err = fn(tx)
		return err
	})
	if cur != nil {
		s.cache.done(cur, evs)
	}
	if err == nil {
		s.fire(evs)
	}
	return err
}
