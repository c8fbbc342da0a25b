package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/internal/clock"
	"acconsole/models"
)

// countingAPI counts what the user and users pages ask of the cloud.
type countingAPI struct {
	*fakeAPI
	detail, devices, count, list atomic.Int64
	mu                           sync.Mutex
	afters                       []int64 // ListUsers and UserDevices afterID, in call order
	limits                       []int
}

func (c *countingAPI) UserDetail(ctx context.Context, id int64) (UserDetail, error) {
	c.detail.Add(1)
	return c.fakeAPI.UserDetail(ctx, id)
}

func (c *countingAPI) UserDevices(ctx context.Context, u, after int64, lim int) ([]models.Device, int64, error) {
	c.devices.Add(1)
	c.note(after, lim)
	return c.fakeAPI.UserDevices(ctx, u, after, lim)
}

func (c *countingAPI) CountUsers(ctx context.Context) (int64, error) {
	c.count.Add(1)
	return c.fakeAPI.CountUsers(ctx)
}

func (c *countingAPI) ListUsers(ctx context.Context, after int64, lim int) ([]models.User, error) {
	c.list.Add(1)
	c.note(after, lim)
	return c.fakeAPI.ListUsers(ctx, after, lim)
}

func (c *countingAPI) note(after int64, lim int) {
	c.mu.Lock()
	c.afters = append(c.afters, after)
	c.limits = append(c.limits, lim)
	c.mu.Unlock()
}

func (c *countingAPI) calls() (afters []int64, limits []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.afters...), append([]int(nil), c.limits...)
}

// pollRig is a harness whose waits sleep until the test moves the clock;
// of the waits that wake, only the polls are delivered.
type pollRig struct {
	*harness
}

func newPollRig(t *testing.T, api API) *pollRig {
	clk := clock.NewFake(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	t.Cleanup(func() { clk.Advance(24 * time.Hour) })
	r := &pollRig{newHarnessOn(t, clk, Options{API: api, Keys: DefaultKeyMap(), Refresh: 5 * time.Second,
		Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}})}
	r.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	r.run(r.app.Init())
	return r
}

// tick lets 5 s (the refresh interval) pass and delivers every poll that
// was waiting; it reports how many were waiting.
func (r *pollRig) tick() int { return r.wait(5 * time.Second) }

// wait moves the clock by d and delivers the polls whose time came; it
// reports how many woke.
func (r *pollRig) wait(d time.Duration) int {
	before := r.clock.Pending()
	r.clock.Advance(d)
	woke := before - r.clock.Pending()
	n := 0
	for range woke {
		select {
		case m := <-r.late:
			if p, ok := m.(pollTick); ok {
				n++
				r.send(p)
			}
		case <-time.After(10 * time.Second):
			r.t.Fatal("a wait that woke did not answer in 10 s")
		}
	}
	return n
}

func (r *pollRig) openUser42() {
	r.press(":")
	r.typeText("user 13800000042")
	r.press("enter")
	r.must("客厅插座")
}

// A page under another one asks nothing of the cloud; back on top it polls
// again.
func TestHiddenPageDoesNotPoll(t *testing.T) {
	api := &countingAPI{fakeAPI: newFakeAPI()}
	r := newPollRig(t, api)
	r.openUser42()
	before := api.detail.Load()
	r.tick()
	if api.detail.Load() != before+1 || api.devices.Load() < 2 {
		t.Fatalf("the visible user page did not poll: %d detail loads (was %d), %d device loads", api.detail.Load(), before, api.devices.Load())
	}
	r.press("enter") // the device page covers the user page
	r.must("A1B2C3D4E5F60001")
	detail, devices := api.detail.Load(), api.devices.Load()
	for i := 0; i < 5; i++ {
		r.tick()
	}
	if api.detail.Load() != detail || api.devices.Load() != devices {
		t.Fatalf("the hidden user page polled: detail %d → %d, devices %d → %d", detail, api.detail.Load(), devices, api.devices.Load())
	}
	r.press("esc")
	r.tick()
	if api.detail.Load() == detail {
		t.Fatal("the user page did not poll again once back on top")
	}
}

// Nobody at the keyboard for 5 minutes, or the terminal in the background:
// no polls; the next key or focus refreshes at once and polling goes on.
func TestIdleOrUnfocusedConsoleDoesNotPoll(t *testing.T) {
	api := &countingAPI{fakeAPI: newFakeAPI()}
	r := newPollRig(t, api)
	r.openUser42()
	r.tick()

	r.wait(6 * time.Minute)
	detail := api.detail.Load()
	for i := 0; i < 5; i++ {
		r.tick()
	}
	if api.detail.Load() != detail {
		t.Fatalf("an idle console polled %d times", api.detail.Load()-detail)
	}
	if r.tick() != 0 {
		t.Fatal("an idle console still schedules polls")
	}
	r.must("refresh paused until a key")
	r.press("down")
	if api.detail.Load() != detail+1 {
		t.Fatalf("a key after idling loaded the user %d times, want 1", api.detail.Load()-detail)
	}
	r.tick()
	if api.detail.Load() != detail+2 {
		t.Fatal("polling did not go on after the console woke up")
	}
	if strings.Contains(r.screen(), "refresh paused") {
		t.Fatal("the header still says the refresh is paused")
	}

	r.send(tea.BlurMsg{})
	detail = api.detail.Load()
	for i := 0; i < 5; i++ {
		r.tick()
	}
	if api.detail.Load() != detail {
		t.Fatalf("an unfocused console polled %d times", api.detail.Load()-detail)
	}
	r.send(tea.FocusMsg{})
	r.tick()
	if api.detail.Load() < detail+2 {
		t.Fatalf("after focus: %d loads, want a refresh and a poll", api.detail.Load()-detail)
	}
}

// The users page pages by the last id it showed and counts once per load;
// a user's devices come 100 at a time with the user's total.
func TestUsersAndDevicesPageByKey(t *testing.T) {
	api := &countingAPI{fakeAPI: newFakeAPI()}
	for i := 0; i < 250; i++ {
		api.fakeAPI.devices[7] = append(api.fakeAPI.devices[7], models.Device{DeviceID: int64(5000 + i), Name: fmt.Sprintf("d%03d", i), Owner: 7, SubDomainName: "plug"})
	}
	h := newHarness(t, api, 120, 30)
	h.must("users 1–100 of 250 (exact count)")
	h.press("n")
	h.must("users 101–200 of 250")
	h.must("user101")
	h.press("n")
	h.must("users 201–250 of 250")
	h.press("n")
	h.must("last page")
	h.press("b")
	h.must("users 101–200 of 250")
	afters, _ := api.calls()
	if fmt.Sprint(afters) != "[0 100 200 100]" {
		t.Fatalf("ListUsers afterIDs %v, want [0 100 200 100]", afters)
	}

	h.press(":")
	h.typeText("user 7")
	h.press("enter")
	// User 7 has the 250 devices and a share of device 900: 251, in id
	// order, so the first page ends at d098 (id 5098).
	h.must("devices 1–100 of 251")
	h.must("d000")
	h.press("n")
	h.must("devices 101–200 of 251")
	h.must("d099")
	afters, limits := api.calls()
	afters, limits = afters[4:], limits[4:]
	if fmt.Sprint(afters) != "[0 5098]" || fmt.Sprint(limits) != "[100 100]" {
		t.Fatalf("UserDevices afterIDs %v limits %v, want [0 5098] and [100 100]", afters, limits)
	}
}
