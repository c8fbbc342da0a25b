package devices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// Warehouse paging limits (PHP listDevices($subDomain,$offset,$limit)).
const (
	defaultPageLimit = 100
	maxPageLimit     = 1000
	maxInfoIDs       = 1000
	maxVersion       = 32
)

const whCols = `w.domain_id, w.sub_domain_id, w.physical_id, w.type, w.mac, w.dev_version, w.mod_version, w.active_time,
	w.last_online, w.ip_addr, w.country, w.province, w.city, w.street, w.latitude, w.longitude`

// Pages are "seq > offset": seq is dense per domain and per product (see
// the schema), so a deep page is an index seek.
const (
	qWarehousePage    = `SELECT ` + whCols + ` FROM dev_warehouse w WHERE w.domain_id = ? AND w.seq > ? ORDER BY w.seq LIMIT ?`
	qWarehousePageSub = `SELECT ` + whCols + ` FROM dev_warehouse w WHERE w.sub_domain_id = ? AND w.sub_seq > ? ORDER BY w.sub_seq LIMIT ?`
	fleetCols         = `, COALESCE(d.id, 0), COALESCE(d.owner, 0), COALESCE(d.name, '') FROM dev_warehouse w
	LEFT JOIN dev_devices d ON d.sub_domain_id = w.sub_domain_id AND d.physical_id = w.physical_id`
	qFleetPage    = `SELECT ` + whCols + fleetCols + ` WHERE w.domain_id = ? AND w.seq > ? ORDER BY w.seq LIMIT ?`
	qFleetPageSub = `SELECT ` + whCols + fleetCols + ` WHERE w.sub_domain_id = ? AND w.sub_seq > ? ORDER BY w.sub_seq LIMIT ?`
)

// whRow is a warehouse record as stored.
type whRow struct {
	domainID, subID                 int64
	pid, typ, mac, devVer, modVer   string
	activeTime, lastOnline          int64
	ip, country, province, city, st string
	lat, long                       float64
}

func scanWH(sc interface{ Scan(...any) error }, extra ...any) (whRow, error) {
	var w whRow
	dst := make([]any, 0, whFields+len(extra))
	return w, sc.Scan(append(whDst(dst, &w), extra...)...)
}

func unixTime(sec int64) string {
	if sec == 0 {
		return ""
	}
	return models.FormatTime(time.Unix(sec, 0))
}

// info renders a record as the warehouse object (PROTOCOL §3.7); domain and
// subDomain are ids as strings.
func (s *Service) info(w whRow) models.DeviceInfo {
	return models.DeviceInfo{
		Domain: strconv.FormatInt(w.domainID, 10), SubDomain: strconv.FormatInt(w.subID, 10), SubDomainName: s.subName(w.subID),
		PhysicalDeviceID: w.pid, Type: w.typ, IPAddr: w.ip, MAC: w.mac, DevVersion: w.devVer, ModVersion: w.modVer,
		ActiveTime: unixTime(w.activeTime), LastOnlineTime: unixTime(w.lastOnline),
		Country: w.country, Province: w.province, City: w.city, Street: w.st,
		Status: 2, Latitude: w.lat, Longitude: w.long,
	}
}

// activateTx records a device in the warehouse. A device that is already
// there keeps its activation time and place in the order; with update,
// non-empty versions and mac (and a non-zero position) replace the stored
// ones, because a device reports its current firmware when it activates.
func (s *Service) activateTx(ctx context.Context, tx *sql.Tx, sd rpc.SubDomain, info models.DeviceInfo, update bool) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM dev_warehouse WHERE sub_domain_id = ? AND physical_id = ?`, sd.ID, info.PhysicalDeviceID).Scan(&id)
	if err == nil {
		if !update {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE dev_warehouse SET
			dev_version = CASE WHEN ? <> '' THEN ? ELSE dev_version END,
			mod_version = CASE WHEN ? <> '' THEN ? ELSE mod_version END,
			mac = CASE WHEN ? <> '' THEN ? ELSE mac END,
			latitude = CASE WHEN ? <> 0 OR ? <> 0 THEN ? ELSE latitude END,
			longitude = CASE WHEN ? <> 0 OR ? <> 0 THEN ? ELSE longitude END
			WHERE id = ?`,
			info.DevVersion, info.DevVersion, info.ModVersion, info.ModVersion, info.MAC, info.MAC,
			info.Latitude, info.Longitude, info.Latitude, info.Latitude, info.Longitude, info.Longitude, id)
		return err
	}
	if !store.IsNoRows(err) {
		return err
	}
	var seq, subSeq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM dev_warehouse WHERE domain_id = ?`, sd.DomainID).Scan(&seq); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(sub_seq), 0) + 1 FROM dev_warehouse WHERE sub_domain_id = ?`, sd.ID).Scan(&subSeq); err != nil {
		return err
	}
	active := s.now().Unix()
	if t, err := models.ParseTime(info.ActiveTime); err == nil && !t.IsZero() {
		active = t.Unix()
	}
	var last int64
	if t, err := models.ParseTime(info.LastOnlineTime); err == nil && !t.IsZero() {
		last = t.Unix()
	}
	typ := info.Type
	if typ == "" {
		if p, ok := s.plat.Product(sd.ID); ok {
			typ = p.Type
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO dev_warehouse(domain_id, sub_domain_id, physical_id, seq, sub_seq, type, mac, dev_version, mod_version,
		active_time, last_online, ip_addr, country, province, city, street, latitude, longitude)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sd.DomainID, sd.ID, info.PhysicalDeviceID, seq, subSeq, typ, info.MAC, info.DevVersion, info.ModVersion,
		active, last, info.IPAddr, info.Country, info.Province, info.City, info.Street, info.Latitude, info.Longitude)
	return err
}

// Activate records a device in the warehouse (idempotent: a device that is
// there keeps its activation time; non-empty versions are updated).
func (s *Service) Activate(ctx context.Context, subDomainID int64, info models.DeviceInfo) error {
	sd, ok := s.plat.SubDomainByID(subDomainID)
	if !ok {
		return fmt.Errorf("devices: activate: product %d does not exist", subDomainID)
	}
	pid, err := checkPID(info.PhysicalDeviceID)
	if err != nil {
		return err
	}
	info.PhysicalDeviceID = pid
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return s.activateTx(ctx, tx, sd, info, true) })
}

// SetDeviceVersion records a device's firmware after an upgrade (OTA);
// an empty version leaves that one unchanged. A device that is not in the
// warehouse is a 3822 *rpc.Error.
func (s *Service) SetDeviceVersion(ctx context.Context, subDomainID int64, pid, devVersion, modVersion string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE dev_warehouse SET
		dev_version = CASE WHEN ? <> '' THEN ? ELSE dev_version END,
		mod_version = CASE WHEN ? <> '' THEN ? ELSE mod_version END
		WHERE sub_domain_id = ? AND physical_id = ?`, devVersion, devVersion, modVersion, modVersion, subDomainID, pid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rpc.Errorf(models.ErrDeviceNotActivated, "device %s of product %d is not in the warehouse", pid, subDomainID)
	}
	return nil
}

// WarehouseDevices calls fn for every activated device of every domain, in
// activation order (for the simulation to connect them). Rows are read a
// page at a time and fn runs with no query open, so a slow fn does not
// hold a read transaction.
func (s *Service) WarehouseDevices(ctx context.Context, fn func(models.DeviceInfo, string) error) error {
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT w.id, `+whCols+` FROM dev_warehouse w WHERE w.id > ? ORDER BY w.id LIMIT 1000`, after)
		if err != nil {
			return err
		}
		var page []whRow
		for rows.Next() {
			var id int64
			var w whRow
			// id comes first in this query.
			if err := rows.Scan(whDst(append(make([]any, 0, 1+whFields), &id), &w)...); err != nil {
				rows.Close()
				return err
			}
			after = id
			page = append(page, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, w := range page {
			info := s.info(w)
			if err := fn(info, info.SubDomainName); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			return nil
		}
	}
}

// whDst appends the scan destinations of whCols, in order, to dst.
func whDst(dst []any, w *whRow) []any {
	return append(dst, &w.domainID, &w.subID, &w.pid, &w.typ, &w.mac, &w.devVer, &w.modVer, &w.activeTime,
		&w.lastOnline, &w.ip, &w.country, &w.province, &w.city, &w.st, &w.lat, &w.long)
}

// whFields is how many destinations whDst appends.
const whFields = 16

// --- wire methods ---

func checkVersion(key, v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) > maxVersion || hasControl(v) {
		return "", rpc.Errorf(models.ErrInvalidParam, "%s must be printable text of at most %d characters (e.g. 1-0-2)", key, maxVersion)
	}
	return v, nil
}

// floatParam reads an optional number; numeric strings are accepted like
// integers are (Q17).
func floatParam(c *rpc.Call, key string, lo, hi float64) (float64, error) {
	raw, ok := c.Params[key]
	if !ok || raw == nil {
		return 0, nil
	}
	var f float64
	var err error
	switch x := raw.(type) {
	case json.Number:
		f, err = x.Float64()
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, nil
		}
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
	case float64:
		f = x
	default:
		err = fmt.Errorf("not a number")
	}
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		return 0, rpc.Errorf(models.ErrInvalidParam, "%s must be a number between %g and %g", key, lo, hi)
	}
	return f, nil
}

func (s *Service) apiActivateDevice(c *rpc.Call) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	info := models.DeviceInfo{PhysicalDeviceID: pid}
	for _, f := range []struct {
		key string
		dst *string
	}{{"devVersion", &info.DevVersion}, {"modVersion", &info.ModVersion}, {"mac", &info.MAC}} {
		raw, err := c.OptString(f.key)
		if err != nil {
			return nil, err
		}
		if *f.dst, err = checkVersion(f.key, raw); err != nil {
			return nil, err
		}
	}
	if info.Latitude, err = floatParam(c, "latitude", -90, 90); err != nil {
		return nil, err
	}
	if info.Longitude, err = floatParam(c, "longitude", -180, 180); err != nil {
		return nil, err
	}
	sd, err := c.RequireSubDomain()
	if err != nil {
		return nil, err
	}
	if ip := c.ClientIP(); ip != "" {
		info.IPAddr = ip
	}
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error { return s.activateTx(c.Ctx, tx, *sd, info, true) })
	return nil, err
}

// findWH looks a physical id up in the request's product, or in every
// product of the domain when the request names none (PHP getDevicesInfo
// takes no product).
func (s *Service) findWH(c *rpc.Call, pid string) (whRow, bool, error) {
	var row *sql.Row
	if c.SubDomainInfo != nil {
		row = s.db.QueryRowContext(c.Ctx, `SELECT `+whCols+` FROM dev_warehouse w WHERE w.sub_domain_id = ? AND w.physical_id = ?`, c.SubDomainInfo.ID, pid)
	} else {
		row = s.db.QueryRowContext(c.Ctx, `SELECT `+whCols+` FROM dev_warehouse w WHERE w.physical_id = ? AND w.domain_id = ? ORDER BY w.id LIMIT 1`, pid, c.MajorDomain.ID)
	}
	w, err := scanWH(row)
	if store.IsNoRows(err) {
		return w, false, nil
	}
	return w, err == nil, err
}

// DeviceInfo is one device's warehouse record, for other parts of the
// cloud (OTA reads the current firmware versions here).
func (s *Service) DeviceInfo(ctx context.Context, subDomainID int64, pid string) (models.DeviceInfo, bool, error) {
	w, err := scanWH(s.db.QueryRowContext(ctx, `SELECT `+whCols+` FROM dev_warehouse w WHERE w.sub_domain_id = ? AND w.physical_id = ?`, subDomainID, pid))
	if store.IsNoRows(err) {
		return models.DeviceInfo{}, false, nil
	}
	if err != nil {
		return models.DeviceInfo{}, false, err
	}
	return s.info(w), true, nil
}

func (s *Service) apiGetDeviceInfo(c *rpc.Call) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	w, ok, err := s.findWH(c, pid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, rpc.Errorf(models.ErrDeviceAbsent, "device %s is not in the warehouse (never activated)", pid)
	}
	return s.info(w), nil
}

// apiGetDevicesInfo answers one entry per id asked for, in order; an id
// that is not in the warehouse gets status 0 ("not exist", §3.7) instead of
// failing the whole batch.
func (s *Service) apiGetDevicesInfo(c *rpc.Call) (any, error) {
	ids, err := c.StringList("physicalDeviceIds")
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "physicalDeviceIds is required (an array of physical ids)")
	}
	if len(ids) > maxInfoIDs {
		return nil, rpc.Errorf(models.ErrInvalidParam, "physicalDeviceIds has %d ids: at most %d per call", len(ids), maxInfoIDs)
	}
	out := make([]models.DeviceInfo, 0, len(ids))
	for _, raw := range ids {
		pid, err := checkPID(raw)
		if err != nil {
			return nil, err
		}
		w, ok, err := s.findWH(c, pid)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, models.DeviceInfo{PhysicalDeviceID: pid, Status: 0})
			continue
		}
		out = append(out, s.info(w))
	}
	return map[string]any{"devices": out}, nil
}

// apiGetDeviceCount reads the highest seq: seq is dense, so it is the
// count, without counting rows.
func (s *Service) apiGetDeviceCount(c *rpc.Call) (any, error) {
	var n int64
	var err error
	if c.SubDomainInfo != nil {
		err = s.db.QueryRowContext(c.Ctx, `SELECT COALESCE(MAX(sub_seq), 0) FROM dev_warehouse WHERE sub_domain_id = ?`, c.SubDomainInfo.ID).Scan(&n)
	} else {
		err = s.db.QueryRowContext(c.Ctx, `SELECT COALESCE(MAX(seq), 0) FROM dev_warehouse WHERE domain_id = ?`, c.MajorDomain.ID).Scan(&n)
	}
	if err != nil {
		return nil, err
	}
	return map[string]int64{"count": n}, nil
}

func pageParams(c *rpc.Call) (offset, limit int64, err error) {
	if offset, err = c.OptInt64("offset", 0); err != nil {
		return
	}
	if limit, err = c.OptInt64("limit", defaultPageLimit); err != nil {
		return
	}
	if offset < 0 {
		err = rpc.Errorf(models.ErrInvalidParam, "offset must be 0 or more (got %d)", offset)
	} else if limit < 1 || limit > maxPageLimit {
		err = rpc.Errorf(models.ErrInvalidParam, "limit must be between 1 and %d (got %d): page with offset", maxPageLimit, limit)
	}
	return
}

// page runs a warehouse page query and returns its rows and the page's
// size limit.
func (s *Service) page(c *rpc.Call, all, sub *sql.Stmt) (*sql.Rows, int64, error) {
	offset, limit, err := pageParams(c)
	if err != nil {
		return nil, 0, err
	}
	var rows *sql.Rows
	if c.SubDomainInfo != nil {
		rows, err = sub.QueryContext(c.Ctx, c.SubDomainInfo.ID, offset, limit)
	} else {
		rows, err = all.QueryContext(c.Ctx, c.MajorDomain.ID, offset, limit)
	}
	return rows, limit, err
}

func (s *Service) apiWarehouseList(c *rpc.Call) (any, error) {
	rows, limit, err := s.page(c, s.st.whPage, s.st.whPageSub)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]models.DeviceInfo, 0, limit)
	for rows.Next() {
		w, err := scanWH(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s.info(w))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"devices": out}, nil
}

// apiWarehouseListExt is LOCAL EXTENSION zc-warehouse/listDevicesExt (not
// part of AbleCloud): listDevices with each device's logical id, owner,
// owner's nick name, name and online state, so that the console's fleet
// view needs one call per page rather than one per device.
func (s *Service) apiWarehouseListExt(c *rpc.Call) (any, error) {
	rows, limit, err := s.page(c, s.st.fleetPage, s.st.fleetSub)
	if err != nil {
		return nil, err
	}
	// Sized for the page: appending 100 entries of this size one by one
	// copied 25 KB for each page, garbage the collector then chased.
	out := make([]models.FleetDevice, 0, limit)
	// One set of scan destinations for the page, pointed at each entry in
	// turn: a set per row put every row's record on the heap.
	var w whRow
	dst := append(whDst(make([]any, 0, whFields+3), &w), nil, nil, nil)
	for rows.Next() {
		out = append(out, models.FleetDevice{})
		e := &out[len(out)-1]
		dst[whFields], dst[whFields+1], dst[whFields+2] = &e.DeviceID, &e.Owner, &e.Name
		w = whRow{}
		if err := rows.Scan(dst...); err != nil {
			rows.Close()
			return nil, err
		}
		e.DeviceInfo = s.info(w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Owners repeat across a page (a household's devices sit together):
	// one lookup per owner.
	nicks := map[int64]string{}
	for i := range out {
		e := &out[i]
		e.Online = s.hub.Online(hubKey(e.SubDomainName, e.PhysicalDeviceID))
		if e.Owner == 0 {
			continue
		}
		nick, ok := nicks[e.Owner]
		if !ok {
			u, found, err := s.lookupUser(c.Ctx, c.MajorDomain.ID, e.Owner)
			if err != nil {
				return nil, err
			}
			if found {
				nick = u.NickName
			}
			nicks[e.Owner] = nick
		}
		e.OwnerNickName = nick
	}
	return map[string]any{"devices": out}, nil
}
