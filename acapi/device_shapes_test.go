package acapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

// seenRequest is what a fake router received.
type seenRequest struct {
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	Body     []byte
}

// fakeRouter records every request and answers from a function, so a test
// sees the exact wire form the client produced.
type fakeRouter struct {
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []seenRequest
	answer func(seenRequest) (hdr map[string]string, body string)
}

func newFakeRouter(t *testing.T, answer func(seenRequest) (map[string]string, string)) *fakeRouter {
	t.Helper()
	f := &fakeRouter{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seenRequest{Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		f.mu.Lock()
		f.seen = append(f.seen, s)
		f.mu.Unlock()
		hdr, out := map[string]string{"X-Zc-Msg-Name": "X-Zc-Ack", "Content-Type": "application/x-zc-object"}, "{}"
		if f.answer != nil {
			h, b := f.answer(s)
			for k, v := range h {
				hdr[k] = v
			}
			out = b
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		io.WriteString(w, out)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRouter) last(t *testing.T) seenRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		t.Fatal("no request reached the fake router")
	}
	return f.seen[len(f.seen)-1]
}

func (f *fakeRouter) client(t *testing.T, audit acapi.Auditor) *acapi.Client {
	t.Helper()
	c, err := acapi.New(acapi.Config{Routers: []string{f.srv.URL}, DeveloperID: 7, AccessKey: "ak", SecretKey: "sk",
		MajorDomain: "acme", SubDomain: "dflt", Timeout: 5 * time.Second, Auditor: audit, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// deviceCall is one method of the device side with the request it must
// produce.
type deviceCall struct {
	name     string
	call     func(ctx context.Context, c *acapi.Client) error
	method   string // service/method
	sub      string // expected X-Zc-Sub-Domain
	params   map[string]any
	mutating bool
	devScope bool // developer-signed with no acting user
}

// deviceCalls lists every device-side method. Sub-domain expectations:
// "plug" where the call names the device's product, "" where the protocol
// sends an empty one (the test client's default product is "dflt", so a
// call that wrongly falls back to it shows).
func deviceCalls() []deviceCall {
	return []deviceCall{
		// §2.2.1
		{"BindDevice", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().BindDevice(ctx, "plug", "AB01", "Lamp")
			return err
		}, "zc-bind/bindDevice", "plug", map[string]any{"physicalDeviceId": "AB01", "name": "Lamp"}, true, false},
		{"BindGateway", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().BindGateway(ctx, "gateway", "GW01", "Hub")
			return err
		}, "zc-bind/bindGateway", "gateway", map[string]any{"physicalDeviceId": "GW01", "name": "Hub"}, true, false},
		{"BindDeviceWithShareCode", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().BindDeviceWithShareCode(ctx, "abc#3")
			return err
		}, "zc-bind/bindDeviceWithShareCode", "", map[string]any{"shareCode": "abc#3"}, true, false},
		{"BindDeviceWithUser", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().BindDeviceWithUser(ctx, "plug", 3, "13800000001")
		}, "zc-bind/bindDeviceWithUser", "plug", map[string]any{"deviceId": 3, "account": "13800000001"}, true, false},
		{"UnbindDevice", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().UnbindDevice(ctx, "plug", 3)
		}, "zc-bind/unbindDevice", "plug", map[string]any{"deviceId": 3}, true, false},
		{"UnbindGateway", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().UnbindGateway(ctx, "gateway", 4)
		}, "zc-bind/unbindGateway", "gateway", map[string]any{"deviceId": 4}, true, false},
		{"UnbindDeviceWithUser", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().UnbindDeviceWithUser(ctx, "plug", 3, 9)
		}, "zc-bind/unbindDeviceWithUser", "plug", map[string]any{"deviceId": 3, "userId": 9}, true, false},
		{"ChangeOwner", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().ChangeOwner(ctx, "plug", 3, 9)
		}, "zc-bind/changeOwner", "plug", map[string]any{"deviceId": 3, "userId": 9}, true, false},
		{"ChangeDevice", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().ChangeDevice(ctx, "plug", 3, "AB02")
		}, "zc-bind/changeDevice", "plug", map[string]any{"deviceId": 3, "physicalDeviceId": "AB02"}, true, false},
		{"ModifyDevice", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().ModifyDevice(ctx, "plug", 3, "Desk lamp")
		}, "zc-bind/modifyDevice", "plug", map[string]any{"deviceId": 3, "name": "Desk lamp"}, true, false},
		{"UpdateAccessKey", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().UpdateAccessKey(ctx, "plug", 3)
		}, "zc-bind/updateAccessKey", "plug", map[string]any{"deviceId": 3}, true, false},
		// §2.2.2
		{"GetShareCode", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().GetShareCode(ctx, "plug", 3, 60)
			return err
		}, "zc-bind/getShareCode", "plug", map[string]any{"deviceId": 3, "timeout": 60}, true, false},
		// §2.2.3
		{"ListDevices", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().ListDevices(ctx, true)
			return err
		}, "zc-bind/listDevices", "", map[string]any{"status": true}, false, false},
		{"ListDevicesExt", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().ListDevicesExt(ctx, false)
			return err
		}, "zc-bind/listDevicesExt", "", map[string]any{"status": false}, false, false},
		{"ListGateways", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().ListGateways(ctx, "gateway")
			return err
		}, "zc-bind/listGateways", "gateway", map[string]any{}, false, false},
		{"ListSubDevices", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().ListSubDevices(ctx, "gateway", 4)
			return err
		}, "zc-bind/listSubDevices", "gateway", map[string]any{"gatewayDeviceId": 4}, false, false},
		{"ListNewDevices", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().ListNewDevices(ctx, "gateway", 4)
			return err
		}, "zc-bind/listNewDevices", "gateway", map[string]any{"gatewayDeviceId": 4}, false, false},
		{"ListUsers", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().ListUsers(ctx, "plug", 3)
			return err
		}, "zc-bind/listUsers", "plug", map[string]any{"deviceId": 3}, false, false},
		{"IsDeviceOnline", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().IsDeviceOnline(ctx, "plug", 3, "AB01")
			return err
		}, "zc-bind/isDeviceOnline", "plug", map[string]any{"deviceId": 3, "physicalDeviceId": "AB01"}, false, false},
		{"IsDeviceOnlineByID", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().IsDeviceOnline(ctx, "plug", 3, "")
			return err
		}, "zc-bind/isDeviceOnline", "plug", map[string]any{"deviceId": 3}, false, false},
		{"IsDeviceOnlineByPhysicalID", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().IsDeviceOnline(ctx, "plug", 0, "AB01")
			return err
		}, "zc-bind/isDeviceOnline", "plug", map[string]any{"physicalDeviceId": "AB01"}, false, false},
		{"IsDeviceBound", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().IsDeviceBound(ctx, "plug", "AB01")
			return err
		}, "zc-bind/isDeviceBound", "plug", map[string]any{"physicalDeviceId": "AB01"}, false, false},
		{"GetDeviceID", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().GetDeviceID(ctx, "plug", "AB01")
			return err
		}, "zc-bind/getDeviceId", "plug", map[string]any{"physicalDeviceId": "AB01"}, false, false},
		{"GetUserDevice", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().GetUserDevice(ctx, "plug", 3)
			return err
		}, "zc-bind/getUserDevice", "plug", map[string]any{"deviceId": 3}, false, false},
		// §2.2.4
		{"OpenGatewayMatch", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().OpenGatewayMatch(ctx, "gateway", 4, 30)
		}, "zc-bind/openGatewayMatch", "gateway", map[string]any{"gatewayDeviceId": 4, "time": 30}, true, false},
		{"CloseGatewayMatch", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().CloseGatewayMatch(ctx, "gateway", 4)
		}, "zc-bind/closeGatewayMatch", "gateway", map[string]any{"gatewayDeviceId": 4}, true, false},
		{"AddSubDevice", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().AddSubDevice(ctx, "bulb", 4, "BB01", "Bulb")
			return err
		}, "zc-bind/addSubDevice", "bulb", map[string]any{"gatewayDeviceId": 4, "physicalDeviceId": "BB01", "name": "Bulb"}, true, false},
		{"DeleteSubDevice", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().DeleteSubDevice(ctx, "bulb", 5)
		}, "zc-bind/deleteSubDevice", "bulb", map[string]any{"deviceId": 5}, true, false},
		{"EvictSubDevice", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().EvictSubDevice(ctx, "gateway", 4, "BB01")
		}, "zc-bind/evictSubDevice", "gateway", map[string]any{"gatewayDeviceId": 4, "physicalDeviceId": "BB01"}, true, false},
		// §2.2.5
		{"SetDeviceProfile", func(ctx context.Context, c *acapi.Client) error {
			return c.Bind().SetDeviceProfile(ctx, "plug", 3, map[string]any{"room": "hall", "watts": 60})
		}, "zc-bind/setDeviceProfile", "plug", map[string]any{"deviceId": 3, "deviceProfile": map[string]any{"room": "hall", "watts": 60}}, true, false},
		{"GetDeviceProfile", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().GetDeviceProfile(ctx, "plug", 3)
			return err
		}, "zc-bind/getDeviceProfile", "plug", map[string]any{"deviceId": 3}, false, false},
		// §2.2.6 (query-string form; its query is checked in its own test)
		{"SendToDevice", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Bind().SendToDevice(ctx, "plug", 3, "", 66, []byte{1})
			return err
		}, "zc-bind/sendToDevice", "plug", nil, true, false},
		// §2.3
		{"CreateHome", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().CreateHome(ctx, "Flat")
			return err
		}, "zc-bind/createHome", "", map[string]any{"name": "Flat"}, true, false},
		{"DeleteHome", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().DeleteHome(ctx, 11)
		}, "zc-bind/deleteHome", "", map[string]any{"homeId": 11}, true, false},
		{"ChangeHomeName", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().ChangeHomeName(ctx, 11, "House")
		}, "zc-bind/changeHomeName", "", map[string]any{"homeId": 11, "name": "House"}, true, false},
		{"CreateRoom", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().CreateRoom(ctx, 11, "Kitchen")
			return err
		}, "zc-bind/createRoom", "", map[string]any{"homeId": 11, "name": "Kitchen"}, true, false},
		{"DeleteRoom", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().DeleteRoom(ctx, 11, 12)
		}, "zc-bind/deleteRoom", "", map[string]any{"homeId": 11, "roomId": 12}, true, false},
		{"ChangeRoomName", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().ChangeRoomName(ctx, 11, 12, "Study")
		}, "zc-bind/changeRoomName", "", map[string]any{"homeId": 11, "roomId": 12, "name": "Study"}, true, false},
		{"AddDeviceToHome", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().AddDeviceToHome(ctx, 11, 3, "Lamp")
			return err
		}, "zc-bind/addDeviceToHome", "", map[string]any{"homeId": 11, "deviceId": 3, "name": "Lamp"}, true, false},
		{"AddDeviceToHomeByPhysicalID", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().AddDeviceToHomeByPhysicalID(ctx, "plug", 11, "AB01", "Lamp")
			return err
		}, "zc-bind/addDeviceToHome", "plug", map[string]any{"homeId": 11, "physicalDeviceId": "AB01", "name": "Lamp"}, true, false},
		{"DeleteDeviceFromHome", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().DeleteDeviceFromHome(ctx, 11, 3)
		}, "zc-bind/deleteDeviceFromHome", "", map[string]any{"homeId": 11, "deviceId": 3}, true, false},
		{"MoveDeviceToRoom", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().MoveDeviceToRoom(ctx, 11, 12, 3)
		}, "zc-bind/moveDeviceToRoom", "", map[string]any{"homeId": 11, "roomId": 12, "deviceId": 3}, true, false},
		{"RemoveDeviceFromRoom", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().RemoveDeviceFromRoom(ctx, 11, 12, 3)
		}, "zc-bind/removeDeviceFromRoom", "", map[string]any{"homeId": 11, "roomId": 12, "deviceId": 3}, true, false},
		{"GetHomeShareCode", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().GetHomeShareCode(ctx, 11, 0)
			return err
		}, "zc-bind/getHomeShareCode", "", map[string]any{"homeId": 11}, true, false},
		{"JoinHomeWithShareCode", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().JoinHomeWithShareCode(ctx, "xyz#11")
			return err
		}, "zc-bind/joinHomeWithShareCode", "", map[string]any{"shareCode": "xyz#11"}, true, false},
		{"AddUserToHome", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().AddUserToHome(ctx, 11, "a@example.com")
		}, "zc-bind/addUserToHome", "", map[string]any{"homeId": 11, "account": "a@example.com"}, true, false},
		{"RemoveUserFromHome", func(ctx context.Context, c *acapi.Client) error {
			return c.Home().RemoveUserFromHome(ctx, 11, 9)
		}, "zc-bind/removeUserFromHome", "", map[string]any{"homeId": 11, "userId": 9}, true, false},
		{"ListHomes", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().ListHomes(ctx)
			return err
		}, "zc-bind/listHomes", "", map[string]any{}, false, false},
		{"ListRooms", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().ListRooms(ctx, 11)
			return err
		}, "zc-bind/listRooms", "", map[string]any{"homeId": 11}, false, false},
		{"ListHomeDevices", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().ListHomeDevices(ctx, 11, true)
			return err
		}, "zc-bind/listHomeDevices", "", map[string]any{"homeId": 11, "status": true}, false, false},
		{"ListRoomDevices", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().ListRoomDevices(ctx, 11, 12, false)
			return err
		}, "zc-bind/listRoomDevices", "", map[string]any{"homeId": 11, "roomId": 12, "status": false}, false, false},
		{"ListHomeUsers", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Home().ListHomeUsers(ctx, 11)
			return err
		}, "zc-bind/listHomeUsers", "", map[string]any{"homeId": 11}, false, false},
		// §2.6
		{"ActivateDevice", func(ctx context.Context, c *acapi.Client) error {
			return c.Warehouse().ActivateDevice(ctx, "plug", acapi.Activation{PhysicalDeviceID: "AB01", DevVersion: "1-0-0", MAC: "AA:BB"})
		}, "zc-warehouse/activateDevice", "plug", map[string]any{"physicalDeviceId": "AB01", "devVersion": "1-0-0", "mac": "AA:BB"}, true, false},
		{"GetDeviceInfo", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Warehouse().GetDeviceInfo(ctx, "plug", "AB01")
			return err
		}, "zc-warehouse/getDeviceInfo", "plug", map[string]any{"physicalDeviceId": "AB01"}, false, true},
		{"GetDevicesInfo", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Warehouse().GetDevicesInfo(ctx, []string{"AB01", "AB02"})
			return err
		}, "zc-warehouse/getDevicesInfo", "", map[string]any{"physicalDeviceIds": []any{"AB01", "AB02"}}, false, true},
		{"GetDeviceCount", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Warehouse().GetDeviceCount(ctx, "")
			return err
		}, "zc-warehouse/getDeviceCount", "", map[string]any{}, false, true},
		{"GetDeviceCountOfProduct", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Warehouse().GetDeviceCount(ctx, "plug")
			return err
		}, "zc-warehouse/getDeviceCount", "plug", map[string]any{}, false, true},
		{"WarehouseListDevices", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Warehouse().ListDevices(ctx, "", 200, 100)
			return err
		}, "zc-warehouse/listDevices", "", map[string]any{"offset": 200, "limit": 100}, false, true},
		{"WarehouseListDevicesExt", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Warehouse().ListDevicesExt(ctx, "plug", 0, 50)
			return err
		}, "zc-warehouse/listDevicesExt", "plug", map[string]any{"offset": 0, "limit": 50}, false, true},
		// §2.7
		{"GetSubDomainDataPoints", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Product().GetSubDomainDataPoints(ctx, "plug")
			return err
		}, "zc-product/getSubDomainDataPoints", "plug", map[string]any{}, false, false},
		{"GetDomainProducts", func(ctx context.Context, c *acapi.Client) error {
			_, err := c.Product().GetDomainProducts(ctx)
			return err
		}, "zc-product/getDomainProducts", "", map[string]any{}, false, true},
	}
}

// normJSON turns v into what encoding/json would decode it as, for
// comparison with a decoded body.
func normJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeviceMethodsRequestShapes(t *testing.T) {
	audit := &auditLog{}
	// Answer each method with a body its decoder accepts.
	f := newFakeRouter(t, func(s seenRequest) (map[string]string, string) {
		switch s.Path[strings.LastIndex(s.Path, "/")+1:] {
		case "getShareCode", "getHomeShareCode":
			return nil, `{"shareCode":"abc#3"}`
		case "isDeviceBound":
			return nil, `{"isBound":true}`
		case "sendToDevice":
			return map[string]string{"Content-Type": "application/octet-stream", "X-Zc-Msg-Attr_code": "102"}, "\x01"
		}
		return nil, "{}"
	})
	base := f.client(t, audit)
	ctx := context.Background()
	for _, dc := range deviceCalls() {
		t.Run(dc.name, func(t *testing.T) {
			before := len(audit.all())
			if err := dc.call(ctx, base.As(42)); err != nil {
				t.Fatalf("call: %v", err)
			}
			got := f.last(t)
			if want := "/" + strings.Replace(dc.method, "/", "/v1/", 1); got.Path != want {
				t.Errorf("path %s, want %s", got.Path, want)
			}
			if sub, ok := got.Header["X-Zc-Sub-Domain"]; !ok || sub[0] != dc.sub {
				t.Errorf("X-Zc-Sub-Domain %q, want %q", sub, dc.sub)
			}
			wantUser := "42"
			if dc.devScope {
				wantUser = ""
			}
			if u := got.Header.Get("X-Zc-User-Id"); u != wantUser {
				t.Errorf("X-Zc-User-Id %q, want %q", u, wantUser)
			}
			// The signature covers the method and the sub-domain sent.
			m := dc.method[strings.Index(dc.method, "/")+1:]
			var ts int64
			_ = json.Unmarshal([]byte(got.Header.Get("X-Zc-Timestamp")), &ts)
			if sig := acapi.DeveloperSignature("sk", 300, ts, got.Header.Get("X-Zc-Nonce"), 7, m, "acme", dc.sub); got.Header.Get("X-Zc-Developer-Signature") != sig {
				t.Errorf("developer signature does not cover %s/%q", m, dc.sub)
			}
			if dc.params != nil {
				if ct := got.Header.Get("Content-Type"); ct != acapi.ContentJSON {
					t.Errorf("Content-Type %q", ct)
				}
				var body any
				if err := json.Unmarshal(got.Body, &body); err != nil {
					t.Fatalf("body %q: %v", got.Body, err)
				}
				if want := normJSON(t, dc.params); !reflect.DeepEqual(body, want) {
					t.Errorf("body %s, want %v", got.Body, want)
				}
			}
			entries := audit.all()[before:]
			if dc.mutating && (len(entries) != 1 || entries[0].Method != m || entries[0].ActingUser != 42) {
				t.Errorf("a write must be audited once: %+v", entries)
			}
			if !dc.mutating && len(entries) != 0 {
				t.Errorf("a read was audited: %+v", entries)
			}
		})
	}
}

func TestSendToDeviceWireForm(t *testing.T) {
	f := newFakeRouter(t, func(seenRequest) (map[string]string, string) {
		return map[string]string{"Content-Type": "application/octet-stream", "X-Zc-Msg-Attr_code": "102"}, "\x00\xffreply\x1b[2J"
	})
	c := f.client(t, nil)
	ctx := context.Background()
	payload := []byte{0x00, 0x01, 0xfe, '\n'}

	reply, err := c.As(5).Bind().SendToDevice(ctx, "plug", 77, "A1 B2+C3&D/é", 66, payload,
		acapi.WithDescription("turn on & off"), acapi.WithReplyTimeout(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	got := f.last(t)
	// Every key in the query, RFC 3986 encoded (Q8), in key order.
	want := "description=turn%20on%20%26%20off&deviceId=77&messageCode=66&physicalDeviceId=A1%20B2%2BC3%26D%2F%C3%A9&subDomain=plug&timeout=1500"
	if got.RawQuery != want {
		t.Errorf("query\n got %s\nwant %s", got.RawQuery, want)
	}
	if got.Query.Get("physicalDeviceId") != "A1 B2+C3&D/é" {
		t.Errorf("physical id decodes as %q", got.Query.Get("physicalDeviceId"))
	}
	if got.Header.Get("Content-Type") != acapi.ContentStream || got.Header.Get("X-Zc-Sub-Domain") != "plug" {
		t.Errorf("headers %v", got.Header)
	}
	if !bytes.Equal(got.Body, payload) || got.Header.Get("X-Zc-Content-Length") != "4" {
		t.Errorf("body %q (X-Zc-Content-Length %s), want the raw payload", got.Body, got.Header.Get("X-Zc-Content-Length"))
	}
	// The reply is binary: bytes arrive untouched, the code from the header.
	if reply.Code != 102 || string(reply.Payload) != "\x00\xffreply\x1b[2J" {
		t.Errorf("reply %+v", reply)
	}

	// deviceId only when > 0, physicalDeviceId only when non-empty, no
	// optional keys unless asked; the default product fills an empty sub.
	if _, err := c.Bind().SendToDevice(ctx, "", 0, "ABCDEF0123456789", 70, nil); err != nil {
		t.Fatal(err)
	}
	got = f.last(t)
	if got.RawQuery != "messageCode=70&physicalDeviceId=ABCDEF0123456789&subDomain=dflt" || got.Header.Get("X-Zc-Sub-Domain") != "dflt" || len(got.Body) != 0 {
		t.Errorf("by physical id: query %s, sub %q, body %q", got.RawQuery, got.Header.Get("X-Zc-Sub-Domain"), got.Body)
	}
	if _, err := c.Bind().SendToDevice(ctx, "plug", 9, "", 70, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got = f.last(t); got.RawQuery != "deviceId=9&messageCode=70&subDomain=plug" {
		t.Errorf("by device id: query %s", got.RawQuery)
	}
}

func TestSendToDeviceErrorsAndOddReplies(t *testing.T) {
	var mode string
	f := newFakeRouter(t, func(seenRequest) (map[string]string, string) {
		switch mode {
		case "offline":
			return map[string]string{"X-Zc-Msg-Name": "X-Zc-Err"}, `{"error":"device offline","errorCode":3807}`
		case "timeout":
			return map[string]string{"X-Zc-Msg-Name": "X-Zc-Err"}, `{"error":"no reply","errorCode":3814}`
		case "nocode":
			return map[string]string{"Content-Type": "application/octet-stream"}, "ok"
		case "badcode":
			return map[string]string{"Content-Type": "application/octet-stream", "X-Zc-Msg-Attr_code": "abc"}, ""
		}
		return nil, ""
	})
	c := f.client(t, nil)
	ctx := context.Background()
	mode = "offline"
	if _, err := c.Bind().SendToDevice(ctx, "plug", 1, "", 66, nil); !errors.Is(err, acapi.ErrOffline) || acapi.Code(err) != 3807 {
		t.Errorf("offline: %v", err)
	}
	mode = "timeout"
	if _, err := c.Bind().SendToDevice(ctx, "plug", 1, "", 66, nil); !errors.Is(err, acapi.ErrTimeout) || acapi.Code(err) != 3814 {
		t.Errorf("timeout: %v", err)
	}
	mode = "nocode"
	if r, err := c.Bind().SendToDevice(ctx, "plug", 1, "", 66, nil); err != nil || r.Code != 0 || string(r.Payload) != "ok" {
		t.Errorf("reply without a code: %+v %v", r, err)
	}
	mode = "badcode"
	if _, err := c.Bind().SendToDevice(ctx, "plug", 1, "", 66, nil); acapi.Code(err) != 3000 {
		t.Errorf("reply with a non-numeric code: %v", err)
	}
}

func TestDeviceDecodingIsTolerantAndSanitised(t *testing.T) {
	answers := map[string]string{}
	f := newFakeRouter(t, func(s seenRequest) (map[string]string, string) {
		return nil, answers[s.Path[strings.LastIndex(s.Path, "/")+1:]]
	})
	c := f.client(t, nil).As(1)
	ctx := context.Background()

	// Q13 and the legacy gateway key; hostile names are cleaned.
	answers["listDevices"] = `{"devices":[
		{"deviceId":1,"physicalDeviceId":"P1","name":"\u001b]0;x\u0007Lamp\u202e","owner":9,"subDomainId":3,"subDomainName":"plug","gatewayDeviceId":1,"rootId":0,"status":1},
		{"deviceId":2,"physicalDeviceId":"P2","name":"Bulb","owner":9,"subDomainId":4,"subDomain":"bulb","masterDeviceId":7}]}`
	devs, err := c.Bind().ListDevices(ctx, true)
	if err != nil || len(devs) != 2 {
		t.Fatalf("listDevices: %v %v", devs, err)
	}
	if devs[0].Name != "Lamp" || devs[0].SubDomainName != "plug" || !devs[0].Online() || devs[0].IsSubDevice() {
		t.Errorf("first device %+v", devs[0])
	}
	if devs[1].SubDomainName != "bulb" || devs[1].GatewayDeviceID != 7 || !devs[1].IsSubDevice() || devs[1].Status != nil {
		t.Errorf("aliases not folded: %+v", devs[1])
	}

	// listNewDevices: subDomainId as a string (and, leniently, a number).
	answers["listNewDevices"] = `{"devices":[{"subDomainId":"12","physicalDeviceId":"S1"},{"subDomainId":13,"physicalDeviceId":"S2\u0007"}]}`
	nd, err := c.Bind().ListNewDevices(ctx, "gateway", 4)
	if err != nil || len(nd) != 2 || nd[0] != (models.NewDevice{SubDomainID: "12", PhysicalDeviceID: "S1"}) || nd[1] != (models.NewDevice{SubDomainID: "13", PhysicalDeviceID: "S2"}) {
		t.Errorf("listNewDevices %+v %v", nd, err)
	}

	// Q3: shareCode and isBound by key, by the only key, or bare.
	for body, want := range map[string]string{
		`{"shareCode":"aaaa#3"}`: "aaaa#3", `{"code":"bbbb#3"}`: "bbbb#3", `"cccc#3"`: "cccc#3",
		"dddd#3": "dddd#3", `{"shareCode":"e\u001b[31me#3"}`: "ee#3",
	} {
		answers["getShareCode"] = body
		if got, err := c.Bind().GetShareCode(ctx, "plug", 3, 0); err != nil || got != want {
			t.Errorf("share code from %s = %q, %v; want %q", body, got, err, want)
		}
	}
	answers["getShareCode"] = `{"a":"x","b":"y"}`
	if _, err := c.Bind().GetShareCode(ctx, "plug", 3, 0); acapi.Code(err) != 3000 || !strings.Contains(err.Error(), "getShareCode") {
		t.Errorf("ambiguous share code answer: %v", err)
	}
	for body, want := range map[string]bool{`{"isBound":true}`: true, `{"bound":true}`: true, `false`: false, `{"isBound":false}`: false} {
		answers["isDeviceBound"] = body
		if got, err := c.Bind().IsDeviceBound(ctx, "plug", "P1"); err != nil || got != want {
			t.Errorf("isBound from %s = %v, %v", body, got, err)
		}
	}

	// The profile is the whole (flat) body.
	answers["getDeviceProfile"] = `{"room":"hall\u001b[2J","watts":60,"tags":["a\u0007"]}`
	prof, err := c.Bind().GetDeviceProfile(ctx, "plug", 3)
	if err != nil || prof["room"] != "hall" || prof["watts"] != float64(60) || prof["tags"].([]any)[0] != "a" {
		t.Errorf("profile %#v %v", prof, err)
	}
	answers["getDeviceProfile"] = ``
	if prof, err := c.Bind().GetDeviceProfile(ctx, "plug", 3); err != nil || prof == nil || len(prof) != 0 {
		t.Errorf("empty profile %#v %v", prof, err)
	}

	// addSubDevice may answer {}: an empty device, not an error.
	answers["addSubDevice"] = `{}`
	if d, err := c.Bind().AddSubDevice(ctx, "bulb", 4, "S1", "x"); err != nil || d.DeviceID != 0 {
		t.Errorf("addSubDevice {}: %+v %v", d, err)
	}

	// listDevicesExt keeps the keys models.Device lacks.
	answers["listDevicesExt"] = `{"devices":[{"deviceId":5,"name":"N","subDomain":"plug","bindTime":"2026-01-01 00:00:00","profile":{"k":"v\u0007"}}]}`
	ext, err := c.Bind().ListDevicesExt(ctx, false)
	if err != nil || len(ext) != 1 || ext[0].DeviceID != 5 || ext[0].SubDomainName != "plug" || ext[0].Extra["bindTime"] != "2026-01-01 00:00:00" ||
		ext[0].Extra["profile"].(map[string]any)["k"] != "v" || ext[0].Extra["name"] != nil {
		t.Errorf("listDevicesExt %+v %v", ext, err)
	}

	// Warehouse fleet rows and device info.
	answers["listDevicesExt"] = `{"devices":[{"physicalDeviceId":"P1","subDomain":"3","devVersion":"1-0-0","status":2,"deviceId":5,"owner":9,"ownerNickName":"Al\u001b[1mice","name":"Lamp","online":true}]}`
	fleet, err := f.client(t, nil).Warehouse().ListDevicesExt(ctx, "", 0, 10)
	if err != nil || len(fleet) != 1 || fleet[0].PhysicalDeviceID != "P1" || fleet[0].Status != 2 || fleet[0].DeviceID != 5 ||
		fleet[0].OwnerNickName != "Alice" || !fleet[0].Online || fleet[0].Name != "Lamp" {
		t.Errorf("fleet %+v %v", fleet, err)
	}
	answers["getDeviceInfo"] = `{"physicalDeviceId":"P1","ipAddr":"10.0.0.1","devVersion":"1-0-0","city":"Hang\u202ezhou","activeTime":"2026-01-01 00:00:00"}`
	info, err := c.Warehouse().GetDeviceInfo(ctx, "plug", "P1")
	if err != nil || info.IPAddr != "10.0.0.1" || info.City != "Hangzhou" {
		t.Errorf("device info %+v %v", info, err)
	}
	answers["getDomainProducts"] = `{"products":[{"subDomainId":"3","subDomainName":"plug","name":"Smart plug","deviceMode":1}]}`
	prods, err := c.Product().GetDomainProducts(ctx)
	if err != nil || len(prods) != 1 || prods[0].SubDomainName != "plug" || prods[0].DeviceMode != 1 {
		t.Errorf("products %+v %v", prods, err)
	}
	answers["getSubDomainDataPoints"] = `{"datapoints":[{"key":"on","name":"Power","type":"bool"}]}`
	dps, err := c.Product().GetSubDomainDataPoints(ctx, "plug")
	if err != nil || len(dps) != 1 || dps[0].Key != "on" {
		t.Errorf("datapoints %+v %v", dps, err)
	}
}

func TestDeviceWritesAreNotRetriedReadsAre(t *testing.T) {
	var n int
	var mu sync.Mutex
	f := newFakeRouter(t, func(seenRequest) (map[string]string, string) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n%2 == 1 {
			return map[string]string{"X-Zc-Msg-Name": "X-Zc-Err"}, `{"error":"busy","errorCode":3011}`
		}
		return nil, `{"devices":[]}`
	})
	c, err := acapi.New(acapi.Config{Routers: []string{f.srv.URL}, DeveloperID: 7, SecretKey: "sk", MajorDomain: "acme", MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.As(1).Bind().ListDevices(ctx, false); err != nil || n != 2 {
		t.Fatalf("a read retries a busy router: %v after %d", err, n)
	}
	n = 0
	if _, err := c.As(1).Bind().SendToDevice(ctx, "plug", 1, "", 66, nil); acapi.Code(err) != 3011 || n != 1 {
		t.Fatalf("a command was retried: %v after %d", err, n)
	}
}
