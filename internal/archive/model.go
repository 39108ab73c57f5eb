package archive

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
)

// Bucket is the key-value bucket holding archive and replay records.
const Bucket = "switchyard-archives"

// Archive states (as in the API).
const (
	StateEnabled      = "ENABLED"
	StateDisabled     = "DISABLED"
	StateCreating     = "CREATING"
	StateUpdating     = "UPDATING"
	StateCreateFailed = "CREATE_FAILED"
	StateUpdateFailed = "UPDATE_FAILED"
)

// Replay states (as in the API).
const (
	ReplayStarting   = "STARTING"
	ReplayRunning    = "RUNNING"
	ReplayCancelling = "CANCELLING"
	ReplayCompleted  = "COMPLETED"
	ReplayCancelled  = "CANCELLED"
	ReplayFailed     = "FAILED"
)

// Archive is an archive record.
type Archive struct {
	catalog.Scope
	Name        string `json:"name"`
	ID          string `json:"id"` // names the stream; new for every archive created
	Bus         string `json:"bus"`
	Description string `json:"description,omitempty"`
	Pattern     string `json:"pattern,omitempty"`
	// RetentionDays is nil when the archive was created without one (kept
	// forever, and not reported).
	RetentionDays    *int32    `json:"retentionDays,omitempty"`
	KmsKeyIdentifier string    `json:"kmsKeyIdentifier,omitempty"`
	State            string    `json:"state"`
	StateReason      string    `json:"stateReason,omitempty"`
	Created          time.Time `json:"created"`
}

// Arn returns the archive ARN.
func (a *Archive) Arn() string { return ArchiveArn(a.Scope, a.Name) }

// ArchiveArn returns the ARN of archive name in scope.
func ArchiveArn(s catalog.Scope, name string) string {
	return s.In("events", "archive/"+name).String()
}

// ReplayArn returns the ARN of replay name in scope.
func ReplayArn(s catalog.Scope, name string) string {
	return s.In("events", "replay/"+name).String()
}

// Stream is the name of the archive's stream.
func (a *Archive) Stream() string { return StreamName(a.ID) }

// StreamName is the stream of the archive with this id.
func StreamName(id string) string { return "ARCHIVE_" + id }

// Subjects of an archive stream: events whose time is close to when they
// were archived ("e", in time order), the others ("o"), and events stored
// again after the router handled them a second time ("r"). Batches of
// events add their count to the subject (archive.<id>.e.<n>, see
// writer.go).
func subjectInOrder(id string) string     { return "archive." + id + ".e" }
func subjectOutOfOrder(id string) string  { return "archive." + id + ".o" }
func subjectRedelivered(id string) string { return "archive." + id + ".r" }

// retention is the stream MaxAge for a number of days (0 keeps forever).
func retention(days *int32, day time.Duration) time.Duration {
	if days == nil || *days <= 0 {
		return 0
	}
	return time.Duration(*days) * day
}

// Replay is a replay record. Progress fields are written by the node that
// runs it.
type Replay struct {
	catalog.Scope
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Archive     string `json:"archive"`
	ArchiveID   string `json:"archiveId"`
	// DestinationArn is as the client gave it; Bus is the bus it names.
	DestinationArn string    `json:"destinationArn"`
	Bus            string    `json:"bus"`
	FilterArns     []string  `json:"filterArns,omitempty"`
	Rules          []string  `json:"rules,omitempty"` // rule names from FilterArns
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	// Speed paces the replay at a multiple of the original event rate;
	// 0 replays as fast as possible (Switchyard only).
	Speed float64 `json:"speed,omitempty"`

	State        string    `json:"state"`
	StateReason  string    `json:"stateReason,omitempty"`
	ReplayStart  time.Time `json:"replayStart"`
	ReplayEnd    time.Time `json:"replayEnd,omitzero"`
	LastReplayed time.Time `json:"lastReplayed,omitzero"`

	// Position: Phase 0 reads the in-order subject, phase 1 the other;
	// Seq is the last stream sequence handled in that phase.
	Phase    int    `json:"phase"`
	Seq      uint64 `json:"seq"`
	Replayed int64  `json:"replayed"`

	// Owner is the node running the replay, until LeaseUntil.
	Owner      string    `json:"owner,omitempty"`
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
}

// Arn returns the replay ARN.
func (r *Replay) Arn() string { return ReplayArn(r.Scope, r.Name) }

// Active reports whether the replay counts toward the limit of active
// replays (STARTING or RUNNING).
func (r *Replay) Active() bool { return r.State == ReplayStarting || r.State == ReplayRunning }

// Finished reports whether the replay is in a final state.
func (r *Replay) Finished() bool {
	return r.State == ReplayCompleted || r.State == ReplayCancelled || r.State == ReplayFailed
}

// drop records that the stream of a deleted archive is to be removed
// (see DeleteArchive and sweep): written before the archive record is
// deleted, removed once the stream is gone. Its key names the archive id.
type drop struct {
	Archive string    `json:"archive"` // the archive's name, for logs
	Since   time.Time `json:"since"`
}

// admitted is the serialization point of the limit on active replays of
// one account and region (see admitReplay): the replays admitted whose
// records may not be visible yet, with when each was admitted.
type admitted struct {
	Pending map[string]time.Time `json:"pending"`
}

// Kinds of key in the bucket: kind.<account>.<region>.<name> (see
// store.RecordKey).
const (
	kindArchive  = "archive"
	kindReplay   = "replay"
	kindDrop     = "drop"     // name: an archive id
	kindAdmitted = "admitted" // name: admittedName
)

const admittedName = "replays"

func recordKey(kind string, s catalog.Scope, name string) string {
	return store.RecordKey(kind, s.Account, s.Region, name)
}

func archiveKey(s catalog.Scope, name string) string { return recordKey(kindArchive, s, name) }

func replayKey(s catalog.Scope, name string) string { return recordKey(kindReplay, s, name) }

func dropKey(s catalog.Scope, id string) string { return recordKey(kindDrop, s, id) }

func admittedKey(s catalog.Scope) string { return recordKey(kindAdmitted, s, admittedName) }

// parseKey splits a key into kind, scope and name.
func parseKey(key string) (kind string, s catalog.Scope, name string, err error) {
	var names []string
	kind, s.Account, s.Region, names, err = store.SplitRecordKey(key)
	if err == nil && len(names) != 1 {
		err = fmt.Errorf("archive: bad key %q", key)
	}
	if err != nil {
		return "", catalog.Scope{}, "", err
	}
	return kind, s, names[0], nil
}

// newID returns a random id for a stream name.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
