package ui

import (
	"acconsole/catalog"
	"acconsole/models"
)

// How the workflows reach a device: for whom, and what it is.

// ownerOf finds the device's owner among its users.
func ownerOf(d DeviceDetail) (models.DeviceUser, bool) {
	for _, u := range d.Users {
		if u.UserType == 1 {
			return u, true
		}
	}
	return models.DeviceUser{}, false
}

// actingRef is the device as the workflows reach it: for the user the
// console came through, else for the owner (as the device page does for
// rename), with every id filled in from the loaded detail.
func actingRef(ref DeviceRef, d DeviceDetail) DeviceRef {
	r := DeviceRef{UserID: ref.UserID, DeviceID: d.Device.DeviceID, SubDomain: d.Device.SubDomainName, PhysicalID: d.Device.PhysicalDeviceID}
	if r.DeviceID == 0 {
		r.DeviceID = ref.DeviceID
	}
	if r.SubDomain == "" {
		r.SubDomain = ref.SubDomain
	}
	if r.PhysicalID == "" {
		r.PhysicalID = ref.PhysicalID
	}
	if r.UserID == 0 {
		if o, ok := ownerOf(d); ok {
			r.UserID = o.UserID
		}
	}
	return r
}

// looksLikeGateway decides whether the device page offers pairing: a
// device with sub-devices, or of a product whose state report has a
// pairing window.
func looksLikeGateway(d *DeviceDetail) bool {
	if d == nil || d.Device.IsSubDevice() {
		return false
	}
	if len(d.SubDevices) > 0 {
		return true
	}
	_, _, ok := catalog.PairingWindow(d.Device.SubDomainName)
	return ok
}
