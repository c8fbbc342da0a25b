package ui

import (
	"encoding/json"
	"sort"
	"strings"
)

// callParam is one request key of a method, as PROTOCOL.md §2 lists it.
type callParam struct {
	name string
	typ  string // str, int, bool, object, array
	opt  bool
}

// protocolParams are the request keys of the services' methods, taken from
// the tables of PROTOCOL.md §2.1–2.7 (JSON bodies only: the timer's
// addTask/modifyTask carry bytes and are left to the timer editor).
var protocolParams = map[string]map[string][]callParam{
	"zc-account": {
		"changeEmail":           {{"email", "str", false}, {"password", "str", false}, {"verifyCode", "str", false}},
		"changePhone":           {{"phone", "str", false}, {"password", "str", false}, {"verifyCode", "str", false}},
		"changeNickName":        {{"nickName", "str", false}},
		"checkExist":            {{"account", "str", false}},
		"checkVerifyCode":       {{"account", "str", false}, {"verifyCode", "str", false}},
		"sendVerifyCode":        {{"account", "str", false}, {"template", "int", false}, {"timeout", "int", true}},
		"setUserProfile":        {{"userProfile", "object", false}},
		"getUserProfile":        nil,
		"listAllOpenIds":        nil,
		"getVerifyCode":         {{"account", "str", false}, {"timeout", "int", false}},
		"getAccountInfo":        {{"userId", "int", false}},
		"getIdByAccount":        {{"account", "str", false}},
		"getAccountCount":       nil,
		"listAllAccounts":       {{"offset", "int", false}, {"limit", "int", false}},
		"registerWithOpenId":    {{"provider", "str", false}, {"openId", "str", false}, {"unionId", "str", true}},
		"getUserOpenId":         {{"userId", "int", false}, {"provider", "str", false}},
		"getWholeUserProfile":   {{"userId", "int", false}},
		"getProfilesByUserList": {{"userList", "array", false}},
	},
	"zc-bind": {
		"bindDevice":              {{"physicalDeviceId", "str", false}, {"name", "str", true}},
		"bindGateway":             {{"physicalDeviceId", "str", false}, {"name", "str", false}},
		"bindDeviceWithShareCode": {{"shareCode", "str", false}},
		"bindDeviceWithUser":      {{"deviceId", "int", false}, {"account", "str", false}},
		"unbindDevice":            {{"deviceId", "int", false}},
		"unbindGateway":           {{"deviceId", "int", false}},
		"unbindDeviceWithUser":    {{"deviceId", "int", false}, {"userId", "int", false}},
		"changeOwner":             {{"deviceId", "int", false}, {"userId", "int", false}},
		"changeDevice":            {{"physicalDeviceId", "str", false}, {"deviceId", "int", false}},
		"modifyDevice":            {{"deviceId", "int", false}, {"name", "str", false}},
		"updateAccessKey":         {{"deviceId", "int", false}},
		"getShareCode":            {{"deviceId", "int", false}, {"timeout", "int", true}},
		"listDevices":             {{"status", "bool", true}},
		"listDevicesExt":          {{"status", "bool", true}},
		"listGateways":            nil,
		"listSubDevices":          {{"gatewayDeviceId", "int", false}},
		"listNewDevices":          {{"gatewayDeviceId", "int", false}},
		"listUsers":               {{"deviceId", "int", false}},
		"isDeviceOnline":          {{"deviceId", "int", true}, {"physicalDeviceId", "str", true}},
		"isDeviceBound":           {{"physicalDeviceId", "str", false}},
		"getDeviceId":             {{"physicalDeviceId", "str", false}},
		"getUserDevice":           {{"deviceId", "int", false}},
		"openGatewayMatch":        {{"gatewayDeviceId", "int", false}, {"time", "int", false}},
		"closeGatewayMatch":       {{"gatewayDeviceId", "int", false}},
		"addSubDevice":            {{"gatewayDeviceId", "int", false}, {"physicalDeviceId", "str", false}, {"name", "str", false}},
		"deleteSubDevice":         {{"deviceId", "int", false}},
		"evictSubDevice":          {{"gatewayDeviceId", "int", false}, {"physicalDeviceId", "str", false}},
		"setDeviceProfile":        {{"deviceId", "int", false}, {"deviceProfile", "object", false}},
		"getDeviceProfile":        {{"deviceId", "int", false}},
		"createHome":              {{"name", "str", false}},
		"deleteHome":              {{"homeId", "int", false}},
		"changeHomeName":          {{"homeId", "int", false}, {"name", "str", false}},
		"createRoom":              {{"homeId", "int", false}, {"name", "str", false}},
		"deleteRoom":              {{"homeId", "int", false}, {"roomId", "int", false}},
		"changeRoomName":          {{"homeId", "int", false}, {"roomId", "int", false}, {"name", "str", false}},
		"addDeviceToHome":         {{"deviceId", "int", false}, {"homeId", "int", false}, {"name", "str", false}},
		"deleteDeviceFromHome":    {{"deviceId", "int", false}, {"homeId", "int", false}},
		"moveDeviceToRoom":        {{"deviceId", "int", false}, {"homeId", "int", false}, {"roomId", "int", false}},
		"removeDeviceFromRoom":    {{"deviceId", "int", false}, {"homeId", "int", false}, {"roomId", "int", false}},
		"getHomeShareCode":        {{"homeId", "int", false}, {"timeout", "int", true}},
		"joinHomeWithShareCode":   {{"shareCode", "str", false}},
		"addUserToHome":           {{"homeId", "int", false}, {"account", "str", false}},
		"removeUserFromHome":      {{"homeId", "int", false}, {"userId", "int", false}},
		"listHomes":               nil,
		"listRooms":               {{"homeId", "int", false}},
		"listHomeDevices":         {{"homeId", "int", false}, {"status", "bool", true}},
		"listRoomDevices":         {{"homeId", "int", false}, {"roomId", "int", false}, {"status", "bool", true}},
		"listHomeUsers":           {{"homeId", "int", false}},
	},
	"zc-timer-task": {
		"deleteTask": {{"deviceId", "int", false}, {"taskId", "int", false}},
		"stopTask":   {{"deviceId", "int", false}, {"taskId", "int", false}},
		"startTask":  {{"deviceId", "int", false}, {"taskId", "int", false}},
		"listTasks":  {{"deviceId", "int", false}},
	},
	"zc-ota": {
		"checkUpdate":   {{"deviceId", "int", true}, {"physicalDeviceId", "str", true}, {"version", "str", true}, {"otaType", "int", false}, {"channel", "str", true}, {"batch", "str", true}},
		"confirmUpdate": {{"deviceId", "int", false}, {"targetVersion", "str", false}, {"otaType", "int", false}},
		"otaMediaDone":  {{"physicalDeviceId", "str", false}, {"currentVersion", "str", false}, {"otaType", "int", false}, {"targetVersion", "str", false}},
	},
	"zc-warehouse": {
		"activateDevice": {{"physicalDeviceId", "str", false}, {"devVersion", "str", false}, {"mac", "str", true}, {"modVersion", "str", true}},
		"getDeviceInfo":  {{"physicalDeviceId", "str", false}},
		"getDevicesInfo": {{"physicalDeviceIds", "array", false}},
		"getDeviceCount": nil,
		"listDevices":    {{"offset", "int", false}, {"limit", "int", false}},
	},
	"zc-product": {
		"getSubDomainDataPoints": nil,
		"getDomainProducts":      nil,
	},
}

// methodParams looks a method up; ok is false for a method the table does
// not know (a vendor's UDS, say).
func methodParams(service, method string) ([]callParam, bool) {
	ms, ok := protocolParams[service]
	if !ok {
		return nil, false
	}
	ps, ok := ms[method]
	return ps, ok
}

// callContext is what the page under the call form knows: the ids a body
// can be pre-filled with.
type callContext struct {
	userID     int64
	deviceID   int64
	physicalID string
	subDomain  string
	homeID     int64
	roomID     int64
	gatewayID  int64 // the device itself, or a sub-device's gateway
}

// viewContext reads the device or user in view, nearest page first.
func viewContext(a *App) callContext {
	var c callContext
	for i := len(a.stack) - 1; i >= 0; i-- {
		switch p := a.stack[i].(type) {
		case *devicePage:
			if c.deviceID != 0 || c.physicalID != "" {
				continue
			}
			c.deviceID, c.physicalID, c.subDomain = p.ref.DeviceID, p.ref.PhysicalID, p.ref.SubDomain
			if c.userID == 0 {
				c.userID = p.ref.UserID
			}
			if d := p.detail; d != nil {
				c.homeID, c.roomID = d.Device.RootID, d.RoomID
				c.gatewayID = d.Device.DeviceID
				if d.Device.IsSubDevice() {
					c.gatewayID = d.Device.GatewayDeviceID
				}
				if c.userID == 0 {
					c.userID = d.Device.Owner
				}
			}
		case *userPage:
			if c.userID == 0 {
				c.userID = p.id
			}
		}
	}
	return c
}

// prefill is the body a method starts with: the keys the context can
// fill, nothing made up. The rest are listed by paramHint.
func prefill(ps []callParam, c callContext) string {
	m := map[string]any{}
	for _, p := range ps {
		switch p.name {
		case "deviceId":
			if c.deviceID != 0 {
				m[p.name] = c.deviceID
			}
		case "gatewayDeviceId":
			if c.gatewayID != 0 {
				m[p.name] = c.gatewayID
			}
		case "physicalDeviceId":
			if c.physicalID != "" && (c.deviceID == 0 || !hasParam(ps, "deviceId")) {
				m[p.name] = c.physicalID
			}
		case "userId":
			if c.userID != 0 {
				m[p.name] = c.userID
			}
		case "homeId":
			if c.homeID != 0 {
				m[p.name] = c.homeID
			}
		case "roomId":
			if c.roomID != 0 {
				m[p.name] = c.roomID
			}
		}
	}
	if len(m) == 0 {
		return "{}"
	}
	// Keys in the protocol's order, not the map's.
	var parts []string
	for _, p := range ps {
		if v, ok := m[p.name]; ok {
			b, _ := json.Marshal(v)
			parts = append(parts, `"`+p.name+`":`+string(b))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func hasParam(ps []callParam, name string) bool {
	for _, p := range ps {
		if p.name == name {
			return true
		}
	}
	return false
}

// paramHint lists a known method's keys with their types, "?" marking the
// optional ones, and names the required keys the body still lacks.
func paramHint(ps []callParam, body string) (all, missing string) {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	var ks, miss []string
	for _, p := range ps {
		k := p.name + " " + p.typ
		if p.opt {
			k = p.name + "? " + p.typ
		}
		ks = append(ks, k)
		if _, ok := m[p.name]; !ok && !p.opt {
			miss = append(miss, p.name)
		}
	}
	if len(ps) == 0 {
		return "", "" // the form says "none" in the reader's language
	}
	return strings.Join(ks, ", "), strings.Join(miss, ", ")
}

// knownMethods lists a service's methods, for the hint when the method
// is not one of them.
func knownMethods(service string) []string {
	var out []string
	for m := range protocolParams[service] {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
