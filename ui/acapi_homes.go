package ui

import (
	"context"
	"time"

	"acconsole/models"
)

func (x *clientAPI) Homes(ctx context.Context, userID int64) ([]models.Home, error) {
	return x.c.As(userID).Home().ListHomes(ctx)
}

func (x *clientAPI) Rooms(ctx context.Context, userID, homeID int64) ([]models.Room, error) {
	return x.c.As(userID).Home().ListRooms(ctx, homeID)
}

func (x *clientAPI) HomeDevices(ctx context.Context, userID, homeID int64) ([]models.Device, error) {
	return x.c.As(userID).Home().ListHomeDevices(ctx, homeID, true)
}

func (x *clientAPI) RoomDevices(ctx context.Context, userID, homeID, roomID int64) ([]models.Device, error) {
	return x.c.As(userID).Home().ListRoomDevices(ctx, homeID, roomID, true)
}

func (x *clientAPI) AddDeviceToHome(ctx context.Context, ref DeviceRef, homeID int64) error {
	_, err := x.c.As(ref.UserID).Home().AddDeviceToHome(ctx, homeID, ref.DeviceID, "")
	return err
}

func (x *clientAPI) MoveDeviceToRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error {
	return x.c.As(ref.UserID).Home().MoveDeviceToRoom(ctx, homeID, roomID, ref.DeviceID)
}

func (x *clientAPI) RemoveDeviceFromRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error {
	return x.c.As(ref.UserID).Home().RemoveDeviceFromRoom(ctx, homeID, roomID, ref.DeviceID)
}

func (x *clientAPI) CreateHome(ctx context.Context, userID int64, name string) error {
	_, err := x.c.As(userID).Home().CreateHome(ctx, name)
	return err
}

func (x *clientAPI) RenameHome(ctx context.Context, userID, homeID int64, name string) error {
	return x.c.As(userID).Home().ChangeHomeName(ctx, homeID, name)
}

func (x *clientAPI) DeleteHome(ctx context.Context, userID, homeID int64) error {
	return x.c.As(userID).Home().DeleteHome(ctx, homeID)
}

func (x *clientAPI) CreateRoom(ctx context.Context, userID, homeID int64, name string) error {
	_, err := x.c.As(userID).Home().CreateRoom(ctx, homeID, name)
	return err
}

func (x *clientAPI) RenameRoom(ctx context.Context, userID, homeID, roomID int64, name string) error {
	return x.c.As(userID).Home().ChangeRoomName(ctx, homeID, roomID, name)
}

func (x *clientAPI) DeleteRoom(ctx context.Context, userID, homeID, roomID int64) error {
	return x.c.As(userID).Home().DeleteRoom(ctx, homeID, roomID)
}

func (x *clientAPI) HomeShareCode(ctx context.Context, userID, homeID int64, valid time.Duration) (string, error) {
	return x.as(userID).Home().GetHomeShareCode(ctx, homeID, int(valid/time.Second))
}
