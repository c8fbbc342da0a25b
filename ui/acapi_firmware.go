package ui

import (
	"context"

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

func (x *clientAPI) UpgradeStatus(ctx context.Context, ref DeviceRef, otaType int) (models.UpgradeStatus, error) {
	st, err := x.as(ref.UserID).OTA().GetUpgradeStatus(ctx, ref.SubDomain, ref.DeviceID)
	if err != nil {
		return models.UpgradeStatus{}, err
	}
	return st, nil
}

func (x *clientAPI) PendingUpgrades(ctx context.Context, sub string) ([]models.UpgradeCandidate, error) {
	return x.c.OTA().ListUpgrades(ctx, sub)
}
