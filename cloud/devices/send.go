package devices

import (
	"errors"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// maxSendTimeout bounds the local timeout extension: the HTTP server's
// write timeout is 60 s, and a request must be answered before it.
const maxSendTimeout = 30 * time.Second

// apiSendToDevice relays a command to a device and answers its reply as
// raw bytes with X-Zc-Msg-Attr_code (PROTOCOL §2.2.6). The keys travel in
// the query; the router already let a subDomain query key win over the
// header (Q14). A user must be bound to the device; developer scope may
// reach any device in the warehouse.
func (s *Service) apiSendToDevice(c *rpc.Call) (any, error) {
	code, ok, err := c.Int64("messageCode")
	if err != nil {
		return nil, rpc.Errorf(models.ErrBadMessageCode, "messageCode must be an integer between %d and %d", hub.MinCommandCode, hub.MaxCommandCode)
	}
	if !ok {
		return nil, rpc.Errorf(models.ErrInvalidParam, "messageCode is required (%d–%d)", hub.MinCommandCode, hub.MaxCommandCode)
	}
	if code < hub.MinCommandCode || code > hub.MaxCommandCode {
		return nil, rpc.Errorf(models.ErrBadMessageCode, "messageCode %d is not a command: commands use %d–%d (≥ %d are device reports)", code, hub.MinCommandCode, hub.MaxCommandCode, hub.MinReportCode)
	}
	timeout := s.opt.SendTimeout
	if ms, ok, err := c.Int64(keySendTimeout); err != nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "%s must be a whole number of milliseconds", keySendTimeout)
	} else if ok {
		if ms <= 0 || ms > maxSendTimeout.Milliseconds() { // compared in ms: a huge ms would overflow a Duration
			return nil, rpc.Errorf(models.ErrInvalidParam, "%s is %d ms: give 1 to %d", keySendTimeout, ms, maxSendTimeout.Milliseconds())
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	d, rec, key, err := s.locate(c)
	if err != nil {
		return nil, err
	}
	if !devScope(c) {
		uid, err := c.RequireUser()
		if err != nil {
			return nil, err
		}
		if !rec {
			return nil, rpc.Errorf(models.ErrDeviceAbsent, "device %s is not bound to user %d", key.PhysicalID, uid)
		}
		if bound, err := isBound(c.Ctx, s.db, uid, d.id); err != nil {
			return nil, err
		} else if !bound {
			return nil, rpc.Errorf(models.ErrDeviceAbsent, "device %d is not bound to user %d", d.id, uid)
		}
	}
	payload := c.Payload
	if payload == nil {
		payload = []byte{}
	}
	replyCode, reply, err := s.hub.Send(c.Ctx, key, int(code), payload, timeout)
	if errors.Is(err, hub.ErrTimeout) {
		// Name the timeout that applied: the caller may have asked for
		// one, and "in time" alone does not say whether it was honoured.
		return nil, rpc.Errorf(models.ErrDeviceTimeout, "device %s did not answer within %s", key.PhysicalID, timeout)
	}
	if err != nil {
		return nil, hubError(err, "device "+key.PhysicalID)
	}
	if reply == nil {
		reply = []byte{}
	}
	return rpc.Binary{Code: replyCode, Body: reply}, nil
}
