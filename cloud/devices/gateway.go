package devices

import (
	"database/sql"
	"errors"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// Pairing windows: 1–254 s, the range a gateway's one-byte timer holds.
const (
	minMatchSeconds = 1
	maxMatchSeconds = 254
)

// hubError turns a hub failure into the protocol code a client acts on.
func hubError(err error, what string) error {
	switch {
	case errors.Is(err, hub.ErrOffline):
		return rpc.Errorf(models.ErrDeviceOffline, "%s is offline: check its power and network", what)
	case errors.Is(err, hub.ErrTimeout):
		return rpc.Errorf(models.ErrDeviceTimeout, "%s did not answer in time", what)
	case errors.Is(err, hub.ErrBadCode):
		return rpc.Errorf(models.ErrBadMessageCode, "message code out of range: commands use %d–%d", hub.MinCommandCode, hub.MaxCommandCode)
	case errors.Is(err, hub.ErrNotGateway):
		return rpc.Errorf(models.ErrGatewayAbsent, "%s is not a gateway", what)
	}
	return rpc.Errorf(models.ErrDeviceState, "%s failed: %v", what, err)
}

func (s *Service) apiOpenGatewayMatch(c *rpc.Call) (any, error) {
	secs, ok, err := c.Int64("time")
	if err != nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "time must be a whole number of seconds between %d and %d", minMatchSeconds, maxMatchSeconds)
	}
	if !ok {
		return nil, rpc.Errorf(models.ErrInvalidParam, "time is required: how many seconds (%d–%d) the gateway accepts new sub-devices", minMatchSeconds, maxMatchSeconds)
	}
	if secs < minMatchSeconds || secs > maxMatchSeconds {
		return nil, rpc.Errorf(models.ErrInvalidParam, "time is %d: a gateway's pairing window lasts %d to %d seconds", secs, minMatchSeconds, maxMatchSeconds)
	}
	gw, err := s.gatewayFor(c, s.db, true)
	if err != nil {
		return nil, err
	}
	if _, err := s.hub.OpenMatch(s.key(gw), time.Duration(secs)*time.Second); err != nil {
		return nil, hubError(err, "gateway "+gw.pid)
	}
	return nil, nil
}

func (s *Service) apiCloseGatewayMatch(c *rpc.Call) (any, error) {
	gw, err := s.gatewayFor(c, s.db, true)
	if err != nil {
		return nil, err
	}
	if err := s.hub.CloseMatch(s.key(gw)); err != nil {
		return nil, hubError(err, "gateway "+gw.pid)
	}
	return nil, nil
}

// joinedSub finds a sub-device that joined gw: by the request's product
// and physical id, or by the physical id alone when the request names no
// product or the gateway's product (a common slip; the id is unique among
// one gateway's newcomers).
func (s *Service) joinedSub(c *rpc.Call, gw devRow, pid string) (rpc.SubDomain, bool) {
	var byPID []hub.Joined
	for _, j := range s.hub.NewDevices(s.key(gw)) {
		if j.Device.PhysicalID != pid {
			continue
		}
		if c.SubDomainInfo != nil && j.Device.SubDomain == c.SubDomainInfo.Name {
			return *c.SubDomainInfo, true
		}
		byPID = append(byPID, j)
	}
	if len(byPID) == 1 {
		if sd, ok := s.plat.SubDomain(c.Ctx, c.MajorDomain.ID, byPID[0].Device.SubDomain); ok {
			return sd, true
		}
	}
	return rpc.SubDomain{}, false
}

// apiAddSubDevice adds a sub-device that joined the gateway (it shows in
// listNewDevices). It belongs to the gateway's owner and is bound to every
// user of the gateway, and it lives in the gateway's home.
func (s *Service) apiAddSubDevice(c *rpc.Call) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	name, err := optName(c, "name")
	if err != nil {
		return nil, err
	}
	gw, err := s.gatewayFor(c, s.db, true)
	if err != nil {
		return nil, err
	}
	sd, joined := s.joinedSub(c, gw, pid)
	if !joined {
		// A retried add: the device left the new-device list when it was
		// added the first time.
		if c.SubDomainInfo != nil {
			if d, found, err := loadDeviceByPID(c.Ctx, s.db, c.SubDomainInfo.ID, pid); err != nil {
				return nil, err
			} else if found && d.gatewayID == gw.id {
				return deviceAnswer{s.wire(d)}, nil
			}
		}
		return nil, s.notJoined(c, gw, pid)
	}
	var d devRow
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		gw, err := s.gatewayFor(c, tx, true) // again, under the write lock
		if err != nil {
			return nil, err
		}
		existing, found, err := loadDeviceByPID(c.Ctx, tx, sd.ID, pid)
		if err != nil {
			return nil, err
		}
		if found {
			if existing.gatewayID == gw.id {
				d = existing // a retried add
				return nil, nil
			}
			if existing.gatewayID != 0 {
				return nil, rpc.Errorf(models.ErrGatewayMismatch, "device %s is a sub-device of gateway %d: delete it there first", pid, existing.gatewayID)
			}
			return nil, rpc.Errorf(models.ErrDeviceAlreadyBound, "device %s is bound as a device of its own: its owner must unbind it first", pid)
		}
		// Real sub-devices activate on first contact; the join event may
		// not be flushed yet, so activate here too (idempotent).
		if err := s.activateTx(c.Ctx, tx, sd, models.DeviceInfo{PhysicalDeviceID: pid}, false); err != nil {
			return nil, err
		}
		if name == "" {
			name = sd.Name
		}
		now := s.now().Unix()
		d = devRow{domainID: sd.DomainID, subID: sd.ID, pid: pid, name: name, owner: gw.owner, aes: randomAlnum(16), gatewayID: gw.id, homeID: gw.homeID}
		if err := tx.QueryRowContext(c.Ctx, `INSERT INTO dev_devices(domain_id, sub_domain_id, physical_id, name, owner, aes_key, gateway_id, home_id, bind_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.domainID, d.subID, d.pid, d.name, d.owner, d.aes, d.gatewayID, d.homeID, now).Scan(&d.id); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(c.Ctx, `INSERT INTO dev_bindings(user_id, device_id, bind_time)
			SELECT user_id, ?, ? FROM dev_bindings WHERE device_id = ? ON CONFLICT DO NOTHING`, d.id, now, gw.id); err != nil {
			return nil, err
		}
		// A device with sub-devices is a gateway, however it was bound.
		s.changed(tx, gw.id)
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_devices SET is_gateway = 1 WHERE id = ?`, gw.id)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	s.hub.Added(s.key(gw), hub.Key{SubDomain: sd.Name, PhysicalID: pid})
	return deviceAnswer{s.wire(d)}, nil
}

// notJoined explains why a sub-device cannot be added: it paired with
// another gateway (3820), or with none (3802).
func (s *Service) notJoined(c *rpc.Call, gw devRow, pid string) error {
	if c.SubDomainInfo != nil {
		if d, found, err := loadDeviceByPID(c.Ctx, s.db, c.SubDomainInfo.ID, pid); err != nil {
			return err
		} else if found && d.gatewayID != 0 && d.gatewayID != gw.id {
			return rpc.Errorf(models.ErrGatewayMismatch, "device %s is a sub-device of gateway %d, not of %d", pid, d.gatewayID, gw.id)
		}
	}
	if other, ok := s.ev.joinedTo(pid); ok && other != s.key(gw) {
		return rpc.Errorf(models.ErrGatewayMismatch, "device %s joined gateway %s, not %s: add it through that gateway", pid, other.PhysicalID, gw.pid)
	}
	return rpc.Errorf(models.ErrDeviceAbsent, "device %s has not joined gateway %d: open its pairing window (openGatewayMatch), pair the device, and pick it from listNewDevices", pid, gw.id)
}

// apiDeleteSubDevice removes a sub-device from its gateway: the record goes
// with every user, like an owner's unbind.
func (s *Service) apiDeleteSubDevice(c *rpc.Call) (any, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		d, err := s.access(c, tx, id, true)
		if err != nil {
			return nil, err
		}
		if d.gatewayID == 0 {
			if d.isGateway {
				return nil, rpc.Errorf(models.ErrDeviceIsMaster, "device %d is a gateway: use unbindGateway", id)
			}
			return nil, rpc.Errorf(models.ErrInvalidParam, "device %d is not a sub-device: use unbindDevice", id)
		}
		return removeDevice(c.Ctx, tx, d)
	})
	return nil, err
}

// apiEvictSubDevice makes a gateway forget a sub-device by physical id:
// a newcomer leaves the new-device list, an added one is deleted.
func (s *Service) apiEvictSubDevice(c *rpc.Call) (any, error) {
	pid, err := pidParam(c)
	if err != nil {
		return nil, err
	}
	gw, err := s.gatewayFor(c, s.db, true)
	if err != nil {
		return nil, err
	}
	found := false
	if sd, joined := s.joinedSub(c, gw, pid); joined {
		s.hub.Added(s.key(gw), hub.Key{SubDomain: sd.Name, PhysicalID: pid})
		found = true
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		subs, err := subDevices(c.Ctx, tx, gw.id)
		if err != nil {
			return nil, err
		}
		for _, d := range subs {
			if d.pid == pid && (c.SubDomainInfo == nil || c.SubDomainInfo.ID == d.subID || c.SubDomainInfo.ID == gw.subID) {
				found = true
				return removeDevice(c.Ctx, tx, d)
			}
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, rpc.Errorf(models.ErrDeviceAbsent, "gateway %d has no sub-device %s (neither joined nor added)", gw.id, pid)
	}
	return nil, nil
}
