package devices

import (
	"context"
	"database/sql"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// Homes (PROTOCOL §2.3, DG-WX): the creator owns the home and every device
// in it; every member is bound to every device in it; adding a device or a
// member binds, removing one (or deleting the home) unbinds. Removing a
// device from its home unbinds it from everyone, its owner included: the
// home owner's ownership came from the home. Rooms only group devices
// inside a home. A sub-device lives in its gateway's home.

type homeRow struct {
	id, domainID, owner int64
	name                string
}

func (h homeRow) wire() models.Home { return models.Home{HomeID: h.id, Owner: h.owner, Name: h.name} }

// homeFor loads the request's homeId for a member (3601 for anybody else,
// so that a stranger learns nothing) and, with needOwner, for its owner
// (3821).
func (s *Service) homeFor(c *rpc.Call, q queryer, needOwner bool) (homeRow, error) {
	id, err := positiveID(c, "homeId")
	if err != nil {
		return homeRow{}, err
	}
	uid, err := c.RequireUser()
	if err != nil {
		return homeRow{}, err
	}
	var h homeRow
	err = q.QueryRowContext(c.Ctx, `SELECT id, domain_id, owner, name FROM dev_homes WHERE id = ?`, id).Scan(&h.id, &h.domainID, &h.owner, &h.name)
	if store.IsNoRows(err) || (err == nil && h.domainID != c.MajorDomain.ID) {
		return h, rpc.Errorf(models.ErrGroupAbsent, "home %d does not exist", id)
	}
	if err != nil {
		return h, err
	}
	member, err := isMember(c.Ctx, q, h.id, uid)
	if err != nil {
		return h, err
	}
	if !member {
		return h, rpc.Errorf(models.ErrGroupAbsent, "home %d does not exist (or user %d is not a member)", id, uid)
	}
	if needOwner && h.owner != uid {
		return h, rpc.Errorf(models.ErrOwnerMismatch, "only the owner of home %d (user %d) may do this", id, h.owner)
	}
	return h, nil
}

func isMember(ctx context.Context, q queryer, homeID, uid int64) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM dev_home_users WHERE home_id = ? AND user_id = ?`, homeID, uid).Scan(&one)
	if store.IsNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// roomFor loads the request's roomId inside home h (3601 when it is not
// there).
func roomFor(c *rpc.Call, q queryer, h homeRow) (models.Room, error) {
	id, err := positiveID(c, "roomId")
	if err != nil {
		return models.Room{}, err
	}
	r := models.Room{HomeID: h.id, RoomID: id, Owner: h.owner}
	err = q.QueryRowContext(c.Ctx, `SELECT name FROM dev_rooms WHERE id = ? AND home_id = ?`, id, h.id).Scan(&r.Name)
	if store.IsNoRows(err) {
		return r, rpc.Errorf(models.ErrGroupAbsent, "room %d does not exist in home %d", id, h.id)
	}
	return r, err
}

// homeNameFree refuses a second home of the same owner with the same name
// (3602): two homes a person cannot tell apart.
func homeNameFree(ctx context.Context, q queryer, domainID, owner int64, name string, self int64) error {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM dev_homes WHERE domain_id = ? AND owner = ? AND name = ? AND id <> ?`, domainID, owner, name, self).Scan(&id)
	if err == nil {
		return rpc.Errorf(models.ErrGroupExists, "user %d already has a home named %q (home %d)", owner, name, id)
	}
	if store.IsNoRows(err) {
		return nil
	}
	return err
}

func roomNameFree(ctx context.Context, q queryer, homeID int64, name string, self int64) error {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM dev_rooms WHERE home_id = ? AND name = ? AND id <> ?`, homeID, name, self).Scan(&id)
	if err == nil {
		return rpc.Errorf(models.ErrGroupExists, "home %d already has a room named %q (room %d)", homeID, name, id)
	}
	if store.IsNoRows(err) {
		return nil
	}
	return err
}

// addMember makes uid a member of h and binds them to its devices.
func addMember(ctx context.Context, q queryer, homeID, uid, now int64) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO dev_home_users(home_id, user_id, join_time) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, homeID, uid, now); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO dev_bindings(user_id, device_id, bind_time)
		SELECT ?, id, ? FROM dev_devices WHERE home_id = ? ON CONFLICT DO NOTHING`, uid, now, homeID)
	return err
}

// bindMembers binds every member of a home to a device and its
// sub-devices.
func bindMembers(ctx context.Context, q queryer, homeID, devID, now int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO dev_bindings(user_id, device_id, bind_time)
		SELECT hu.user_id, d.id, ? FROM dev_home_users hu JOIN dev_devices d ON d.id = ? OR d.gateway_id = ?
		WHERE hu.home_id = ? ON CONFLICT DO NOTHING`, now, devID, devID, homeID)
	return err
}

func (s *Service) apiCreateHome(c *rpc.Call) (any, error) {
	name, err := mustName(c, "name")
	if err != nil {
		return nil, err
	}
	uid, err := s.actor(c)
	if err != nil {
		return nil, err
	}
	h := homeRow{domainID: c.MajorDomain.ID, owner: uid, name: name}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		if err := homeNameFree(c.Ctx, tx, h.domainID, uid, name, 0); err != nil {
			return nil, err
		}
		now := s.now().Unix()
		if err := tx.QueryRowContext(c.Ctx, `INSERT INTO dev_homes(domain_id, owner, name, create_time) VALUES (?, ?, ?, ?) RETURNING id`, h.domainID, uid, name, now).Scan(&h.id); err != nil {
			return nil, err
		}
		return nil, addMember(c.Ctx, tx, h.id, uid, now)
	})
	if err != nil {
		return nil, err
	}
	return map[string]models.Home{"home": h.wire()}, nil
}

// removeHomeDevices unbinds every device of a home from everyone.
func removeHomeDevices(ctx context.Context, q queryer, homeID int64) ([]unbound, error) {
	// Gateways first: removing one takes its sub-devices with it.
	ds, err := queryDevs(ctx, q, `SELECT `+devCols+` FROM dev_devices d WHERE d.home_id = ? ORDER BY d.gateway_id <> 0, d.id`, homeID)
	if err != nil {
		return nil, err
	}
	var evs []unbound
	gone := map[int64]bool{}
	for _, d := range ds {
		if gone[d.id] {
			continue
		}
		e, err := removeDevice(ctx, q, d)
		if err != nil {
			return nil, err
		}
		for _, u := range e {
			gone[u.device] = true
		}
		gone[d.id] = true
		evs = append(evs, e...)
	}
	return evs, nil
}

func (s *Service) apiDeleteHome(c *rpc.Call) (any, error) {
	err := s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		evs, err := removeHomeDevices(c.Ctx, tx, h.id)
		if err != nil {
			return nil, err
		}
		for _, q := range []string{
			`DELETE FROM dev_rooms WHERE home_id = ?`,
			`DELETE FROM dev_home_users WHERE home_id = ?`,
			`DELETE FROM dev_share_codes WHERE kind = 'home' AND target_id = ?`,
			`DELETE FROM dev_homes WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(c.Ctx, q, h.id); err != nil {
				return nil, err
			}
		}
		return evs, nil
	})
	return nil, err
}

func (s *Service) apiChangeHomeName(c *rpc.Call) (any, error) {
	name, err := mustName(c, "name")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		if err := homeNameFree(c.Ctx, tx, h.domainID, h.owner, name, h.id); err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_homes SET name = ? WHERE id = ?`, name, h.id)
		return nil, err
	})
	return nil, err
}

func (s *Service) apiCreateRoom(c *rpc.Call) (any, error) {
	name, err := mustName(c, "name")
	if err != nil {
		return nil, err
	}
	var r models.Room
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		if err := roomNameFree(c.Ctx, tx, h.id, name, 0); err != nil {
			return nil, err
		}
		r = models.Room{HomeID: h.id, Owner: h.owner, Name: name}
		return nil, tx.QueryRowContext(c.Ctx, `INSERT INTO dev_rooms(home_id, name) VALUES (?, ?) RETURNING id`, h.id, name).Scan(&r.RoomID)
	})
	if err != nil {
		return nil, err
	}
	return map[string]models.Room{"room": r}, nil
}

func (s *Service) apiDeleteRoom(c *rpc.Call) (any, error) {
	err := s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		r, err := roomFor(c, tx, h)
		if err != nil {
			return nil, err
		}
		// Its devices stay in the home: a room only groups.
		s.changedRoom(tx, h.id, r.RoomID)
		if _, err := tx.ExecContext(c.Ctx, `UPDATE dev_devices SET room_id = 0 WHERE home_id = ? AND room_id = ?`, h.id, r.RoomID); err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(c.Ctx, `DELETE FROM dev_rooms WHERE id = ?`, r.RoomID)
		return nil, err
	})
	return nil, err
}

func (s *Service) apiChangeRoomName(c *rpc.Call) (any, error) {
	name, err := mustName(c, "name")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		r, err := roomFor(c, tx, h)
		if err != nil {
			return nil, err
		}
		if err := roomNameFree(c.Ctx, tx, h.id, name, r.RoomID); err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_rooms SET name = ? WHERE id = ?`, name, r.RoomID)
		return nil, err
	})
	return nil, err
}

// apiAddDeviceToHome adds a device to a home: by deviceId (a device the
// caller owns) or by product + physicalDeviceId, which also binds a device
// nobody has bound yet (seed: addDeviceToHome can bind and add in one
// step). The home's owner becomes the device's owner and every member is
// bound to it. The caller must be a member.
func (s *Service) apiAddDeviceToHome(c *rpc.Call) (any, error) {
	id, hasID, err := c.Int64("deviceId")
	if err != nil {
		return nil, err
	}
	if hasID && id <= 0 {
		hasID = false
	}
	pid, err := optPID(c)
	if err != nil {
		return nil, err
	}
	if !hasID && pid == "" {
		return nil, rpc.Errorf(models.ErrInvalidParam, "name the device: deviceId, or physicalDeviceId with the device's sub-domain")
	}
	name, err := optName(c, "name")
	if err != nil {
		return nil, err
	}
	uid, err := s.actor(c)
	if err != nil {
		return nil, err
	}
	var d devRow
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, false)
		if err != nil {
			return nil, err
		}
		fresh := false
		if hasID {
			if d, err = loadDeviceIn(c, tx, id); err != nil {
				return nil, err
			}
			if pid != "" && pid != d.pid {
				if _, err := s.access(c, tx, d.id, false); err != nil {
					return nil, err
				}
				return nil, rpc.Errorf(models.ErrInvalidParam, "deviceId %d and physicalDeviceId %s name different devices", id, pid)
			}
		} else {
			sd, err := c.RequireSubDomain()
			if err != nil {
				return nil, err
			}
			var found bool
			if d, found, err = loadDeviceByPID(c.Ctx, tx, sd.ID, pid); err != nil {
				return nil, err
			}
			if !found {
				// Bound straight into the home, owned by its owner.
				if d, err = s.bindNew(c.Ctx, tx, *sd, pid, name, h.owner, false); err != nil {
					return nil, err
				}
				fresh = true
			}
		}
		if !fresh && d.homeID != h.id && d.owner != uid {
			// Before anything about the device's state, so that a
			// stranger hears what any other path says: not bound.
			if bound, err := isBound(c.Ctx, tx, uid, d.id); err != nil {
				return nil, err
			} else if !bound {
				return nil, rpc.Errorf(models.ErrDeviceAbsent, "device %d is not bound to user %d", d.id, uid)
			}
		}
		if d.homeID == h.id {
			if name != "" && name != d.name && !fresh {
				// Renaming is the owner's, as in modifyDevice: a member
				// adding a device that is already there may not.
				if d.owner != uid {
					return nil, rpc.Errorf(models.ErrOwnerMismatch, "device %d is already in home %d; only its owner (user %d) may rename it", d.id, h.id, d.owner)
				}
				s.changed(tx, d.id)
				if _, err := tx.ExecContext(c.Ctx, `UPDATE dev_devices SET name = ? WHERE id = ?`, name, d.id); err != nil {
					return nil, err
				}
				d.name = name
			}
			// Already there: still, a successful add leaves no member
			// without the device (one may have unbound it alone).
			return nil, bindMembers(c.Ctx, tx, h.id, d.id, s.now().Unix())
		}
		if !fresh {
			if d.gatewayID != 0 {
				return nil, rpc.Errorf(models.ErrGroupState, "device %d is a sub-device: it lives in the home of its gateway %d; add the gateway", d.id, d.gatewayID)
			}
			if d.homeID != 0 {
				return nil, rpc.Errorf(models.ErrMemberExists, "device %d is already in home %d: remove it there first", d.id, d.homeID)
			}
			if d.owner != uid {
				return nil, rpc.Errorf(models.ErrOwnerMismatch, "only the owner of device %d (user %d) may add it to a home", d.id, d.owner)
			}
		}
		if name != "" {
			d.name = name
		}
		d.homeID, d.roomID, d.owner = h.id, 0, h.owner
		s.changedGateway(tx, d.id)
		if _, err := tx.ExecContext(c.Ctx, `UPDATE dev_devices SET home_id = ?, room_id = 0, owner = ? WHERE id = ? OR gateway_id = ?`, h.id, h.owner, d.id, d.id); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(c.Ctx, `UPDATE dev_devices SET name = ? WHERE id = ?`, d.name, d.id); err != nil {
			return nil, err
		}
		return nil, bindMembers(c.Ctx, tx, h.id, d.id, s.now().Unix())
	})
	if err != nil {
		return nil, err
	}
	return deviceAnswer{s.wire(d)}, nil
}

// deviceInHome loads the request's deviceId, which must be in home h
// (3604 otherwise).
func deviceInHome(c *rpc.Call, q queryer, h homeRow) (devRow, error) {
	id, err := positiveID(c, "deviceId")
	if err != nil {
		return devRow{}, err
	}
	d, err := loadDeviceIn(c, q, id)
	if isCode(err, models.ErrDeviceAbsent) || (err == nil && d.homeID != h.id) {
		return d, rpc.Errorf(models.ErrMemberAbsent, "device %d is not in home %d", id, h.id)
	}
	return d, err
}

func (s *Service) apiDeleteDeviceFromHome(c *rpc.Call) (any, error) {
	err := s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		d, err := deviceInHome(c, tx, h)
		if err != nil {
			return nil, err
		}
		return removeDevice(c.Ctx, tx, d)
	})
	return nil, err
}

func (s *Service) apiMoveDeviceToRoom(c *rpc.Call) (any, error) {
	err := s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, false)
		if err != nil {
			return nil, err
		}
		r, err := roomFor(c, tx, h)
		if err != nil {
			return nil, err
		}
		d, err := deviceInHome(c, tx, h)
		if err != nil {
			return nil, err
		}
		s.changed(tx, d.id)
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_devices SET room_id = ? WHERE id = ?`, r.RoomID, d.id)
		return nil, err
	})
	return nil, err
}

func (s *Service) apiRemoveDeviceFromRoom(c *rpc.Call) (any, error) {
	err := s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, false)
		if err != nil {
			return nil, err
		}
		r, err := roomFor(c, tx, h)
		if err != nil {
			return nil, err
		}
		d, err := deviceInHome(c, tx, h)
		if err != nil {
			return nil, err
		}
		if d.roomID != r.RoomID {
			return nil, rpc.Errorf(models.ErrMemberAbsent, "device %d is not in room %d", d.id, r.RoomID)
		}
		s.changed(tx, d.id)
		_, err = tx.ExecContext(c.Ctx, `UPDATE dev_devices SET room_id = 0 WHERE id = ?`, d.id)
		return nil, err
	})
	return nil, err
}

func (s *Service) apiGetHomeShareCode(c *rpc.Call) (any, error) {
	ttl, err := shareTTL(c)
	if err != nil {
		return nil, err
	}
	var code string
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		code, err = s.newShareCode(c.Ctx, tx, shareKindHome, h.id, c.UserID, ttl)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{keyShareCode: code}, nil
}

func (s *Service) apiJoinHome(c *rpc.Call) (any, error) {
	code, err := c.MustString("shareCode")
	if err != nil {
		return nil, err
	}
	uid, err := s.actor(c)
	if err != nil {
		return nil, err
	}
	var h homeRow
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		id, err := s.resolveShareCode(c.Ctx, tx, code, shareKindHome)
		if err != nil {
			return nil, err
		}
		err = tx.QueryRowContext(c.Ctx, `SELECT id, domain_id, owner, name FROM dev_homes WHERE id = ?`, id).Scan(&h.id, &h.domainID, &h.owner, &h.name)
		if store.IsNoRows(err) || (err == nil && h.domainID != c.MajorDomain.ID) {
			return nil, rpc.Errorf(models.ErrShareCodeAbsent, "the shared home no longer exists: ask for a new share code")
		}
		if err != nil {
			return nil, err
		}
		return nil, addMember(c.Ctx, tx, h.id, uid, s.now().Unix())
	})
	if err != nil {
		return nil, err
	}
	return map[string]models.Home{"home": h.wire()}, nil
}

func (s *Service) apiAddUserToHome(c *rpc.Call) (any, error) {
	acct, err := c.MustString("account")
	if err != nil {
		return nil, err
	}
	if _, err := positiveID(c, "homeId"); err != nil {
		return nil, err
	}
	target, err := s.accountID(c, acct)
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, true)
		if err != nil {
			return nil, err
		}
		if member, err := isMember(c.Ctx, tx, h.id, target); err != nil {
			return nil, err
		} else if member {
			return nil, rpc.Errorf(models.ErrMemberExists, "user %d (%s) is already a member of home %d", target, clip(acct), h.id)
		}
		return nil, addMember(c.Ctx, tx, h.id, target, s.now().Unix())
	})
	return nil, err
}

// apiRemoveUserFromHome: the owner removes a member, or a member leaves.
// The member is unbound from every device of the home.
func (s *Service) apiRemoveUserFromHome(c *rpc.Call) (any, error) {
	target, err := positiveID(c, "userId")
	if err != nil {
		return nil, err
	}
	err = s.tx(c.Ctx, func(tx *sql.Tx) ([]unbound, error) {
		h, err := s.homeFor(c, tx, false)
		if err != nil {
			return nil, err
		}
		if target != c.UserID && h.owner != c.UserID {
			return nil, rpc.Errorf(models.ErrOwnerMismatch, "only the owner of home %d (user %d) may remove other members", h.id, h.owner)
		}
		if target == h.owner {
			return nil, rpc.Errorf(models.ErrGroupState, "user %d owns home %d and cannot leave it: delete the home instead", target, h.id)
		}
		if member, err := isMember(c.Ctx, tx, h.id, target); err != nil {
			return nil, err
		} else if !member {
			return nil, rpc.Errorf(models.ErrMemberAbsent, "user %d is not a member of home %d", target, h.id)
		}
		ds, err := queryDevs(c.Ctx, tx, `SELECT `+devCols+` FROM dev_devices d JOIN dev_bindings b ON b.device_id = d.id
			WHERE d.home_id = ? AND b.user_id = ? ORDER BY d.id`, h.id, target)
		if err != nil {
			return nil, err
		}
		var evs []unbound
		for _, d := range ds {
			if _, err := tx.ExecContext(c.Ctx, `DELETE FROM dev_bindings WHERE user_id = ? AND device_id = ?`, target, d.id); err != nil {
				return nil, err
			}
			evs = append(evs, unbound{device: d.id, user: target})
		}
		_, err = tx.ExecContext(c.Ctx, `DELETE FROM dev_home_users WHERE home_id = ? AND user_id = ?`, h.id, target)
		return evs, err
	})
	return nil, err
}

func (s *Service) apiListHomes(c *rpc.Call) (any, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(c.Ctx, `SELECT h.id, h.owner, h.name FROM dev_home_users hu JOIN dev_homes h ON h.id = hu.home_id
		WHERE hu.user_id = ? AND h.domain_id = ? ORDER BY h.id`, uid, c.MajorDomain.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []models.Home{}
	for rows.Next() {
		var h models.Home
		if err := rows.Scan(&h.HomeID, &h.Owner, &h.Name); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"homes": out}, nil
}

func (s *Service) apiListRooms(c *rpc.Call) (any, error) {
	h, err := s.homeFor(c, s.db, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(c.Ctx, `SELECT id, name FROM dev_rooms WHERE home_id = ? ORDER BY id`, h.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []models.Room{}
	for rows.Next() {
		r := models.Room{HomeID: h.id, Owner: h.owner}
		if err := rows.Scan(&r.RoomID, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"rooms": out}, nil
}

func (s *Service) apiListHomeDevices(c *rpc.Call) (any, error) {
	withStatus, err := c.Bool("status")
	if err != nil {
		return nil, err
	}
	h, err := s.homeFor(c, s.db, false)
	if err != nil {
		return nil, err
	}
	ds, err := queryDevs(c.Ctx, s.db, `SELECT `+devCols+` FROM dev_devices d WHERE d.home_id = ? ORDER BY d.id`, h.id)
	if err != nil {
		return nil, err
	}
	return devicesAnswer{s.wireList(ds, withStatus)}, nil
}

func (s *Service) apiListRoomDevices(c *rpc.Call) (any, error) {
	withStatus, err := c.Bool("status")
	if err != nil {
		return nil, err
	}
	h, err := s.homeFor(c, s.db, false)
	if err != nil {
		return nil, err
	}
	r, err := roomFor(c, s.db, h)
	if err != nil {
		return nil, err
	}
	ds, err := queryDevs(c.Ctx, s.db, `SELECT `+devCols+` FROM dev_devices d WHERE d.home_id = ? AND d.room_id = ? ORDER BY d.id`, h.id, r.RoomID)
	if err != nil {
		return nil, err
	}
	return devicesAnswer{s.wireList(ds, withStatus)}, nil
}

func (s *Service) apiListHomeUsers(c *rpc.Call) (any, error) {
	h, err := s.homeFor(c, s.db, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(c.Ctx, `SELECT user_id FROM dev_home_users WHERE home_id = ? ORDER BY user_id`, h.id)
	if err != nil {
		return nil, err
	}
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
	out := make([]models.HomeUser, 0, len(ids))
	for _, id := range ids {
		u := models.HomeUser{UserID: id, HomeID: h.id}
		if id == h.owner {
			u.UserType = 1
		}
		if info, ok, err := s.lookupUser(c.Ctx, c.MajorDomain.ID, id); err != nil {
			return nil, err
		} else if ok {
			u.Phone, u.Email, u.NickName = info.Phone, info.Email, info.NickName
		}
		out = append(out, u)
	}
	return map[string]any{"users": out}, nil
}
