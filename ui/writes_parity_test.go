package ui

import (
	"context"
	"testing"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

// parityWorld names what the write cases act on in one backend: a user
// who owns a device, a second user not bound to it, the user's home with
// the device in it and a room of that home.
type parityWorld struct {
	api            API
	user, stranger int64
	dev            DeviceRef
	home, room     int64
}

// writeCases are the console's writes with the answers that matter. The
// same table runs on the fake and, through the real adapter, on a real
// local cloud: both must answer with the same error code (0 = done).
var writeCases = []struct {
	name string
	do   func(ctx context.Context, w parityWorld) error
}{
	{"rename device", func(ctx context.Context, w parityWorld) error { return w.api.RenameDevice(ctx, w.dev, "Parity lamp") }},
	{"rename device to nothing", func(ctx context.Context, w parityWorld) error { return w.api.RenameDevice(ctx, w.dev, "") }},
	{"rename a device that does not exist", func(ctx context.Context, w parityWorld) error {
		ref := w.dev
		ref.DeviceID = 987654
		return w.api.RenameDevice(ctx, ref, "Nobody")
	}},
	{"add device to a home that does not exist", func(ctx context.Context, w parityWorld) error { return w.api.AddDeviceToHome(ctx, w.dev, 987654) }},
	{"device profile", func(ctx context.Context, w parityWorld) error { return w.api.SetDeviceProfile(ctx, w.dev, "floor", 3) }},
	{"unbind a user who is not bound", func(ctx context.Context, w parityWorld) error { return w.api.UnbindUser(ctx, w.dev, w.stranger) }},
	{"unbind the owner", func(ctx context.Context, w parityWorld) error { return w.api.UnbindUser(ctx, w.dev, w.user) }},
	{"owner to a user who is not bound", func(ctx context.Context, w parityWorld) error { return w.api.ChangeOwner(ctx, w.dev, w.stranger) }},
	{"user profile", func(ctx context.Context, w parityWorld) error {
		return w.api.SetUserProfile(ctx, w.user, "tier", "gold")
	}},
	{"create home", func(ctx context.Context, w parityWorld) error { return w.api.CreateHome(ctx, w.user, "Parity home") }},
	{"create home without a name", func(ctx context.Context, w parityWorld) error { return w.api.CreateHome(ctx, w.user, "") }},
	{"rename home", func(ctx context.Context, w parityWorld) error {
		return w.api.RenameHome(ctx, w.user, w.home, "Parity house")
	}},
	{"rename home to nothing", func(ctx context.Context, w parityWorld) error { return w.api.RenameHome(ctx, w.user, w.home, "") }},
	{"rename a home that does not exist", func(ctx context.Context, w parityWorld) error { return w.api.RenameHome(ctx, w.user, 987654, "x") }},
	{"create room", func(ctx context.Context, w parityWorld) error {
		return w.api.CreateRoom(ctx, w.user, w.home, "Parity room")
	}},
	{"create room without a name", func(ctx context.Context, w parityWorld) error { return w.api.CreateRoom(ctx, w.user, w.home, "") }},
	{"rename room to nothing", func(ctx context.Context, w parityWorld) error {
		return w.api.RenameRoom(ctx, w.user, w.home, w.room, "")
	}},
	{"move device to the room", func(ctx context.Context, w parityWorld) error {
		return w.api.MoveDeviceToRoom(ctx, w.dev, w.home, w.room)
	}},
	{"move device to a room that does not exist", func(ctx context.Context, w parityWorld) error {
		return w.api.MoveDeviceToRoom(ctx, w.dev, w.home, 987654)
	}},
	{"take device out of the room", func(ctx context.Context, w parityWorld) error {
		return w.api.RemoveDeviceFromRoom(ctx, w.dev, w.home, w.room)
	}},
	{"delete room", func(ctx context.Context, w parityWorld) error { return w.api.DeleteRoom(ctx, w.user, w.home, w.room) }},
	{"delete a room that does not exist", func(ctx context.Context, w parityWorld) error { return w.api.DeleteRoom(ctx, w.user, w.home, 987654) }},
	{"bind phone with a wrong code", func(ctx context.Context, w parityWorld) error {
		if err := w.api.SendVerifyCode(ctx, "13911112222"); err != nil {
			return err
		}
		return w.api.BindPhone(ctx, w.user, "13911112222", "000000")
	}},
	{"modify a timer that does not exist", func(ctx context.Context, w parityWorld) error {
		_, err := w.api.SaveTimer(ctx, w.dev, models.TimerTask{TaskID: 987654, Name: "gone", TimeZone: "Asia/Shanghai",
			TimePoint: "2030-01-01 08:00:00", TimeCycle: "day", MessageCode: 68, Payload: []byte{1}})
		return err
	}},
	{"start a timer that does not exist", func(ctx context.Context, w parityWorld) error { return w.api.SetTimerRunning(ctx, w.dev, 987654, true) }},
	{"stop a timer that does not exist", func(ctx context.Context, w parityWorld) error {
		return w.api.SetTimerRunning(ctx, w.dev, 987654, false)
	}},
	{"delete a timer that does not exist", func(ctx context.Context, w parityWorld) error { return w.api.DeleteTimer(ctx, w.dev, 987654) }},
	{"add a timer", func(ctx context.Context, w parityWorld) error {
		_, err := w.api.SaveTimer(ctx, w.dev, models.TimerTask{Name: "Parity", TimeZone: "Asia/Shanghai",
			TimePoint: "2030-01-01 08:00:00", TimeCycle: "day", MessageCode: 68, Payload: []byte{1}})
		return err
	}},
	{"delete a home that does not exist", func(ctx context.Context, w parityWorld) error { return w.api.DeleteHome(ctx, w.user, 987654) }},
	{"delete home", func(ctx context.Context, w parityWorld) error { return w.api.DeleteHome(ctx, w.user, w.home) }},
}

func runWriteCases(t *testing.T, w parityWorld) []int {
	t.Helper()
	ctx := context.Background()
	w.api.SetReadOnly(false)
	var codes []int
	for _, c := range writeCases {
		err := c.do(ctx, w)
		code := 0
		if err != nil {
			code = acapi.Code(err)
			if code == 0 {
				code = -1
			}
		}
		codes = append(codes, code)
		t.Logf("%-45s %d %v", c.name, code, err)
	}
	return codes
}

func TestWritesAgreeOnFakeAndCloud(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud")
	}
	c := cloudtest.Start(t, cloudtest.Options{Demo: 40})
	cl, err := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID, AccessKey: c.Developer.AccessKey,
		SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fleet, err := cl.Warehouse().ListDevicesExt(ctx, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var real parityWorld
	for _, d := range fleet {
		if d.Owner == 0 || d.DeviceID == 0 {
			continue
		}
		dv, err := cl.As(d.Owner).Bind().GetUserDevice(ctx, d.SubDomainName, d.DeviceID)
		if err != nil || dv.IsSubDevice() {
			continue
		}
		users, err := cl.Bind().ListUsers(ctx, d.SubDomainName, d.DeviceID)
		if err != nil || len(users) != 1 {
			continue
		}
		real.user, real.dev = d.Owner, DeviceRef{UserID: d.Owner, DeviceID: d.DeviceID, SubDomain: d.SubDomainName, PhysicalID: d.PhysicalDeviceID}
		break
	}
	if real.user == 0 {
		t.Fatal("no owned device with a single user in the demo world")
	}
	for _, d := range fleet {
		if d.Owner != 0 && d.Owner != real.user {
			real.stranger = d.Owner
		}
	}
	as := cl.As(real.user).Home()
	h, err := as.CreateHome(ctx, "Parity setup")
	if err != nil {
		t.Fatal(err)
	}
	r, err := as.CreateRoom(ctx, h.HomeID, "Setup room")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.AddDeviceToHome(ctx, h.HomeID, real.dev.DeviceID, ""); err != nil {
		t.Fatal(err)
	}
	real.home, real.room = h.HomeID, r.RoomID
	real.api = NewAPI(cl)

	f := newFakeAPI()
	fake := parityWorld{api: f, user: 42, stranger: 8, dev: DeviceRef{UserID: 42, DeviceID: 900, SubDomain: "plug", PhysicalID: "A1B2C3D4E5F60001"}, home: 5, room: 2}

	t.Log("real local cloud:")
	want := runWriteCases(t, real)
	t.Log("fake:")
	got := runWriteCases(t, fake)
	for i, c := range writeCases {
		if got[i] != want[i] {
			t.Errorf("%s: the fake answers %d, the cloud %d", c.name, got[i], want[i])
		}
	}
}
