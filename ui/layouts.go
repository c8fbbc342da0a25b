package ui

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// documentedLayouts are the message layouts of the local cloud's products,
// row by row as cloud/sim/PRODUCTS.md documents them (code | direction |
// name | payload | answer | example). The cloud's zc-product service
// describes a product's data points but not its byte layouts, and the
// console may not import the cloud; so the layouts come from the product
// documentation, and TestLayoutsMatchTheProductDocs fails when the two
// disagree. A product missing here still works: its commands are sent as
// raw hex with free codes 65–199.
//
// "common" rows belong to every product (PRODUCTS.md describes them in
// prose; the names here are that prose's).
const documentedLayouts = `
## common
65 | command | identify | empty | 101 |
69 | command | query state | empty | 102 |
101 | reply | info | [0] type u8: 1 plug, 2 purifier, 3 gateway, 4 bulb, 5 doorsensor, 6 switch; [1…] firmware (ASCII) | |
127 | reply | error | [0] reason u8: 1 unknown command, 2 bad payload length, 3 value out of range, 4 busy (firmware upgrade), 5 unknown sub-device, 6 sub-device did not answer; [1] command u8 | |
203 | report | upgrade | [0] phase u8: 1 download, 2 verify, 3 flash, 4 reboot, 5 done, 6 failed; [1] percent u8: in %; [2] failure u8: 0 none, 1 download interrupted, 2 checksum mismatch, 3 flash write error, 4 cancelled, 5 device removed | |

## plug
68 | command | set power | [0] power u8: 0 off, 1 on, 2 toggle | 102 | 01
69 | command | query state | empty | 102 |
70 | command | reset energy | empty | 102 |
102 | reply | state | [0] power u8: 0 off, 1 on; [1–2] draw u16: in 0.1 W; [3–6] energy u32: in Wh | |
201 | report | state changed | [0] power u8: 0 off, 1 on; [1–2] draw u16: in 0.1 W; [3–6] energy u32: in Wh | |
202 | report | power telemetry | [0–1] draw u16: in 0.1 W; [2–5] energy u32: in Wh | |

## purifier
68 | command | set power | [0] power u8: 0 off, 1 on, 2 toggle | 102 | 01
69 | command | query state | empty | 102 |
70 | command | set mode | [0] mode u8: 0 auto, 1 sleep, 2 manual, 3 turbo | 102 | 03
71 | command | set fan speed | [0] fan u8: 1–5 | 102 | 04
102 | reply | state | [0] power u8: 0 off, 1 on; [1] mode u8: 0 auto, 1 sleep, 2 manual, 3 turbo; [2] fan u8; [3–4] PM2.5 u16: in µg/m³; [5] filter u8: in % | |
201 | report | state changed | [0] power u8: 0 off, 1 on; [1] mode u8: 0 auto, 1 sleep, 2 manual, 3 turbo; [2] fan u8; [3–4] PM2.5 u16: in µg/m³; [5] filter u8: in % | |
202 | report | air quality | [0–1] PM2.5 u16: in µg/m³; [2] filter u8: in % | |

## gateway
69 | command | query state | empty | 102 |
71 | command | list sub-devices | empty | 103 |
72 | command | forward | [0–7] sub-device id (16 hex digits); [8] code u8: 65–199; [9…] payload bytes | 104 | 0123456789ABCDEF45
102 | reply | state | [0] permit join u8: 0 closed, 1 open; [1–2] remaining u16: in s; [3] sub-devices u8 | |
103 | reply | sub-devices | [0] count u8; then per entry: [0–7] sub-device id (16 hex digits); [8] type u8: 1 plug, 2 purifier, 3 gateway, 4 bulb, 5 doorsensor, 6 switch; [9] link u8: 0 offline, 1 online | |
104 | reply | forwarded reply | [0–7] sub-device id (16 hex digits); [8] code u8; [9…] payload bytes | |
201 | report | state changed | [0] permit join u8: 0 closed, 1 open; [1–2] remaining u16: in s; [3] sub-devices u8 | |
204 | report | sub-device joined | [0–7] sub-device id (16 hex digits); [8] type u8: 1 plug, 2 purifier, 3 gateway, 4 bulb, 5 doorsensor, 6 switch | |

## bulb
68 | command | set power | [0] power u8: 0 off, 1 on, 2 toggle | 102 | 02
69 | command | query state | empty | 102 |
70 | command | set brightness | [0] brightness u8: 1–100 % | 102 | 32
71 | command | set colour temperature | [0–1] colour temperature u16: 2700–6500 K | 102 | 0FA0
102 | reply | state | [0] power u8: 0 off, 1 on; [1] brightness u8: in %; [2–3] colour temperature u16: in K | |
201 | report | state changed | [0] power u8: 0 off, 1 on; [1] brightness u8: in %; [2–3] colour temperature u16: in K | |

## doorsensor
69 | command | query state | empty | 102 |
70 | command | simulate contact | [0] contact u8: 0 closed, 1 open | 102 | 01
102 | reply | state | [0] contact u8: 0 closed, 1 open; [1] battery u8: in % | |
201 | report | state changed | [0] contact u8: 0 closed, 1 open; [1] battery u8: in % | |
202 | report | battery | [0] battery u8: in % | |

## switch
68 | command | set gang | [0] gang u8: 0–3; [1] power u8: 0 off, 1 on, 2 toggle | 102 | 0101
69 | command | query state | empty | 102 |
102 | reply | state | [0] gangs u8; [1] on u8: bit 0 gang 1, bit 1 gang 2, bit 2 gang 3 | |
201 | report | state changed | [0] gangs u8; [1] on u8: bit 0 gang 1, bit 1 gang 2, bit 2 gang 3 | |
`

// layoutRow is one documented row before parsing.
type layoutRow struct {
	product                  string
	code                     int
	dir, name, layout, reply string
	example                  string
}

func splitLayoutRows(doc string) ([]layoutRow, error) {
	var rows []layoutRow
	product := ""
	for i, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if p, ok := strings.CutPrefix(line, "## "); ok {
			product = p
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) != 6 {
			return nil, fmt.Errorf("layout line %d: want 6 cells, got %d", i, len(cells))
		}
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		code, err := strconv.Atoi(cells[0])
		if err != nil {
			return nil, fmt.Errorf("layout line %d: code %q", i, cells[0])
		}
		rows = append(rows, layoutRow{product: product, code: code, dir: cells[1], name: cells[2], layout: cells[3], reply: cells[4], example: cells[5]})
	}
	return rows, nil
}

func (r layoutRow) spec() (MessageSpec, error) {
	m := MessageSpec{Code: r.code, Dir: r.dir, Name: r.name, Layout: r.layout}
	var err error
	if m.Fields, m.Repeat, err = parseLayout(r.layout); err != nil {
		return m, fmt.Errorf("%s %d: %w", r.product, r.code, err)
	}
	if r.reply != "" {
		if m.Reply, err = strconv.Atoi(r.reply); err != nil {
			return m, fmt.Errorf("%s %d: answer %q", r.product, r.code, r.reply)
		}
	}
	if r.example != "" {
		if m.Example, err = hex.DecodeString(r.example); err != nil {
			return m, fmt.Errorf("%s %d: example %q", r.product, r.code, r.example)
		}
	}
	return m, nil
}

var (
	layoutsOnce sync.Once
	layoutsBy   map[string][]MessageSpec
	layoutsErr  error
)

// productMessages returns the documented messages of a product: its own
// rows, then the common rows it does not redefine, in code order. nil for
// a product the documentation does not cover.
func productMessages(sub string) []MessageSpec {
	layoutsOnce.Do(func() {
		rows, err := splitLayoutRows(documentedLayouts)
		if err != nil {
			layoutsErr = err
			return
		}
		layoutsBy = map[string][]MessageSpec{}
		for _, r := range rows {
			m, err := r.spec()
			if err != nil {
				layoutsErr = err
				return
			}
			layoutsBy[r.product] = append(layoutsBy[r.product], m)
		}
	})
	own, ok := layoutsBy[sub]
	if !ok || sub == "common" {
		return nil
	}
	out := append([]MessageSpec(nil), own...)
	for _, c := range layoutsBy["common"] {
		dup := false
		for _, m := range own {
			if m.Code == c.Code && m.Dir == c.Dir {
				dup = true
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	sortMessages(out)
	return out
}

func sortMessages(ms []MessageSpec) {
	rank := map[string]int{DirCommand: 0, DirReply: 1, DirReport: 2}
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0; j-- {
			a, b := ms[j-1], ms[j]
			if rank[a.Dir] < rank[b.Dir] || rank[a.Dir] == rank[b.Dir] && a.Code <= b.Code {
				break
			}
			ms[j-1], ms[j] = b, a
		}
	}
}
