package acapi

import "acconsole/models"

// Wire names that PROTOCOL.md marks INFERRED live here and only here, so a
// correction is one edit (PROTOCOL "How to use this document").
const (
	svcAccount   = "zc-account"
	svcBind      = "zc-bind"
	svcTimer     = "zc-timer-task"
	svcOTA       = "zc-ota"
	svcWarehouse = "zc-warehouse"
	svcProduct   = "zc-product"

	// zc-account developer methods (Q2: Java names used as wire names).
	mGetVerifyCode         = "getVerifyCode"
	mGetAccountInfo        = "getAccountInfo"
	mGetIDByAccount        = "getIdByAccount"
	mGetAccountCount       = "getAccountCount"
	mListAllAccounts       = "listAllAccounts"
	mRegisterWithOpenID    = "registerWithOpenId"
	mGetUserOpenID         = "getUserOpenId"
	mGetWholeUserProfile   = "getWholeUserProfile"
	mGetProfilesByUserList = "getProfilesByUserList"
	mClearUsers            = "clearUsers"

	// Result keys (Q3).
	keyExist     = "exist"
	keyValid     = "valid"
	keyShareCode = "shareCode"
	keyIsBound   = "isBound"

	// sendVerifyCode's timeout key (PHP only).
	keyVerifyTimeout = "timeout"
)

// Device-side names (PROTOCOL §2.2–§2.7) that the protocol marks INFERRED, or
// that only the local cloud offers. The CONFIRMED method names and keys are
// written where they are used.
const (
	// zc-bind lookups known only from the Java/PHP API names (Q2).
	mGetDeviceID   = "getDeviceId"
	mGetUserDevice = "getUserDevice"

	// zc-warehouse developer methods (Q2) and their keys.
	mGetDevicesInfo       = "getDevicesInfo"
	mGetDeviceCount       = "getDeviceCount"
	mWarehouseListDevices = "listDevices"
	keyPhysicalIDs        = "physicalDeviceIds"
	keyCount              = "count"
	keyOffset             = "offset"
	keyLimit              = "limit"

	// zc-product: the PHP-only product list (Q2).
	mGetDomainProducts = "getDomainProducts"

	// Local extensions: the local cloud offers these, a real AbleCloud
	// router answers 3010 for them.
	//
	// zc-warehouse listDevicesExt pages the fleet with each device's binding
	// (deviceId, owner, ownerNickName, name, online), so the console's fleet
	// view needs one call per page instead of one per device.
	mWarehouseListDevicesExt = "listDevicesExt"
	// keySendTimeout asks the cloud to wait this many milliseconds for a
	// device's reply to sendToDevice (the protocol has no such key; a real
	// router ignores it and uses its own timeout).
	keySendTimeout = "timeout"
)

// wireDevice is a device object as it may arrive (PROTOCOL §3.2). The
// sub-domain name key is INFERRED (Q13: subDomainName, or subDomain), and
// masterDeviceId is the legacy name of gatewayDeviceId in old JS docs.
type wireDevice struct {
	models.Device
	SubDomainAlias string `json:"subDomain"`
	MasterDeviceID int64  `json:"masterDeviceId"`
}

// deviceKeys are the keys wireDevice reads; listDevicesExt keeps every
// other key of an entry as an extra.
var deviceKeys = map[string]bool{
	"deviceId": true, "physicalDeviceId": true, "name": true, "owner": true, "subDomainId": true,
	"subDomainName": true, "subDomain": true, "aesKey": true, "gatewayDeviceId": true,
	"masterDeviceId": true, "rootId": true, "status": true,
}

// device folds the aliases into the canonical fields.
func (w wireDevice) device() models.Device {
	d := w.Device
	if d.SubDomainName == "" {
		d.SubDomainName = w.SubDomainAlias
	}
	if d.GatewayDeviceID == 0 && w.MasterDeviceID != 0 {
		d.GatewayDeviceID = w.MasterDeviceID
	}
	return d
}

func devices(ws []wireDevice) []models.Device {
	out := make([]models.Device, len(ws))
	for i, w := range ws {
		out[i] = w.device()
	}
	return out
}

// Response envelopes whose list keys are INFERRED (listGateways by analogy
// with listDevices; listRooms by symmetry with listHomes; getDomainProducts
// and the warehouse lists from the PHP names).
type (
	gatewaysResult struct {
		Devices []wireDevice `json:"devices"`
	}
	roomsResult struct {
		Rooms []models.Room `json:"rooms"`
	}
	productsResult struct {
		Products []models.Product `json:"products"`
	}
	warehouseDevicesResult struct {
		Devices []models.DeviceInfo `json:"devices"`
	}
	fleetResult struct {
		Devices []models.FleetDevice `json:"devices"`
	}
	countResult struct {
		Count int64 `json:"count"`
	}
	deviceIDResult struct {
		DeviceID int64 `json:"deviceId"`
	}
)

// Timer and OTA names: the INFERRED keys of §3.6 (Q5) and the local
// extensions of the local cloud (PROTOCOL-EXTENSIONS.md); a real AbleCloud
// router answers 3010 for the extensions.
const (
	mListTaskHistory  = "listTaskHistory"
	mGetUpgradeStatus = "getUpgradeStatus"
	mListUpgrades     = "listUpgrades"
	mIgnoreUpdate     = "ignoreUpdate"
	// keyPeek on checkUpdate asks the local cloud to answer without
	// recording an offer (which would start or slide the user's confirm
	// window): a console looking on the user's behalf is not the user
	// being offered the update. A real router ignores the key.
	keyPeek = "peek"

	// taskType values (§3.5 recommends them; clients treat them as opaque).
	taskTypeCloud  = "cloud"
	taskTypeDevice = "device"
)
