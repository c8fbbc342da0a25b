package ui

import (
	"context"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

func (x *clientAPI) CheckUpdate(ctx context.Context, ref DeviceRef, otaType int) (models.OTAVersion, error) {
	return x.as(ref.UserID).OTA().PeekUpdate(ctx, ref.SubDomain, ref.DeviceID, "", otaType)
}

// ConfirmUpdate resolves a device known only by its physical id (the fleet
// view) before confirming; the reason travels as the audit note.
func (x *clientAPI) ConfirmUpdate(ctx context.Context, ref DeviceRef, target string, otaType int, reason string) error {
	if ref.DeviceID == 0 && ref.PhysicalID != "" {
		id, err := x.c.Bind().GetDeviceID(ctx, ref.SubDomain, ref.PhysicalID)
		if err != nil {
			return err
		}
		ref.DeviceID = id
	}
	if reason != "" {
		ctx = acapi.WithAuditNote(ctx, reason)
	}
	return x.as(ref.UserID).OTA().ConfirmUpdate(ctx, ref.SubDomain, ref.DeviceID, target, otaType)
}

func (x *clientAPI) UpgradeStatus(ctx context.Context, ref DeviceRef, otaType int) (UpgradeStatus, error) {
	st, err := x.as(ref.UserID).OTA().GetUpgradeStatus(ctx, ref.SubDomain, ref.DeviceID)
	if err != nil {
		return UpgradeStatus{}, err
	}
	started, _ := models.ParseTime(st.StartedAt)
	last, _ := models.ParseTime(st.LastProgressAt)
	return UpgradeStatus{
		State: st.State, Phase: st.Phase, Percent: st.Percent, StartedAt: started, LastProgressAt: last,
		TargetVersion: st.TargetVersion, CurrentVersion: st.CurrentVersion, FailureReason: st.FailureReason,
		BytesPerSecond: st.BytesPerSecond, ETA: st.ETA(),
		ProgressInterval: time.Duration(st.ProgressIntervalMs) * time.Millisecond,
		StalledFor:       time.Duration(st.StalledForMs) * time.Millisecond,
	}, nil
}

func (x *clientAPI) PendingUpgrades(ctx context.Context, sub string) ([]UpgradeCandidate, error) {
	cs, err := x.c.OTA().ListUpgrades(ctx, sub)
	out := make([]UpgradeCandidate, len(cs))
	for i, c := range cs {
		out[i] = UpgradeCandidate{SubDomain: sub, PhysicalID: c.PhysicalDeviceID, OTAType: c.OTAType, CurrentVersion: c.CurrentVersion,
			TargetVersion: c.TargetVersion, OTAMode: c.OTAMode, State: c.State, Percent: c.Percent}
	}
	return out, err
}
