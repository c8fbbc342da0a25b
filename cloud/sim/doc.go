// Code generated from the message specs by TestReference -update; DO NOT EDIT.

// Package sim simulates the devices of the local cloud: a catalog of
// products (smart plug, air purifier, Zigbee gateway, bulb, door sensor, wall
// switch) with their data points and binary message layouts, and a Fleet of
// devices that connect to the hub, answer commands within microseconds, send
// state and telemetry reports, drop offline and come back (churn), let
// sub-devices join gateways during match windows, and run firmware upgrades.
//
// The whole fleet runs off one scheduler with a single timer, so 100 000
// idle devices cost no goroutines and almost no CPU. Time comes from a
// clock.Clock: production uses the wall clock; tests use a clock.Fake and Advance
// it, so nothing sleeps.
//
// This comment is generated from the message specs, like PRODUCTS.md; see
// reference.go.
//
// # Simulated products
//
// Every simulated device speaks a small binary protocol in the payloads of
// sendToDevice (PROTOCOL §2.2.6). All integers are unsigned and big-endian.
// A command's payload must have exactly the length shown (a trailing
// "…" field takes the rest of the payload); anything else gets error 127.
//
// Codes: commands 65–199, replies 100–127, reports 200 and up. These mean
// the same on every product that has them:
//
//	65  identify      command  empty → 101 info: [0] product type, [1…] firmware (ASCII)
//	69  query state   command  empty → 102 state (layout per product)
//	127 error         reply    [0] reason, [1] the refused command's code
//	201 state changed report   same layout as 102; sent after every change
//	203 upgrade       report   [0] phase, [1] percent, [2] failure
//
// Error reasons (byte 0 of 127): 1 unknown command, 2 bad payload length,
// 3 value out of range, 4 busy (firmware upgrade), 5 unknown sub-device,
// 6 sub-device did not answer. A refused command changes nothing.
//
// Product types (info reply, sub-device lists): 1 plug, 2 purifier,
// 3 gateway, 4 bulb, 5 doorsensor, 6 switch.
//
// Upgrade phases (byte 0 of 203): 1 download, 2 verify, 3 flash, 4 reboot,
// 5 done, 6 failed. Failures (byte 2): 0 none, 1 download interrupted,
// 2 checksum mismatch, 3 flash write error, 4 cancelled, 5 device removed.
// While flashing, commands get error 127 reason 4; during the reboot the
// device is offline.
//
// Power bytes read 0 off, 1 on, 2 toggle. Telemetry reports (202) come once
// per telemetry interval (default 30 s) while the device is online.
//
// Device timers (zc-timer-task taskFlag 1): every product keeps the timers
// the cloud hands it and fires them from its own clock, applying the
// command as a command from the cloud would (same checks, state change and
// 201), also while it cannot reach the cloud. It reports each firing to the
// cloud, with the time it happened; firings made offline (the last 100) are
// reported after it reconnects.
//
// Driving a device by hand: send the code (decimal) as messageCode and the
// payload (hex here) as the octet-stream body; the reply's code comes back
// in X-Zc-Msg-Attr_code. For example, to switch a plug on and read it back:
//
//	sendToDevice subDomain=plug messageCode=68 body 01
//	→ code 102, body 01 00 5F 00 00 30 39 = "state: on, 9.5 W, 12345 Wh"
//
// Gateways: while a match window is open, the sub-devices in range
// (bulbs, door sensors, switches) join one at a time, 3 s apart by default,
// each announced by report 204 and followed by 201. Their physical ids are
// 16 uppercase hex digits derived from the gateway's id. A sub-device is
// online only while its gateway is; it can be reached directly
// (sendToDevice with its own sub-domain and id) or through the gateway with
// command 72 (forward), e.g. to query bulb 0123456789ABCDEF:
//
//	sendToDevice subDomain=gateway messageCode=72 body 0123456789ABCDEF 45
//	→ code 104, body 0123456789ABCDEF 66 <the bulb's 102 payload>
//
// # plug: Smart plug
//
// Wi-Fi smart plug with power metering. Product type 1, default firmware 1-4-2 (module 2-0-4). Also the common codes 65, 101, 127 and 203.
//
//	68  command set power              [0] power u8: 0 off, 1 on, 2 toggle → 102 (e.g. 01)
//	69  command query state            empty → 102
//	70  command reset energy           empty → 102
//	102 reply   state                  [0] power u8: 0 off, 1 on; [1–2] draw u16: in 0.1 W; [3–6] energy u32: in Wh
//	201 report  state changed          [0] power u8: 0 off, 1 on; [1–2] draw u16: in 0.1 W; [3–6] energy u32: in Wh
//	202 report  power telemetry        [0–1] draw u16: in 0.1 W; [2–5] energy u32: in Wh
//
// # purifier: Air purifier
//
// Wi-Fi air purifier with a PM2.5 sensor. Product type 2, default firmware 2-1-0 (module 2-0-4). Also the common codes 65, 101, 127 and 203.
//
//	68  command set power              [0] power u8: 0 off, 1 on, 2 toggle → 102 (e.g. 01)
//	69  command query state            empty → 102
//	70  command set mode               [0] mode u8: 0 auto, 1 sleep, 2 manual, 3 turbo → 102 (e.g. 03)
//	71  command set fan speed          [0] fan u8: 1–5 → 102 (e.g. 04)
//	102 reply   state                  [0] power u8: 0 off, 1 on; [1] mode u8: 0 auto, 1 sleep, 2 manual, 3 turbo; [2] fan u8; [3–4] PM2.5 u16: in µg/m³; [5] filter u8: in %
//	201 report  state changed          [0] power u8: 0 off, 1 on; [1] mode u8: 0 auto, 1 sleep, 2 manual, 3 turbo; [2] fan u8; [3–4] PM2.5 u16: in µg/m³; [5] filter u8: in %
//	202 report  air quality            [0–1] PM2.5 u16: in µg/m³; [2] filter u8: in %
//
// # gateway: Zigbee gateway
//
// Wi-Fi to Zigbee gateway; bulbs, door sensors and switches join it. Product type 3, default firmware 3-0-7 (module 2-1-1). Also the common codes 65, 101, 127 and 203.
//
//	69  command query state            empty → 102
//	71  command list sub-devices       empty → 103
//	72  command forward                [0–7] sub-device id (16 hex digits); [8] code u8: 65–199; [9…] payload bytes → 104 (e.g. 0123456789ABCDEF45)
//	102 reply   state                  [0] permit join u8: 0 closed, 1 open; [1–2] remaining u16: in s; [3] sub-devices u8
//	103 reply   sub-devices            [0] count u8; then per entry: [0–7] sub-device id (16 hex digits); [8] type u8: 1 plug, 2 purifier, 3 gateway, 4 bulb, 5 doorsensor, 6 switch; [9] link u8: 0 offline, 1 online
//	104 reply   forwarded reply        [0–7] sub-device id (16 hex digits); [8] code u8; [9…] payload bytes
//	201 report  state changed          [0] permit join u8: 0 closed, 1 open; [1–2] remaining u16: in s; [3] sub-devices u8
//	204 report  sub-device joined      [0–7] sub-device id (16 hex digits); [8] type u8: 1 plug, 2 purifier, 3 gateway, 4 bulb, 5 doorsensor, 6 switch
//
// # bulb: Tunable white bulb
//
// Zigbee bulb with brightness and colour temperature. Product type 4, default firmware 1-1-5 (module 1-3-0). Also the common codes 65, 101, 127 and 203.
//
//	68  command set power              [0] power u8: 0 off, 1 on, 2 toggle → 102 (e.g. 02)
//	69  command query state            empty → 102
//	70  command set brightness         [0] brightness u8: 1–100 % → 102 (e.g. 32)
//	71  command set colour temperature [0–1] colour temperature u16: 2700–6500 K → 102 (e.g. 0FA0)
//	102 reply   state                  [0] power u8: 0 off, 1 on; [1] brightness u8: in %; [2–3] colour temperature u16: in K
//	201 report  state changed          [0] power u8: 0 off, 1 on; [1] brightness u8: in %; [2–3] colour temperature u16: in K
//
// # doorsensor: Door sensor
//
// Zigbee contact sensor on battery. Product type 5, default firmware 1-0-3 (module 1-3-0). Also the common codes 65, 101, 127 and 203.
//
//	69  command query state            empty → 102
//	70  command simulate contact       [0] contact u8: 0 closed, 1 open → 102 (e.g. 01)
//	102 reply   state                  [0] contact u8: 0 closed, 1 open; [1] battery u8: in %
//	201 report  state changed          [0] contact u8: 0 closed, 1 open; [1] battery u8: in %
//	202 report  battery                [0] battery u8: in %
//
// # switch: Wall switch
//
// Zigbee wall switch with 1 to 3 gangs. Product type 6, default firmware 1-2-1 (module 1-3-0). Also the common codes 65, 101, 127 and 203.
//
//	68  command set gang               [0] gang u8: 0–3; [1] power u8: 0 off, 1 on, 2 toggle → 102 (e.g. 0101)
//	69  command query state            empty → 102
//	102 reply   state                  [0] gangs u8; [1] on u8: bit 0 gang 1, bit 1 gang 2, bit 2 gang 3
//	201 report  state changed          [0] gangs u8; [1] on u8: bit 0 gang 1, bit 1 gang 2, bit 2 gang 3
package sim
