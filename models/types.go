// Package models holds the domain types shared by the client (acapi), the local
// cloud (cloud), the WeChat bridge and the console, with their JSON wire keys
// (PROTOCOL §3) and the pure rules around them. It imports the standard library
// only.
package models

import "time"

// TimeLayout is the wire format of every date-time (PROTOCOL §3.9).
const TimeLayout = "2006-01-02 15:04:05"

// FormatTime renders t in UTC in the wire layout; the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ParseTime reads a UTC wire date-time; "" is the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(TimeLayout, s, time.UTC)
}

// OpenID providers (PROTOCOL §3.1).
var Providers = []string{"qq", "weibo", "weixin", "jingdong", "facebook", "twitter", "instagram", "other"}

// ValidProvider reports whether p is a known OpenID provider.
func ValidProvider(p string) bool {
	for _, q := range Providers {
		if p == q {
			return true
		}
	}
	return false
}

// User is an AbleCloud account as the account service returns it. Token
// fields are filled only by login-like calls.
type User struct {
	UserID             int64  `json:"userId"`
	NickName           string `json:"nickName"`
	Email              string `json:"email,omitempty"`
	Phone              string `json:"phone,omitempty"`
	Token              string `json:"token,omitempty"`
	TokenExpire        string `json:"tokenExpire,omitempty"`
	RefreshToken       string `json:"refreshToken,omitempty"`
	RefreshTokenExpire string `json:"refreshTokenExpire,omitempty"`
	CreateTime         string `json:"createTime,omitempty"`
}

// OpenID links an account to a third-party identity.
type OpenID struct {
	OpenID   string `json:"openId"`
	Provider string `json:"provider"`
	UnionID  string `json:"unionId,omitempty"`
}

// Token is the result of updateAccessToken.
type Token struct {
	Token              string `json:"token"`
	TokenExpire        string `json:"tokenExpire"`
	RefreshToken       string `json:"refreshToken"`
	RefreshTokenExpire string `json:"refreshTokenExpire"`
}

// Device is a user-device binding as zc-bind returns it (PROTOCOL §3.2).
type Device struct {
	DeviceID         int64  `json:"deviceId"`
	PhysicalDeviceID string `json:"physicalDeviceId"`
	Name             string `json:"name"`
	Owner            int64  `json:"owner"`
	SubDomainID      int64  `json:"subDomainId"`
	SubDomainName    string `json:"subDomainName,omitempty"`
	AESKey           string `json:"aesKey,omitempty"`
	GatewayDeviceID  int64  `json:"gatewayDeviceId"`
	RootID           int64  `json:"rootId"`
	// Status is present only when asked for: 0 offline, 1 online.
	Status *int `json:"status,omitempty"`
}

// IsSubDevice reports whether the device hangs off a gateway.
func (d Device) IsSubDevice() bool {
	return d.GatewayDeviceID != 0 && d.GatewayDeviceID != d.DeviceID
}

// Online reports the status when it was asked for.
func (d Device) Online() bool { return d.Status != nil && *d.Status != 0 }

// NewDevice is a sub-device that joined a gateway but was not added yet.
type NewDevice struct {
	SubDomainID      string `json:"subDomainId"`
	PhysicalDeviceID string `json:"physicalDeviceId"`
}

// DeviceUser is an entry of listUsers (PROTOCOL §3.3).
type DeviceUser struct {
	UserID   int64  `json:"userId"`
	DeviceID int64  `json:"deviceId"`
	UserType int    `json:"userType"` // 0 ordinary, 1 owner
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	NickName string `json:"nickName"`
}

// Home is a group of devices with members (PROTOCOL §3.4).
type Home struct {
	HomeID int64  `json:"homeId"`
	Owner  int64  `json:"owner"`
	Name   string `json:"name"`
}

// Room groups devices inside a home.
type Room struct {
	HomeID int64  `json:"homeId"`
	RoomID int64  `json:"roomId"`
	Owner  int64  `json:"owner"`
	Name   string `json:"name"`
}

// HomeUser is a member of a home.
type HomeUser struct {
	UserID   int64  `json:"userId"`
	HomeID   int64  `json:"homeId"`
	UserType int    `json:"userType"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	NickName string `json:"nickName"`
}

// DeviceInfo is a warehouse record (PROTOCOL §3.7).
type DeviceInfo struct {
	Domain           string  `json:"domain"`
	SubDomain        string  `json:"subDomain"`
	SubDomainName    string  `json:"subDomainName,omitempty"`
	PhysicalDeviceID string  `json:"physicalDeviceId"`
	Type             string  `json:"type"`
	IPAddr           string  `json:"ipAddr"`
	MAC              string  `json:"mac"`
	DevVersion       string  `json:"devVersion"`
	ModVersion       string  `json:"modVersion"`
	ActiveTime       string  `json:"activeTime"`
	LastOnlineTime   string  `json:"lastOnlineTime"`
	Country          string  `json:"country"`
	Province         string  `json:"province"`
	City             string  `json:"city"`
	Street           string  `json:"street"`
	Status           int     `json:"status"` // 0 not exist, 1 not activated, 2 activated
	Latitude         float64 `json:"latitude,omitempty"`
	Longitude        float64 `json:"longitude,omitempty"`
}

// FleetDevice is a warehouse record with what the cloud knows of its
// binding: an entry of the local extension zc-warehouse/listDevicesExt.
type FleetDevice struct {
	DeviceInfo
	DeviceID      int64  `json:"deviceId"` // 0 when nobody has bound it
	Owner         int64  `json:"owner"`    // 0 when unowned
	OwnerNickName string `json:"ownerNickName"`
	Name          string `json:"name"`
	Online        bool   `json:"online"`
}

// Product is a sub-domain of the developer's major domain (PROTOCOL §3.8).
type Product struct {
	DomainID          string `json:"domainId"`
	DomainName        string `json:"domainName"`
	SubDomainID       string `json:"subDomainId"`
	SubDomainName     string `json:"subDomainName"`
	Name              string `json:"name"`
	Type              string `json:"type"`
	DataProtocol      string `json:"dataProtocol"`
	TransportProtocol string `json:"transportProtocol"`
	Model             string `json:"model"`
	OS                string `json:"os"`
	ConnectProtocol   string `json:"connectProtocol"`
	Description       string `json:"description"`
	ThirdCloud        string `json:"thirdCloud"`
	SecType           string `json:"secType"`
	Category          int    `json:"category"`
	DeviceMode        int    `json:"deviceMode"`
	TaskMode          int    `json:"taskMode"`
	TaskUpdatePolicy  int    `json:"taskUpdatePolicy"`
}

// DataPoint describes one field of a product's messages.
type DataPoint struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description,omitempty"`
}

// TimerTask is a timer as zc-timer-task returns it (PROTOCOL §3.5).
type TimerTask struct {
	TaskID      int64  `json:"taskId"`
	TaskType    string `json:"taskType"`
	UserID      int64  `json:"userId"`
	NickName    string `json:"nickName"`
	Name        string `json:"name"`
	Description string `json:"description"`
	TimeZone    string `json:"timeZone"`
	TimePoint   string `json:"timePoint"`
	TimeCycle   string `json:"timeCycle"`
	CreateTime  string `json:"createTime"`
	ModifyTime  string `json:"modifyTime"`
	Status      int    `json:"status"` // 0 stopped, 1 running, 2 frozen
	// Request-side fields; the local cloud also returns them.
	DeviceID    int64  `json:"deviceId,omitempty"`
	MessageCode int    `json:"messageCode,omitempty"`
	TaskFlag    int    `json:"taskFlag"`
	Payload     []byte `json:"-"`
}

// Timer task states.
const (
	TaskStopped = 0
	TaskRunning = 1
	TaskFrozen  = 2
)

// OTAFile is a file of a firmware version.
type OTAFile struct {
	Name        string `json:"name"`
	DownloadURL string `json:"downloadUrl"`
	Type        int    `json:"type"`
	Checksum    int64  `json:"checksum"`
}

// OTAVersion is the result of checkUpdate (PROTOCOL §3.6).
type OTAVersion struct {
	Update         int       `json:"update"`
	CurrentVersion string    `json:"currentVersion"`
	TargetVersion  string    `json:"targetVersion"`
	Status         int       `json:"status"`
	OTAMode        int       `json:"otaMode"` // 0 silent, 1 confirm, 2 forced
	UpgradeLog     string    `json:"upgradeLog"`
	Files          []OTAFile `json:"files"`
	// IgnoredVersion and IgnoredUntil say that the owner declined that
	// version until then (local cloud extension; empty otherwise).
	IgnoredVersion string `json:"ignoredVersion,omitempty"`
	IgnoredUntil   string `json:"ignoredUntil,omitempty"`
}

// CanUpdate reports whether a newer version is on offer.
func (v OTAVersion) CanUpdate() bool {
	return v.Update == 1 || (v.TargetVersion != "" && CompareVersions(v.TargetVersion, v.CurrentVersion) > 0)
}

// CompareVersions orders dash- or dot-separated numeric versions ("1-0-2").
func CompareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func versionParts(v string) []int {
	var out []int
	n, have := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
			have = true
			continue
		}
		if have {
			out = append(out, n)
		}
		n, have = 0, false
	}
	if have {
		out = append(out, n)
	}
	return out
}
