package ui

import (
	"errors"
	"testing"
	"time"

	"acconsole/acapi"
)

// Write mode lasts 15 minutes (the default window): one second past it the
// console is read-only again, the client refuses writes, and a rename says
// so. :readonly ends it at once.
func TestWriteWindowExpiresAndReadonlyEndsIt(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 100, 30)
	h.writeMode()
	h.must("WRITE 15:00")
	if api.ReadOnly() {
		t.Fatal("write mode on, but the client still refuses writes")
	}
	h.advance(14*time.Minute + 59*time.Second)
	h.must("WRITE 0:01")
	h.advance(2 * time.Second)
	h.must("read-only", "write mode ended")
	if !api.ReadOnly() {
		t.Fatal("the write window ended, but the client still accepts writes")
	}
	if err := api.RenameDevice(h.app.Context(), DeviceRef{DeviceID: 900}, "x"); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("a write after the window: %v, want the read-only error", err)
	}
	h.command("device 900")
	h.act(ActRename)
	h.must("read-only: type :write")

	h.writeMode()
	h.must("WRITE 15:00")
	h.command("readonly")
	h.must("read-only")
	if !api.ReadOnly() {
		t.Fatal(":readonly left the client accepting writes")
	}
}
