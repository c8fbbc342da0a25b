package ui

import (
	"context"
	"time"

	"acconsole/models"
)

// API is everything the console asks of a cloud. The real implementation
// (NewAPI) sits on acapi; tests use an in-memory fake. Every string it
// returns was sanitised by acapi at decode time.
type API interface {
	// Write mode: the guard lives in acapi, the console only switches it.
	ReadOnly() bool
	SetReadOnly(on bool)

	// CountUsers is the number of users (the cloud keeps it: no scan).
	CountUsers(ctx context.Context) (int64, error)
	// ListUsers is a page of users in id order, from the first id above
	// afterID.
	ListUsers(ctx context.Context, afterID int64, limit int) ([]models.User, error)
	// FindUser resolves a user id, phone, email or WeChat OpenID.
	FindUser(ctx context.Context, query string) (models.User, error)
	UserDetail(ctx context.Context, userID int64) (UserDetail, error)

	Homes(ctx context.Context, userID int64) ([]models.Home, error)
	Rooms(ctx context.Context, userID, homeID int64) ([]models.Room, error)
	HomeDevices(ctx context.Context, userID, homeID int64) ([]models.Device, error)
	RoomDevices(ctx context.Context, userID, homeID, roomID int64) ([]models.Device, error)
	// UserDevices is a page of a user's devices in id order, from the first
	// id above afterID, and how many the user has in all.
	UserDevices(ctx context.Context, userID, afterID int64, limit int) ([]models.Device, int64, error)

	FleetCount(ctx context.Context) (int64, error)
	Fleet(ctx context.Context, offset, limit int) ([]FleetDevice, error)
	DeviceDetail(ctx context.Context, ref DeviceRef) (DeviceDetail, error)
	// FindDevices resolves a physical id in any letter case or a MAC to
	// warehouse records; no match is an error.
	FindDevices(ctx context.Context, query string) ([]models.DeviceInfo, error)

	Gateways(ctx context.Context, userID int64) ([]models.Device, error)

	RenameDevice(ctx context.Context, ref DeviceRef, name string) error
	UnbindUser(ctx context.Context, ref DeviceRef, userID int64) error
	ChangeOwner(ctx context.Context, ref DeviceRef, newOwner int64) error
	SetDeviceProfile(ctx context.Context, ref DeviceRef, key string, value any) error
	AddDeviceToHome(ctx context.Context, ref DeviceRef, homeID int64) error
	MoveDeviceToRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error
	RemoveDeviceFromRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error

	CreateHome(ctx context.Context, userID int64, name string) error
	RenameHome(ctx context.Context, userID, homeID int64, name string) error
	DeleteHome(ctx context.Context, userID, homeID int64) error
	CreateRoom(ctx context.Context, userID, homeID int64, name string) error
	RenameRoom(ctx context.Context, userID, homeID, roomID int64, name string) error
	DeleteRoom(ctx context.Context, userID, homeID, roomID int64) error

	SetUserProfile(ctx context.Context, userID int64, key string, value any) error
	SendVerifyCode(ctx context.Context, account string) error
	BindPhone(ctx context.Context, userID int64, phone, code string) error

	Outbox(ctx context.Context, limit int) ([]OutboxEntry, error)
	WorkflowAPI // api_workflows.go
}

// DeviceRef names a device and the user through whom the console reaches
// it (0 = developer scope).
type DeviceRef struct {
	UserID     int64
	DeviceID   int64
	SubDomain  string
	PhysicalID string
}

// UserDetail is what the user page shows above its devices (which it
// loads a page at a time with UserDevices).
type UserDetail struct {
	User    models.User
	Profile map[string]any
	OpenIDs []models.OpenID
	Homes   []models.Home
}

// FleetDevice is a warehouse row with what the cloud knows of its binding.
type FleetDevice struct {
	Info          models.DeviceInfo
	DeviceID      int64
	Name          string
	Owner         int64
	OwnerNickName string
	Online        bool
}

// DeviceDetail is what the device page shows.
type DeviceDetail struct {
	Device     models.Device
	Info       models.DeviceInfo
	Users      []models.DeviceUser
	Profile    map[string]any
	Online     bool
	SubDevices []models.Device
	// Unbound: a warehouse record nobody has bound; Device holds only
	// the physical id and product.
	Unbound bool
	// HomeName names Device.RootID; Rooms are the rooms of that home and
	// RoomID/RoomName the one the device is in (0/"" when none).
	HomeName string
	Rooms    []models.Room
	RoomID   int64
	RoomName string
}

// OutboxEntry is a verify code the local cloud "sent".
type OutboxEntry struct {
	Account  string
	Code     string
	Template int
	SentAt   time.Time
}
