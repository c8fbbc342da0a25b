package acapi

import (
	"context"

	"acconsole/models"
)

// OTA is zc-ota (PROTOCOL §2.5): firmware update checks and confirmations.
// Calls go with the device's product as the sub-domain.
type OTA struct{ c *Client }

// OTA returns the OTA service of this client's identity.
func (c *Client) OTA() OTA { return OTA{c} }

func (o OTA) req(sub, method string, params map[string]any, mutating bool) Request {
	r := Request{Service: svcOTA, Method: method, Params: params, Mutating: mutating, SubDomain: sub}
	if sub == "" && o.c.subDomain == "" {
		r.NoSubDomain = true
	}
	return r
}

// otaAnswer is checkUpdate's answer in both shapes (Q5): the current keys
// and the old ones (oldVersion, upgradeVersion, file), plus PHP's
// newVersion.
type otaAnswer struct {
	models.OTAVersion
	OldVersion     string           `json:"oldVersion"`
	UpgradeVersion string           `json:"upgradeVersion"`
	NewVersion     string           `json:"newVersion"`
	File           []models.OTAFile `json:"file"`
}

// CheckUpdate asks whether a newer firmware is published for a device, by
// logical id or (when deviceID is 0) physical id; otaType 1 is the MCU
// firmware, 2 the communication module (0 means 1). The target version is
// read from targetVersion, then upgradeVersion, then newVersion (Q5).
func (o OTA) CheckUpdate(ctx context.Context, sub string, deviceID int64, physicalID string, otaType int) (models.OTAVersion, error) {
	return o.checkUpdate(ctx, sub, deviceID, physicalID, otaType, false)
}

// PeekUpdate is CheckUpdate for someone looking on the user's behalf (a
// support console): the local cloud then records no offer, so looking does
// not start or extend the user's confirm window (LOCAL EXTENSION key
// "peek"; a real router ignores it and answers like checkUpdate).
func (o OTA) PeekUpdate(ctx context.Context, sub string, deviceID int64, physicalID string, otaType int) (models.OTAVersion, error) {
	return o.checkUpdate(ctx, sub, deviceID, physicalID, otaType, true)
}

func (o OTA) checkUpdate(ctx context.Context, sub string, deviceID int64, physicalID string, otaType int, peek bool) (models.OTAVersion, error) {
	p := map[string]any{}
	if peek {
		p[keyPeek] = true
	}
	if deviceID != 0 {
		p["deviceId"] = deviceID
	}
	putIf(p, "physicalDeviceId", physicalID)
	if otaType == 0 {
		otaType = 1
	}
	p["otaType"] = otaType
	var a otaAnswer
	if err := o.c.call(ctx, o.req(sub, "checkUpdate", p, false), &a); err != nil {
		return models.OTAVersion{}, err
	}
	v := a.OTAVersion
	for _, alt := range []string{a.UpgradeVersion, a.NewVersion} {
		if v.TargetVersion == "" {
			v.TargetVersion = alt
		}
	}
	if v.CurrentVersion == "" {
		v.CurrentVersion = a.OldVersion
	}
	if len(v.Files) == 0 {
		v.Files = a.File
	}
	return v, nil
}

// ConfirmUpdate starts the upgrade of a device to targetVersion ("" means
// the newest published). The owner confirms (3821 otherwise); 4101 means
// nothing newer, 4102 that the offer expired (check again first).
func (o OTA) ConfirmUpdate(ctx context.Context, sub string, deviceID int64, targetVersion string, otaType int) error {
	p := map[string]any{"deviceId": deviceID}
	putIf(p, "targetVersion", targetVersion)
	if otaType == 0 {
		otaType = 1
	}
	p["otaType"] = otaType
	return o.c.call(ctx, o.req(sub, "confirmUpdate", p, true), nil)
}

// IgnoreResult is what ignoreUpdate answers.
type IgnoreResult struct {
	TargetVersion string `json:"targetVersion"`
	IgnoredUntil  string `json:"ignoredUntil"`
}

// IgnoreUpdate declines a confirm-mode update of a device for hours (0 =
// the cloud's default, 7 days); targetVersion "" means the newest. Forced
// and silent versions cannot be declined (4103).
//
// LOCAL EXTENSION: only the local cloud has zc-ota/ignoreUpdate.
func (o OTA) IgnoreUpdate(ctx context.Context, sub string, deviceID int64, targetVersion string, otaType, hours int) (IgnoreResult, error) {
	p := map[string]any{"deviceId": deviceID}
	putIf(p, "targetVersion", targetVersion)
	if otaType == 0 {
		otaType = 1
	}
	p["otaType"] = otaType
	if hours > 0 {
		p["hours"] = hours
	}
	var out IgnoreResult
	return out, o.c.call(ctx, o.req(sub, mIgnoreUpdate, p, true), &out)
}

// OTAMediaDone reports that an app-driven (BLE) upgrade finished, so the
// cloud records the device's new version.
func (o OTA) OTAMediaDone(ctx context.Context, sub, physicalID, currentVersion, targetVersion string, otaType int) error {
	if otaType == 0 {
		otaType = 1
	}
	p := map[string]any{"physicalDeviceId": physicalID, "currentVersion": currentVersion, "targetVersion": targetVersion, "otaType": otaType}
	return o.c.call(ctx, o.req(sub, "otaMediaDone", p, true), nil)
}

// GetUpgradeStatus reads a device's upgrade progress. Local cloud only.
func (o OTA) GetUpgradeStatus(ctx context.Context, sub string, deviceID int64) (models.UpgradeStatus, error) {
	var st models.UpgradeStatus
	return st, o.c.call(ctx, o.req(sub, mGetUpgradeStatus, map[string]any{"deviceId": deviceID}, false), &st)
}

// ListUpgrades lists a product's devices with an update available (the
// fleet view; developer scope). Local cloud only.
func (o OTA) ListUpgrades(ctx context.Context, sub string) ([]models.UpgradeCandidate, error) {
	r := o.req(sub, mListUpgrades, map[string]any{"subDomain": sub}, false)
	r.Auth = AuthDeveloper
	var out struct {
		Devices []models.UpgradeCandidate `json:"devices"`
	}
	err := o.c.call(ctx, r, &out)
	for i := range out.Devices {
		out.Devices[i].SubDomain = sub
	}
	return out.Devices, err
}
