package ui

import "acconsole/acapi"

// NewAPI is the console's view of a real (or the local) AbleCloud router:
// API (api.go) over acapi, in one file per concern (acapi_*.go).
func NewAPI(c *acapi.Client) API { return &clientAPI{c: c} }

type clientAPI struct{ c *acapi.Client }

func (x *clientAPI) ReadOnly() bool      { return x.c.ReadOnly() }
func (x *clientAPI) SetReadOnly(on bool) { x.c.SetReadOnly(on) }

// as is the client acting for a user (0 = the developer, no user).
func (x *clientAPI) as(userID int64) *acapi.Client {
	if userID == 0 {
		return x.c
	}
	return x.c.As(userID)
}
