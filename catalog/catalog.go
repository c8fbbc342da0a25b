package catalog

import (
	"encoding/hex"

	"acconsole/models"
)

// Direction says who sends a message.
type Direction string

const (
	Command Direction = "command" // cloud → device, 65–199
	Reply   Direction = "reply"   // device → cloud, answer to a command
	Report  Direction = "report"  // device → cloud on its own, ≥ 200
)

// FieldKind says how a field's bytes read.
type FieldKind string

const (
	// KindUint is an unsigned big-endian integer of Size bytes.
	KindUint FieldKind = "uint"
	// KindEnum is a one-byte value named by Enum[value].
	KindEnum FieldKind = "enum"
	// KindBits is a one-byte bit set; Enum[i] names bit i.
	KindBits FieldKind = "bits"
	// KindID is an 8-byte physical id, written as 16 uppercase hex digits.
	KindID FieldKind = "id"
	// KindText is ASCII up to the end of the payload.
	KindText FieldKind = "text"
	// KindBytes is raw bytes up to the end of the payload.
	KindBytes FieldKind = "bytes"
)

// Meaning marks a field that a program acts on, so that no one has to
// find it by its name (names are for people and may change).
type Meaning string

const (
	// PairingOpen is the gateway's match window flag: 1 while
	// sub-devices may join, 0 when closed.
	PairingOpen Meaning = "pairing open"
	// PairingRemaining is the time left in the match window, in the
	// field's Unit (see Field.Duration).
	PairingRemaining Meaning = "pairing remaining"
	// ProductType is a product's Type number, named by its sub-domain
	// (the catalog fills in Enum from the products table).
	ProductType Meaning = "product type"
)

// Field is one field of a message's byte layout; the console's command
// composer builds a form from it, Set and Step write it, and Describe and
// Explain read payloads with it.
type Field struct {
	Name   string
	Offset int
	// Size in bytes; 0 means "to the end of the payload".
	Size int
	Kind FieldKind
	// Min and Max bound the value of a command field; a device answers an
	// out-of-range value with error 127 reason 3.
	Min, Max int64
	Enum     []string
	Unit     string
	// Decimals scales the value: 125 with Decimals 1 reads 12.5.
	Decimals int
	// Terse leaves the name out of Describe's words ("12.5 W", not
	// "power 12.5 W"); enum values are always shown alone there.
	Terse bool
	// Meaning marks the fields programs act on; "" for the others.
	Meaning Meaning
}

// HasRange says whether Min and Max bound the field's value.
func (f Field) HasRange() bool { return f.Min != 0 || f.Max != 0 }

// Message documents one message code of a product.
type Message struct {
	Code int
	Name string
	Dir  Direction
	// Reply is the code a command is answered with (besides error 127).
	Reply int
	Doc   string
	// Fields in byte order. An empty list means an empty payload.
	Fields []Field
	// Repeat, when set, is the layout of each entry of a list that follows
	// Fields (the gateway's sub-device list).
	Repeat []Field
	// Example is a payload in hex, for people driving a device by hand.
	Example string
}

// ExamplePayload is Example as bytes; nil when there is none.
func (m Message) ExamplePayload() []byte {
	b, _ := hex.DecodeString(m.Example)
	return b
}

// Layout is the message's byte layout in the notation of the product
// reference: "[0] power u8: 0 off, 1 on, 2 toggle".
func (m Message) Layout() string { return layoutText(&m) }

// FieldWith finds the field marked with a meaning, in Fields.
func (m Message) FieldWith(x Meaning) (Field, bool) {
	for _, f := range m.Fields {
		if f.Meaning == x {
			return f, true
		}
	}
	return Field{}, false
}

// Size is the fixed payload length, or -1 when it varies.
func (m Message) Size() int {
	if len(m.Repeat) > 0 {
		return -1
	}
	n := 0
	for _, f := range m.Fields {
		if f.Size == 0 {
			return -1
		}
		n = f.Offset + f.Size
	}
	return n
}

// MinSize is the shortest payload that holds every field.
func (m Message) MinSize() int {
	n := 0
	for _, f := range m.Fields {
		if f.Offset+f.Size > n {
			n = f.Offset + f.Size
		}
	}
	return n
}

// Product is one product of the simulated catalog.
type Product struct {
	Record     models.Product
	DataPoints []models.DataPoint
	Messages   []Message
	// Firmware is the MCU version a new device runs (PROTOCOL §3.6 form);
	// Module is its communication module's version (otaType 2).
	Firmware, Module string
	Type             int
	// Gateway products open match windows; SubDevice products join one.
	Gateway, SubDevice bool
}

// Commands lists the product's commands (a copy).
func (p *Product) Commands() []Message { return cloneMsgs(p.filter(Command)) }

// Reports lists the product's reports (a copy).
func (p *Product) Reports() []Message { return cloneMsgs(p.filter(Report)) }

func (p *Product) filter(d Direction) []Message {
	var out []Message
	for _, m := range p.Messages {
		if m.Dir == d {
			out = append(out, m)
		}
	}
	return out
}

// Message finds a message by code and direction; nil when the product
// has none. It points into p.
func (p *Product) Message(code int, d Direction) *Message {
	for i := range p.Messages {
		if p.Messages[i].Code == code && p.Messages[i].Dir == d {
			return &p.Messages[i]
		}
	}
	return nil
}

// Catalog lists the simulated products, by sub-domain name. The result is a
// deep copy: callers may change it.
func Catalog() []Product {
	out := make([]Product, 0, len(products))
	for _, name := range order {
		out = append(out, products[name].Clone())
	}
	return out
}

// Lookup finds a product by sub-domain name (a deep copy).
func Lookup(subDomain string) (Product, bool) {
	p, ok := products[subDomain]
	if !ok {
		return Product{}, false
	}
	return p.Clone(), true
}

// Clone copies a product down to its enum names, so that no caller can
// change what the devices run on.
func (p *Product) Clone() Product {
	c := *p
	c.DataPoints = append([]models.DataPoint(nil), p.DataPoints...)
	c.Messages = cloneMsgs(p.Messages)
	return c
}

func cloneMsgs(ms []Message) []Message {
	out := append([]Message(nil), ms...)
	for i := range out {
		out[i].Fields = cloneFields(out[i].Fields)
		out[i].Repeat = cloneFields(out[i].Repeat)
	}
	return out
}

func cloneFields(fs []Field) []Field {
	if fs == nil {
		return nil
	}
	out := append([]Field(nil), fs...)
	for i := range out {
		out[i].Enum = append([]string(nil), out[i].Enum...)
	}
	return out
}

// Commands lists the commands of a product for the command composer; nil
// for an unknown product.
func Commands(subDomain string) []Message {
	p, ok := products[subDomain]
	if !ok {
		return nil
	}
	return p.Commands()
}

// Messages lists every message of a product, commands first, then replies
// and reports, each in code order (a copy); nil for an unknown product.
func Messages(subDomain string) []Message {
	p, ok := products[subDomain]
	if !ok {
		return nil
	}
	return cloneMsgs(p.Messages)
}

// PairingWindow finds the fields of a product's state report (201) that
// carry its match window; ok is false for a product that has none.
func PairingWindow(subDomain string) (open, remaining Field, ok bool) {
	p, found := products[subDomain]
	if !found {
		return Field{}, Field{}, false
	}
	m := p.Message(CodeStateChanged, Report)
	if m == nil {
		return Field{}, Field{}, false
	}
	open, ok1 := m.FieldWith(PairingOpen)
	remaining, ok2 := m.FieldWith(PairingRemaining)
	if !ok1 || !ok2 {
		return Field{}, Field{}, false
	}
	return cloneFields([]Field{open})[0], cloneFields([]Field{remaining})[0], true
}
