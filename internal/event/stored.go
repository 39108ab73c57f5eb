package event

import (
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// The EVENTS stream: every accepted event, until the router has handed it
// on.
const (
	Stream = "EVENTS"
	// SubjectPrefix starts every event subject:
	// events.<account>.<region>.<bus, base64url>.
	SubjectPrefix = "events."
)

// Headers of a stored event.
const (
	HeaderAccount  = "Sy-Account"
	HeaderRegion   = "Sy-Region"
	HeaderBus      = "Sy-Bus"
	HeaderIngested = "Sy-Ingested" // RFC 3339 with nanoseconds
	HeaderHops     = "Sy-Hops"     // bus-to-bus hops so far
	HeaderReplay   = "Sy-Replay"   // replay name, for replayed events
)

// MaxHops bounds how many event buses one event may cross, so rules that
// send events back and forth cannot loop forever.
const MaxHops = 5

// ErrLoop is returned when an event has crossed too many buses.
var ErrLoop = errors.New("event crossed too many event buses")

// Subject is the EVENTS subject of a bus.
func Subject(account, region, bus string) string {
	return SubjectPrefix + account + "." + region + "." + base64.RawURLEncoding.EncodeToString([]byte(bus))
}

// NewID returns a random event id in the UUID form EventBridge uses.
func NewID() string { return uuid.New() }

// Meta is what travels with a stored event beside its envelope.
type Meta struct {
	// Account, Region and Bus say which bus the event is on.
	Account, Region, Bus string
	// Ingested is when the event was accepted (zero: unknown).
	Ingested time.Time
	// Hops counts the buses the event crossed before this one.
	Hops int
	// Replay names the replay that re-sent the event.
	Replay string
}

// Msg is the EVENTS message for an event with this meta: data is the
// envelope, id de-duplicates the write.
func (m *Meta) Msg(id string, data []byte) *store.Msg {
	return &store.Msg{Subject: Subject(m.Account, m.Region, m.Bus), ID: id, Data: data, Header: m.Header()}
}

// Header is the meta as the headers of a stored event.
func (m *Meta) Header() store.Header {
	h := store.Header{
		HeaderAccount: {m.Account},
		HeaderRegion:  {m.Region},
		HeaderBus:     {m.Bus},
	}
	if !m.Ingested.IsZero() {
		h[HeaderIngested] = []string{m.Ingested.UTC().Format(time.RFC3339Nano)}
	}
	if m.Hops > 0 {
		h[HeaderHops] = []string{strconv.Itoa(m.Hops)}
	}
	if m.Replay != "" {
		h[HeaderReplay] = []string{m.Replay}
	}
	return h
}

// MetaOf reads the meta of a stored event from its headers.
func MetaOf(h store.Header) Meta {
	m := Meta{Account: h.Get(HeaderAccount), Region: h.Get(HeaderRegion), Bus: h.Get(HeaderBus), Replay: h.Get(HeaderReplay)}
	m.Ingested, _ = time.Parse(time.RFC3339Nano, h.Get(HeaderIngested))
	m.Hops, _ = strconv.Atoi(h.Get(HeaderHops))
	return m
}
