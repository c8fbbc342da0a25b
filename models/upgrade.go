package models

import (
	"encoding/json"
	"time"
)

// Upgrade states of getUpgradeStatus and listUpgrades (local extension,
// PROTOCOL-EXTENSIONS.md).
const (
	UpgradeIdle      = "idle"
	UpgradeUpgrading = "upgrading"
	// UpgradeStalled is still upgrading, but silent for several of the
	// device's own progress intervals.
	UpgradeStalled   = "stalled"
	UpgradeSucceeded = "succeeded"
	UpgradeFailed    = "failed"
)

// UpgradeStatus is a device's current or last firmware upgrade, as the
// local cloud reports it in getUpgradeStatus. On the wire times are
// date-times (TimeLayout) and durations whole seconds or milliseconds
// (upgradeStatusWire); here they are typed, so that the cloud, the client
// and the console share one shape.
type UpgradeStatus struct {
	State          string
	Phase          string // download, verify, flash, reboot, done, failed
	Percent        float64
	StartedAt      time.Time
	LastProgressAt time.Time
	TargetVersion  string
	FailureReason  string
	BytesPerSecond float64
	CurrentVersion string
	OTAType        int
	// ETA is the cloud's estimate of the time left at the pace so far
	// (whole seconds; 0 when unknown or not running).
	ETA time.Duration
	// ProgressInterval is the device's own average gap between progress
	// reports (milliseconds); the stall detector counts in these.
	ProgressInterval time.Duration
	// StalledFor is how long a stalled upgrade has been silent
	// (milliseconds).
	StalledFor time.Duration
}

// Running reports whether the upgrade has not ended (stalled included).
func (s UpgradeStatus) Running() bool {
	return s.State == UpgradeUpgrading || s.State == UpgradeStalled
}

// upgradeStatusWire is UpgradeStatus as getUpgradeStatus sends it.
type upgradeStatusWire struct {
	State          string  `json:"state"`
	Phase          string  `json:"phase"`
	Percent        float64 `json:"percent"`
	StartedAt      string  `json:"startedAt"`
	LastProgressAt string  `json:"lastProgressAt"`
	TargetVersion  string  `json:"targetVersion"`
	FailureReason  string  `json:"failureReason"`
	BytesPerSecond float64 `json:"bytesPerSecond"`
	// Beyond the keys asked for: enough to draw an ETA and explain a stall.
	CurrentVersion     string `json:"currentVersion"`
	OTAType            int    `json:"otaType"`
	ETASeconds         int64  `json:"etaSeconds"`
	ProgressIntervalMs int64  `json:"progressIntervalMs"`
	StalledForMs       int64  `json:"stalledForMs"`
}

// MarshalJSON writes the wire form.
func (s UpgradeStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(upgradeStatusWire{
		State: s.State, Phase: s.Phase, Percent: s.Percent,
		StartedAt: FormatTime(s.StartedAt), LastProgressAt: FormatTime(s.LastProgressAt),
		TargetVersion: s.TargetVersion, FailureReason: s.FailureReason, BytesPerSecond: s.BytesPerSecond,
		CurrentVersion: s.CurrentVersion, OTAType: s.OTAType,
		ETASeconds:         int64(s.ETA / time.Second),
		ProgressIntervalMs: s.ProgressInterval.Milliseconds(),
		StalledForMs:       s.StalledFor.Milliseconds(),
	})
}

// UnmarshalJSON reads the wire form. A date-time that does not parse is
// the zero time, and an ETA is kept only while the upgrade runs, as the
// console has always read them.
func (s *UpgradeStatus) UnmarshalJSON(b []byte) error {
	var w upgradeStatusWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	started, _ := ParseTime(w.StartedAt)
	last, _ := ParseTime(w.LastProgressAt)
	*s = UpgradeStatus{
		State: w.State, Phase: w.Phase, Percent: w.Percent, StartedAt: started, LastProgressAt: last,
		TargetVersion: w.TargetVersion, FailureReason: w.FailureReason, BytesPerSecond: w.BytesPerSecond,
		CurrentVersion: w.CurrentVersion, OTAType: w.OTAType,
		ProgressInterval: time.Duration(w.ProgressIntervalMs) * time.Millisecond,
		StalledFor:       time.Duration(w.StalledForMs) * time.Millisecond,
	}
	if s.Running() {
		s.ETA = time.Duration(w.ETASeconds) * time.Second
	}
	return nil
}

// UpgradeCandidate is a device of listUpgrades: an update is published for
// it, or it is upgrading or failed.
type UpgradeCandidate struct {
	PhysicalDeviceID string  `json:"physicalDeviceId"`
	OTAType          int     `json:"otaType"`
	CurrentVersion   string  `json:"currentVersion"`
	TargetVersion    string  `json:"targetVersion"`
	OTAMode          int     `json:"otaMode"`
	State            string  `json:"state"`
	Percent          float64 `json:"percent"`
	// SubDomain is the product the list was asked for and DeviceID the
	// device's logical id when known: listUpgrades names devices by
	// physical id only, so neither is sent.
	SubDomain string `json:"-"`
	DeviceID  int64  `json:"-"`
}
