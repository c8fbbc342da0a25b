package catalog

import (
	"sort"

	"acconsole/models"
)

// Sub-domain (product) names of the simulated catalog. They are wire names:
// devices, data points and commands are found by them.
const (
	SubPlug       = "plug"
	SubPurifier   = "purifier"
	SubGateway    = "gateway"
	SubBulb       = "bulb"
	SubDoorSensor = "doorsensor"
	SubSwitch     = "switch"
)

// Product type numbers, as they appear in payloads (info reply 101, the
// gateway's sub-device list 103 and join report 204).
const (
	TypePlug       = 1
	TypePurifier   = 2
	TypeGateway    = 3
	TypeBulb       = 4
	TypeDoorSensor = 5
	TypeSwitch     = 6
)

// Message codes. Commands are 65–199 (PROTOCOL §2.2.6), replies 100–127,
// reports 200 and up. A code means the same on every product that has it;
// codes 70–72 are product-specific (see each product).
const (
	CodeIdentify   = 65 // every product: empty → 101 info
	CodeSetPower   = 68 // plug, purifier, bulb: power; switch: set gang
	CodeSetGang    = 68
	CodeQueryState = 69 // every product: empty → 102 state

	CodeResetEnergy     = 70 // plug
	CodeSetMode         = 70 // purifier
	CodeSetFan          = 71 // purifier
	CodeSetBrightness   = 70 // bulb
	CodeSetColourTemp   = 71 // bulb
	CodeSimulateContact = 70 // doorsensor
	CodeListSubDevices  = 71 // gateway
	CodeForward         = 72 // gateway

	CodeInfo      = 101
	CodeState     = 102
	CodeSubList   = 103
	CodeForwarded = 104
	CodeError     = 127

	CodeStateChanged = 201
	CodeTelemetry    = 202
	CodeUpgrade      = 203
	CodeSubJoined    = 204
)

// Reasons carried by the error reply 127 (payload: reason u8, command code
// u8).
const (
	ReasonUnknownCommand = 1
	ReasonBadLength      = 2
	ReasonOutOfRange     = 3
	ReasonBusy           = 4
	ReasonUnknownSub     = 5
	ReasonSubNoAnswer    = 6
)

var reasonNames = []string{
	"", "unknown command", "bad payload length", "value out of range",
	"busy (firmware upgrade)", "unknown sub-device", "sub-device did not answer",
}

// Field constructors keep the tables below readable.

func fPower(off int) Field {
	return Field{Name: "power", Offset: off, Size: 1, Kind: KindEnum, Max: 2, Enum: []string{"off", "on", "toggle"}}
}

func fOnOff(off int) Field {
	return Field{Name: "power", Offset: off, Size: 1, Kind: KindEnum, Max: 1, Enum: []string{"off", "on"}}
}

func fUint(name string, off, size int, min, max int64, unit string) Field {
	return Field{Name: name, Offset: off, Size: size, Kind: KindUint, Min: min, Max: max, Unit: unit}
}

var (
	msgIdentify = Message{Code: CodeIdentify, Name: "identify", Dir: Command, Reply: CodeInfo,
		Doc: "asks for the product type and firmware version (and blinks the LED)"}
	msgQuery = Message{Code: CodeQueryState, Name: "query state", Dir: Command, Reply: CodeState,
		Doc: "asks for the current state"}
	msgInfo = Message{Code: CodeInfo, Name: "info", Dir: Reply, Doc: "product type and firmware version",
		Fields: []Field{
			{Name: "type", Offset: 0, Size: 1, Kind: KindEnum, Meaning: ProductType},
			{Name: "firmware", Offset: 1, Kind: KindText},
		}}
	msgError = Message{Code: CodeError, Name: "error", Dir: Reply,
		Doc: "the command was refused; nothing changed",
		Fields: []Field{
			{Name: "reason", Offset: 0, Size: 1, Kind: KindEnum, Enum: reasonNames},
			{Name: "command", Offset: 1, Size: 1, Kind: KindUint},
		}}
	msgUpgrade = Message{Code: CodeUpgrade, Name: "upgrade progress", Dir: Report,
		Doc: "firmware upgrade phase and overall percent; reason is set when failed",
		Fields: []Field{
			{Name: "phase", Offset: 0, Size: 1, Kind: KindEnum, Enum: phaseNames},
			{Name: "percent", Offset: 1, Size: 1, Kind: KindUint, Unit: "%", Terse: true},
			{Name: "failure", Offset: 2, Size: 1, Kind: KindEnum, Enum: failNames},
		}}
)

// Upgrade phases (byte 0 of 203) and failures (byte 2).
var (
	phaseNames = []string{"", "download", "verify", "flash", "reboot", "done", "failed"}
	failNames  = []string{"none", "download interrupted", "checksum mismatch", "flash write error", "cancelled", "device removed"}
)

// PhaseName names an upgrade phase (byte 0 of report 203).
func PhaseName(phase int) string { return enumName(phaseNames, phase) }

// FailureName names an upgrade failure (byte 2 of report 203).
func FailureName(code int) string { return enumName(failNames, code) }

// ModeName names a purifier mode (byte 1 of its state).
func ModeName(mode int) string { return enumName(modeNames, mode) }

// ReasonName names the reason of an error reply (byte 0 of 127).
func ReasonName(reason int) string { return enumName(reasonNames, reason) }

// typeNames names the product types by sub-domain, from the table (init).
var typeNames []string

// common adds the messages every product has.
func common(ms ...Message) []Message {
	out := []Message{msgIdentify, msgQuery}
	out = append(out, ms...)
	out = append(out, msgInfo, msgError, msgUpgrade)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return dirRank(out[i].Dir) < dirRank(out[j].Dir)
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func dirRank(d Direction) int {
	switch d {
	case Command:
		return 0
	case Reply:
		return 1
	}
	return 2
}

func stateMsgs(doc string, fields []Field) []Message {
	return []Message{
		{Code: CodeState, Name: "state", Dir: Reply, Doc: doc, Fields: fields},
		{Code: CodeStateChanged, Name: "state changed", Dir: Report,
			Doc: "sent after every change, whoever made it; same layout as 102", Fields: fields},
	}
}

var plugState = []Field{
	fOnOff(0),
	{Name: "draw", Offset: 1, Size: 2, Kind: KindUint, Unit: "W", Decimals: 1, Terse: true},
	{Name: "energy", Offset: 3, Size: 4, Kind: KindUint, Unit: "Wh", Terse: true},
}

var purifierState = []Field{
	fOnOff(0),
	{Name: "mode", Offset: 1, Size: 1, Kind: KindEnum, Enum: modeNames},
	fUint("fan", 2, 1, 0, 0, ""),
	{Name: "PM2.5", Offset: 3, Size: 2, Kind: KindUint, Unit: "µg/m³"},
	fUint("filter", 5, 1, 0, 0, "%"),
}

var modeNames = []string{"auto", "sleep", "manual", "turbo"}

var gatewayState = []Field{
	{Name: "permit join", Offset: 0, Size: 1, Kind: KindEnum, Enum: []string{"closed", "open"}, Meaning: PairingOpen},
	{Name: "remaining", Offset: 1, Size: 2, Kind: KindUint, Unit: "s", Meaning: PairingRemaining},
	fUint("sub-devices", 3, 1, 0, 0, ""),
}

var bulbState = []Field{
	fOnOff(0),
	fUint("brightness", 1, 1, 0, 0, "%"),
	{Name: "colour temperature", Offset: 2, Size: 2, Kind: KindUint, Unit: "K", Terse: true},
}

var doorState = []Field{
	{Name: "contact", Offset: 0, Size: 1, Kind: KindEnum, Enum: []string{"closed", "open"}},
	fUint("battery", 1, 1, 0, 0, "%"),
}

var switchState = []Field{
	fUint("gangs", 0, 1, 0, 0, ""),
	{Name: "on", Offset: 1, Size: 1, Kind: KindBits, Enum: []string{"gang 1", "gang 2", "gang 3"}},
}

var subEntry = []Field{
	{Name: "sub-device id", Offset: 0, Size: 8, Kind: KindID},
	{Name: "type", Offset: 8, Size: 1, Kind: KindEnum, Meaning: ProductType},
	{Name: "link", Offset: 9, Size: 1, Kind: KindEnum, Enum: []string{"offline", "online"}},
}

func dp(key, name, typ, unit, desc string) models.DataPoint {
	return models.DataPoint{Key: key, Name: name, Type: typ, Unit: unit, Description: desc}
}

// record is a product's record. TaskMode 0 accepts both timer kinds: the
// cloud runs cloud timers, and every simulated device keeps and fires
// device timers itself (cloud/sim/timers.go).
func record(sub, name, typ, model, connect, desc string) models.Product {
	return models.Product{
		SubDomainName: sub, Name: name, Type: typ, Model: model, Description: desc,
		DataProtocol: "binary", TransportProtocol: "tcp", ConnectProtocol: connect, OS: "rtos",
		SecType: "aes", Category: 1, DeviceMode: 1, TaskMode: 0, TaskUpdatePolicy: 1,
	}
}

// products and order index the table by sub-domain name (init).
var (
	products = map[string]*Product{}
	order    []string
)

// init indexes the table and names the product types in every field that
// carries one, so that a new entry in the table needs no other edit.
func init() {
	for _, p := range table {
		name := p.Record.SubDomainName
		products[name] = p
		order = append(order, name)
		for len(typeNames) <= p.Type {
			typeNames = append(typeNames, "")
		}
		typeNames[p.Type] = name
	}
	for _, p := range table {
		for i := range p.Messages {
			for _, fs := range [][]Field{p.Messages[i].Fields, p.Messages[i].Repeat} {
				for j := range fs {
					if fs[j].Meaning == ProductType {
						fs[j].Enum = typeNames
					}
				}
			}
		}
	}
}

// table is the catalog, in the order Catalog lists it. Adding a product is
// adding an entry here (see the package comment).
var table = []*Product{
	{
		Type: TypePlug, Firmware: "1-4-2", Module: "2-0-4",
		Record: record(SubPlug, "Smart plug", "device", "SP-10", "wifi",
			"Wi-Fi smart plug with power metering"),
		DataPoints: []models.DataPoint{
			dp("on", "Power", "bool", "", "relay state"),
			dp("power", "Power draw", "float", "W", "current draw, 0.1 W steps"),
			dp("energy", "Energy", "int", "Wh", "energy since the last reset"),
		},
		Messages: common(append([]Message{
			{Code: CodeSetPower, Name: "set power", Dir: Command, Reply: CodeState, Example: "01",
				Doc: "switches the relay", Fields: []Field{fPower(0)}},
			{Code: CodeResetEnergy, Name: "reset energy", Dir: Command, Reply: CodeState,
				Doc: "sets the energy counter to 0"},
			{Code: CodeTelemetry, Name: "power telemetry", Dir: Report,
				Doc: "every telemetry interval while online", Fields: []Field{
					{Name: "draw", Offset: 0, Size: 2, Kind: KindUint, Unit: "W", Decimals: 1, Terse: true},
					{Name: "energy", Offset: 2, Size: 4, Kind: KindUint, Unit: "Wh", Terse: true},
				}},
		}, stateMsgs("relay, current draw and energy", plugState)...)...),
	},
	{
		Type: TypePurifier, Firmware: "2-1-0", Module: "2-0-4",
		Record: record(SubPurifier, "Air purifier", "device", "AP-300", "wifi",
			"Wi-Fi air purifier with a PM2.5 sensor"),
		DataPoints: []models.DataPoint{
			dp("on", "Power", "bool", "", ""),
			dp("mode", "Mode", "enum", "", "auto, sleep, manual, turbo"),
			dp("fan", "Fan speed", "int", "", "1–5"),
			dp("pm25", "PM2.5", "int", "µg/m³", "measured by the device"),
			dp("filter", "Filter life", "int", "%", "remaining"),
		},
		Messages: common(append([]Message{
			{Code: CodeSetPower, Name: "set power", Dir: Command, Reply: CodeState, Example: "01",
				Doc: "switches the purifier", Fields: []Field{fPower(0)}},
			{Code: CodeSetMode, Name: "set mode", Dir: Command, Reply: CodeState, Example: "03",
				Doc: "auto follows PM2.5; sleep runs fan 1; turbo runs fan 5; does not switch the purifier on", Fields: []Field{
					{Name: "mode", Offset: 0, Size: 1, Kind: KindEnum, Max: 3, Enum: modeNames},
				}},
			{Code: CodeSetFan, Name: "set fan speed", Dir: Command, Reply: CodeState, Example: "04",
				Doc: "also switches to manual mode (but not on)", Fields: []Field{fUint("fan", 0, 1, 1, 5, "")}},
			{Code: CodeTelemetry, Name: "air quality", Dir: Report,
				Doc: "every telemetry interval while online", Fields: []Field{
					{Name: "PM2.5", Offset: 0, Size: 2, Kind: KindUint, Unit: "µg/m³"},
					fUint("filter", 2, 1, 0, 0, "%"),
				}},
		}, stateMsgs("power, mode, fan speed, PM2.5, filter life", purifierState)...)...),
	},
	{
		Type: TypeGateway, Firmware: "3-0-7", Module: "2-1-1", Gateway: true,
		Record: record(SubGateway, "Zigbee gateway", "gateway", "GW-Z3", "wifi",
			"Wi-Fi to Zigbee gateway; bulbs, door sensors and switches join it"),
		DataPoints: []models.DataPoint{
			dp("permitJoin", "Permit join", "bool", "", "match window open"),
			dp("remaining", "Window remaining", "int", "s", ""),
			dp("subDevices", "Sub-devices", "int", "", "joined sub-devices"),
		},
		Messages: common(append([]Message{
			{Code: CodeListSubDevices, Name: "list sub-devices", Dir: Command, Reply: CodeSubList,
				Doc: "lists the sub-devices that joined"},
			{Code: CodeForward, Name: "forward", Dir: Command, Reply: CodeForwarded, Example: "0123456789ABCDEF45",
				Doc: "passes a command to a sub-device; errors: 127 reason 5 or 6", Fields: []Field{
					{Name: "sub-device id", Offset: 0, Size: 8, Kind: KindID},
					{Name: "code", Offset: 8, Size: 1, Kind: KindUint, Min: 65, Max: 199},
					{Name: "payload", Offset: 9, Kind: KindBytes},
				}},
			{Code: CodeSubList, Name: "sub-devices", Dir: Reply, Doc: "count, then 10 bytes per sub-device",
				Fields: []Field{fUint("count", 0, 1, 0, 0, "")}, Repeat: subEntry},
			{Code: CodeForwarded, Name: "forwarded reply", Dir: Reply, Doc: "the sub-device's reply", Fields: []Field{
				{Name: "sub-device id", Offset: 0, Size: 8, Kind: KindID},
				{Name: "code", Offset: 8, Size: 1, Kind: KindUint},
				{Name: "payload", Offset: 9, Kind: KindBytes},
			}},
			{Code: CodeSubJoined, Name: "sub-device joined", Dir: Report, Doc: "a sub-device joined during a match window",
				Fields: []Field{
					{Name: "sub-device id", Offset: 0, Size: 8, Kind: KindID},
					{Name: "type", Offset: 8, Size: 1, Kind: KindEnum, Meaning: ProductType},
				}},
		}, stateMsgs("match window and sub-device count; also reported when the window opens, closes or expires", gatewayState)...)...),
	},
	{
		Type: TypeBulb, Firmware: "1-1-5", Module: "1-3-0", SubDevice: true,
		Record: record(SubBulb, "Tunable white bulb", "device", "BL-9", "zigbee",
			"Zigbee bulb with brightness and colour temperature"),
		DataPoints: []models.DataPoint{
			dp("on", "Power", "bool", "", ""),
			dp("brightness", "Brightness", "int", "%", "1–100"),
			dp("kelvin", "Colour temperature", "int", "K", "2700–6500"),
		},
		Messages: common(append([]Message{
			{Code: CodeSetPower, Name: "set power", Dir: Command, Reply: CodeState, Example: "02",
				Doc: "switches the bulb", Fields: []Field{fPower(0)}},
			{Code: CodeSetBrightness, Name: "set brightness", Dir: Command, Reply: CodeState, Example: "32",
				Doc: "does not switch the bulb on", Fields: []Field{fUint("brightness", 0, 1, 1, 100, "%")}},
			{Code: CodeSetColourTemp, Name: "set colour temperature", Dir: Command, Reply: CodeState, Example: "0FA0",
				Doc: "warm 2700 K to cold 6500 K", Fields: []Field{fUint("colour temperature", 0, 2, 2700, 6500, "K")}},
		}, stateMsgs("power, brightness, colour temperature", bulbState)...)...),
	},
	{
		Type: TypeDoorSensor, Firmware: "1-0-3", Module: "1-3-0", SubDevice: true,
		Record: record(SubDoorSensor, "Door sensor", "device", "DS-2", "zigbee",
			"Zigbee contact sensor on battery"),
		DataPoints: []models.DataPoint{
			dp("open", "Open", "bool", "", "contact open"),
			dp("battery", "Battery", "int", "%", ""),
		},
		Messages: common(append([]Message{
			{Code: CodeSimulateContact, Name: "simulate contact", Dir: Command, Reply: CodeState, Example: "01",
				Doc: "simulator only: opens or closes the door as if someone did", Fields: []Field{
					{Name: "contact", Offset: 0, Size: 1, Kind: KindEnum, Max: 1, Enum: []string{"closed", "open"}},
				}},
			{Code: CodeTelemetry, Name: "battery", Dir: Report, Doc: "every tenth telemetry interval while online (battery devices report rarely)",
				Fields: []Field{fUint("battery", 0, 1, 0, 0, "%")}},
		}, stateMsgs("contact and battery; the door also opens and closes on its own", doorState)...)...),
	},
	{
		Type: TypeSwitch, Firmware: "1-2-1", Module: "1-3-0", SubDevice: true,
		Record: record(SubSwitch, "Wall switch", "device", "WS-3", "zigbee",
			"Zigbee wall switch with 1 to 3 gangs"),
		DataPoints: []models.DataPoint{
			dp("gangs", "Gangs", "int", "", "1–3, fixed per device"),
			dp("on", "On", "bits", "", "bit 0 = gang 1 … bit 2 = gang 3"),
		},
		Messages: common(append([]Message{
			{Code: CodeSetGang, Name: "set gang", Dir: Command, Reply: CodeState, Example: "0101",
				Doc: "gang 0 means every gang; a gang above the device's count is out of range", Fields: []Field{
					fUint("gang", 0, 1, 0, 3, ""),
					fPower(1),
				}},
		}, stateMsgs("gang count and on bits", switchState)...)...),
	},
}
