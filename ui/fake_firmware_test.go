package ui

import (
	"context"
	"fmt"
	"time"

	"acconsole/models"
)

func (f *fakeAPI) CheckUpdate(_ context.Context, ref DeviceRef, otaType int) (models.OTAVersion, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.version[ref.DeviceID]
	if !ok {
		return models.OTAVersion{CurrentVersion: "1-0-0"}, nil
	}
	return v, nil
}

func (f *fakeAPI) ConfirmUpdate(_ context.Context, ref DeviceRef, target string, otaType int, reason string) error {
	if err := f.guard("confirmUpdate"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.confirms = append(w.confirms, fmt.Sprintf("%d/%s:%s:%s", ref.DeviceID, ref.PhysicalID, target, reason))
	now := w.now()
	w.status[ref.DeviceID] = models.UpgradeStatus{State: models.UpgradeUpgrading, Phase: "download", StartedAt: now, LastProgressAt: now, TargetVersion: target, ProgressInterval: time.Second}
	return nil
}

func (f *fakeAPI) UpgradeStatus(_ context.Context, ref DeviceRef, otaType int) (models.UpgradeStatus, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.statusReads++
	return w.status[ref.DeviceID], nil
}

func (f *fakeAPI) PendingUpgrades(_ context.Context, sub string) ([]models.UpgradeCandidate, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]models.UpgradeCandidate(nil), w.pending[sub]...), nil
}
