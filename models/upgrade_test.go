package models

import (
	"encoding/json"
	"testing"
	"time"
)

// The wire form of getUpgradeStatus, written out by hand from
// PROTOCOL-EXTENSIONS.md: date-times in the wire layout, the ETA in whole
// seconds, intervals in milliseconds.
const stalledWire = `{"state":"stalled","phase":"download","percent":35,"startedAt":"2026-03-01 08:00:00","lastProgressAt":"2026-03-01 08:00:10","targetVersion":"1-1-0","failureReason":"","bytesPerSecond":35000,"currentVersion":"1-0-1","otaType":1,"etaSeconds":18,"progressIntervalMs":2000,"stalledForMs":7000}`

func TestUpgradeStatusWire(t *testing.T) {
	st := UpgradeStatus{
		State: UpgradeStalled, Phase: "download", Percent: 35,
		StartedAt:      time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
		LastProgressAt: time.Date(2026, 3, 1, 8, 0, 10, 0, time.UTC),
		TargetVersion:  "1-1-0", BytesPerSecond: 35000, CurrentVersion: "1-0-1", OTAType: 1,
		ETA: 18 * time.Second, ProgressInterval: 2 * time.Second, StalledFor: 7 * time.Second,
	}
	b, err := json.Marshal(st)
	if err != nil || string(b) != stalledWire {
		t.Fatalf("marshal = %s, %v\nwant %s", b, err, stalledWire)
	}
	var back UpgradeStatus
	if err := json.Unmarshal([]byte(stalledWire), &back); err != nil || back != st {
		t.Fatalf("unmarshal = %+v, %v", back, err)
	}
}

// An idle device has no times and no ETA, and an ETA the cloud sends for
// an upgrade that has ended is not shown.
func TestUpgradeStatusWireIdleAndEnded(t *testing.T) {
	b, _ := json.Marshal(UpgradeStatus{State: UpgradeIdle, CurrentVersion: "1-0-1", OTAType: 1})
	want := `{"state":"idle","phase":"","percent":0,"startedAt":"","lastProgressAt":"","targetVersion":"","failureReason":"","bytesPerSecond":0,"currentVersion":"1-0-1","otaType":1,"etaSeconds":0,"progressIntervalMs":0,"stalledForMs":0}`
	if string(b) != want {
		t.Fatalf("idle = %s", b)
	}
	var st UpgradeStatus
	if err := json.Unmarshal([]byte(`{"state":"succeeded","etaSeconds":40,"startedAt":"not a time"}`), &st); err != nil {
		t.Fatal(err)
	}
	if st.ETA != 0 || !st.StartedAt.IsZero() || st.Running() {
		t.Fatalf("ended = %+v", st)
	}
}
