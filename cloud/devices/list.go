package devices

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// qUserDevices is listDevices' id query: the bindings' primary key starts
// with the user, so it is one range scan in device-id order; the records
// come from the cache (cache.go).
const qUserDevices = `SELECT d.id FROM dev_bindings b JOIN dev_devices d ON d.id = b.device_id
	WHERE b.user_id = ? AND d.domain_id = ? ORDER BY b.device_id`

// qUserDevicesPage is a page of a user's device ids from a device id on: a
// range of the bindings' primary key (user_id, device_id) stopped after
// limit rows. It has no join, so the page costs a page on either engine
// whatever the planner believes of the tables: with the join, PostgreSQL
// on a freshly filled table sorted all of a user's 5 000 bindings for
// every page. The major domain is checked on the loaded devices instead
// (see pageDevices).
const qUserDevicesPage = `SELECT device_id FROM dev_bindings WHERE user_id = ? AND device_id > ? ORDER BY device_id LIMIT ?`

// qUserDeviceCount reads how many devices a user holds from the count the
// database keeps beside the bindings (schema v2): one row, whatever the
// count. No row: the user never held one. User ids are unique across
// major domains and every bind checks the device's domain, so the count
// needs no domain.
const qUserDeviceCount = `SELECT COALESCE(MAX(devices), 0) FROM dev_user_counts WHERE user_id = ?`

// maxDevicePage bounds a page of listDevices (afterId/limit).
const maxDevicePage = 500

type devicesAnswer struct {
	Devices []models.Device `json:"devices"`
}

// devicesPage is a page of listDevices (afterId/limit, an extension): the
// devices and the user's whole count.
type devicesPage struct {
	Devices []models.Device `json:"devices"`
	Total   int64           `json:"total"`
}

func (s *Service) userDevices(c *rpc.Call, uid int64) ([]devRow, error) {
	rows, err := s.st.userDevices.QueryContext(c.Ctx, uid, c.MajorDomain.ID)
	if err != nil {
		return nil, err
	}
	return s.idsToDevices(c, rows)
}

func (s *Service) idsToDevices(c *rpc.Call, rows *sql.Rows) ([]devRow, error) {
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return s.devicesByID(c.Ctx, ids)
}

func (s *Service) apiListDevices(c *rpc.Call) (any, error) {
	withStatus, err := c.Bool("status")
	if err != nil {
		return nil, err
	}
	limit, paged, err := c.Int64("limit")
	if err != nil {
		return nil, err
	}
	after, afterSet, err := c.Int64("afterId")
	if err != nil {
		return nil, err
	}
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	if !paged {
		if afterSet {
			return nil, rpc.Errorf(models.ErrInvalidParam, "afterId needs limit (1–%d)", maxDevicePage)
		}
		ds, err := s.userDevices(c, uid)
		if err != nil {
			return nil, err
		}
		return devicesAnswer{s.wireList(ds, withStatus)}, nil
	}
	if limit < 1 || limit > maxDevicePage {
		return nil, rpc.Errorf(models.ErrInvalidParam, "limit must be between 1 and %d (got %d)", maxDevicePage, limit)
	}
	if after < 0 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "afterId must be 0 or more (got %d)", after)
	}
	var total int64
	if err := s.st.userDeviceCount.QueryRowContext(c.Ctx, uid).Scan(&total); err != nil {
		return nil, err
	}
	ds, err := s.pageDevices(c, uid, after, limit)
	if err != nil {
		return nil, err
	}
	return devicesPage{s.wireList(ds, withStatus), total}, nil
}

// pageDevices loads a page of user uid's devices after device id after.
// Every bind checks the device's major domain and user ids are unique
// across domains, so the domain check drops nothing in practice; it keeps
// the answer right if that ever changed.
func (s *Service) pageDevices(c *rpc.Call, uid, after, limit int64) ([]devRow, error) {
	rows, err := s.st.userDevicesPage.QueryContext(c.Ctx, uid, after, limit)
	if err != nil {
		return nil, err
	}
	ds, err := s.idsToDevices(c, rows)
	if err != nil {
		return nil, err
	}
	kept := ds[:0]
	for _, d := range ds {
		if d.domainID == c.MajorDomain.ID {
			kept = append(kept, d)
		}
	}
	return kept, nil
}

// deviceExt is an entry of listDevicesExt: the device object plus what this
// user's binding adds. SEB shows only deviceId and name beyond the device
// object, so the extra keys are this cloud's choice.
type deviceExt struct {
	models.Device
	UserType      int            `json:"userType"` // 1 owner, 0 ordinary
	BindTime      string         `json:"bindTime"`
	RoomID        int64          `json:"roomId"`
	IsGateway     bool           `json:"isGateway"`
	DeviceProfile map[string]any `json:"deviceProfile"`
}

func (s *Service) apiListDevicesExt(c *rpc.Call) (any, error) {
	withStatus, err := c.Bool("status")
	if err != nil {
		return nil, err
	}
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(c.Ctx, `SELECT `+devCols+`, b.bind_time, d.profile FROM dev_bindings b JOIN dev_devices d ON d.id = b.device_id
		WHERE b.user_id = ? AND d.domain_id = ? ORDER BY b.device_id`, uid, c.MajorDomain.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []deviceExt{}
	for rows.Next() {
		var bindTime int64
		var prof string
		d, err := scanDev(rows, &bindTime, &prof)
		if err != nil {
			return nil, err
		}
		e := deviceExt{Device: s.wireStatus(d, withStatus), BindTime: models.FormatTime(time.Unix(bindTime, 0)), RoomID: d.roomID, IsGateway: d.isGateway}
		if d.owner == uid {
			e.UserType = 1
		}
		e.DeviceProfile = decodeProfile(prof)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"devices": out}, nil
}

// apiListGateways lists the user's gateways, of the request's product when
// it names one.
func (s *Service) apiListGateways(c *rpc.Call) (any, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	ds, err := s.userDevices(c, uid)
	if err != nil {
		return nil, err
	}
	out := []models.Device{}
	for _, d := range ds {
		if !d.isGateway || d.gatewayID != 0 {
			continue
		}
		if c.SubDomainInfo != nil && d.subID != c.SubDomainInfo.ID {
			continue
		}
		out = append(out, s.wire(d))
	}
	return devicesAnswer{out}, nil
}

// gatewayFor loads a gateway for the caller (bound, or developer scope).
func (s *Service) gatewayFor(c *rpc.Call, q queryer, needOwner bool) (devRow, error) {
	gwID, err := positiveID(c, "gatewayDeviceId")
	if err != nil {
		return devRow{}, err
	}
	gw, err := s.access(c, q, gwID, needOwner)
	if err != nil {
		return gw, err
	}
	if gw.gatewayID != 0 {
		return gw, rpc.Errorf(models.ErrGatewayAbsent, "device %d is a sub-device of gateway %d, not a gateway", gwID, gw.gatewayID)
	}
	return gw, nil
}

func (s *Service) apiListSubDevices(c *rpc.Call) (any, error) {
	gw, err := s.gatewayFor(c, s.db, false)
	if err != nil {
		return nil, err
	}
	var ds []devRow
	if devScope(c) {
		ds, err = subDevices(c.Ctx, s.db, gw.id)
	} else {
		// A user who unbound one sub-device does not see it again.
		ds, err = queryDevs(c.Ctx, s.db, `SELECT `+devCols+` FROM dev_devices d JOIN dev_bindings b ON b.device_id = d.id
			WHERE d.gateway_id = ? AND b.user_id = ? ORDER BY d.id`, gw.id, c.UserID)
	}
	if err != nil {
		return nil, err
	}
	withStatus, err := c.Bool("status")
	if err != nil {
		return nil, err
	}
	return devicesAnswer{s.wireList(ds, withStatus)}, nil
}

// newDevice is an entry of listNewDevices; subDomainId is a string on the
// wire (PROTOCOL §2.2.3).
type newDevice struct {
	SubDomainID      string `json:"subDomainId"`
	PhysicalDeviceID string `json:"physicalDeviceId"`
}

// apiListNewDevices lists the sub-devices that joined the gateway and were
// not added yet. A joined device that somebody bound meanwhile is left out:
// it cannot be added.
func (s *Service) apiListNewDevices(c *rpc.Call) (any, error) {
	gw, err := s.gatewayFor(c, s.db, false)
	if err != nil {
		return nil, err
	}
	out := []newDevice{}
	for _, j := range s.hub.NewDevices(s.key(gw)) {
		sd, ok := s.plat.SubDomain(c.Ctx, c.MajorDomain.ID, j.Device.SubDomain)
		if !ok {
			continue // a product this domain does not have cannot be added
		}
		if _, bound, err := loadDeviceByPID(c.Ctx, s.db, sd.ID, j.Device.PhysicalID); err != nil {
			return nil, err
		} else if bound {
			continue
		}
		out = append(out, newDevice{SubDomainID: strconv.FormatInt(sd.ID, 10), PhysicalDeviceID: j.Device.PhysicalID})
	}
	return map[string]any{"devices": out}, nil
}

// apiListUsers lists a device's users: developer scope, or any user bound
// to the device.
func (s *Service) apiListUsers(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	d, err := s.access(c, s.db, id, false)
	if err != nil {
		return nil, err
	}
	ids, err := deviceUsers(c.Ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	out := make([]models.DeviceUser, 0, len(ids))
	for _, uid := range ids {
		u := models.DeviceUser{UserID: uid, DeviceID: id}
		if uid == d.owner {
			u.UserType = 1
		}
		if info, ok, err := s.lookupUser(c.Ctx, c.MajorDomain.ID, uid); err != nil {
			return nil, err
		} else if ok {
			u.Phone, u.Email, u.NickName = info.Phone, info.Email, info.NickName
		}
		out = append(out, u)
	}
	// The owner first: that is who a support person looks for.
	sort.SliceStable(out, func(i, j int) bool { return out[i].UserType > out[j].UserType })
	return map[string]any{"users": out}, nil
}

func (s *Service) lookupUser(ctx context.Context, domainID, uid int64) (models.User, bool, error) {
	if s.acc == nil {
		return models.User{}, false, nil
	}
	return s.acc.Lookup(ctx, domainID, uid)
}

// locate finds the device a request names by deviceId and/or
// physicalDeviceId (with the request's product). rec is false for a
// warehouse device nobody has bound; such a device has only a key.
func (s *Service) locate(c *rpc.Call) (d devRow, rec bool, key hub.Key, err error) {
	id, hasID, err := c.Int64("deviceId")
	if err != nil {
		return d, false, key, err
	}
	if hasID && id <= 0 {
		// Android sends deviceId only when > 0; a 0 from others means
		// "not given".
		hasID = false
	}
	pid, err := optPID(c)
	if err != nil {
		return d, false, key, err
	}
	if !hasID && pid == "" {
		return d, false, key, rpc.Errorf(models.ErrInvalidParam, "name the device: deviceId and/or physicalDeviceId are required")
	}
	if hasID {
		if d, err = loadDeviceIn(c, s.db, id); err != nil {
			return d, false, key, err
		}
		if pid != "" && pid != d.pid {
			// Only to someone who may see the device: to anyone else it
			// is a device that is not theirs.
			if !devScope(c) {
				if _, err := s.access(c, s.db, d.id, false); err != nil {
					return d, false, key, err
				}
			}
			return d, false, key, rpc.Errorf(models.ErrInvalidParam, "deviceId %d and physicalDeviceId %s name different devices", id, pid)
		}
		return d, true, s.key(d), nil
	}
	sd, err := c.RequireSubDomain()
	if err != nil {
		return d, false, key, err
	}
	d, rec, err = loadDeviceByPID(c.Ctx, s.db, sd.ID, pid)
	if err != nil {
		return d, false, key, err
	}
	key = hub.Key{SubDomain: sd.Name, PhysicalID: pid}
	if rec {
		return d, true, key, nil
	}
	ok, err := inWarehouse(c.Ctx, s.db, sd.ID, pid)
	if err != nil {
		return d, false, key, err
	}
	if !ok {
		return d, false, key, rpc.Errorf(models.ErrDeviceAbsent, "device %s of product %s does not exist (not in the warehouse)", pid, sd.Name)
	}
	return devRow{domainID: sd.DomainID, subID: sd.ID, pid: pid}, false, key, nil
}

// apiIsDeviceOnline answers developer scope about any device and a user
// about the devices bound to them. A device nobody has bound yet answers
// anyone: an app waits for a freshly configured device to come online
// before it binds it. A device bound to others is "not bound to you"
// (3802), the answer an id that does not exist gets, because whether a
// household is at home is its own business.
func (s *Service) apiIsDeviceOnline(c *rpc.Call) (any, error) {
	d, rec, key, err := s.locate(c)
	if err != nil {
		return nil, err
	}
	if rec && !devScope(c) {
		if _, err := s.access(c, s.db, d.id, false); err != nil {
			return nil, err
		}
	}
	return map[string]bool{"online": s.hub.Online(key)}, nil
}

// apiIsDeviceBound is a question, not an order: a device that is not in
// the warehouse is simply not bound.
func (s *Service) apiIsDeviceBound(c *rpc.Call) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	sd, err := c.RequireSubDomain()
	if err != nil {
		return nil, err
	}
	_, bound, err := loadDeviceByPID(c.Ctx, s.db, sd.ID, pid)
	if err != nil {
		return nil, err
	}
	return map[string]bool{keyIsBound: bound}, nil
}

func (s *Service) apiGetDeviceID(c *rpc.Call) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	sd, err := c.RequireSubDomain()
	if err != nil {
		return nil, err
	}
	d, ok, err := loadDeviceByPID(c.Ctx, s.db, sd.ID, pid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, rpc.Errorf(models.ErrDeviceAbsent, "device %s of product %s has no logical id: nobody has bound it", pid, sd.Name)
	}
	// A user learns the logical id of a device bound to them only: the id
	// opens every other method (developer scope sees all).
	if !devScope(c) {
		if _, err := s.access(c, s.db, d.id, false); err != nil {
			return nil, rpc.Errorf(models.ErrDeviceAbsent, "device %s of product %s is not bound to you", pid, sd.Name)
		}
	}
	return map[string]int64{"deviceId": d.id}, nil
}

func (s *Service) apiGetUserDevice(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	d, err := s.access(c, s.db, id, false)
	if err != nil {
		return nil, err
	}
	withStatus, err := c.Bool("status")
	if err != nil {
		return nil, err
	}
	return deviceAnswer{s.wireStatus(d, withStatus)}, nil
}

// UserBoundTo says whether a user is bound to the device a product name
// and physical id name (false for a device nobody has bound), for services
// outside this package that show a device's data to its users only.
func (s *Service) UserBoundTo(ctx context.Context, domainID, userID int64, subDomain, pid string) (bool, error) {
	sd, ok := s.plat.SubDomain(ctx, domainID, subDomain)
	if !ok {
		return false, nil
	}
	d, found, err := loadDeviceByPID(ctx, s.db, sd.ID, pid)
	if err != nil || !found {
		return false, err
	}
	return isBound(ctx, s.db, userID, d.id)
}
