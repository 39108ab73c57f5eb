package delivery

import (
	"encoding/json"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
)

// Stream layout.
const (
	Stream        = "DELIVERIES"
	SubjectPrefix = "deliveries."
	HeaderTask    = "Sy-Task"
	// HeaderTarget carries the target ARN, so tasks can be sorted into
	// per-target lanes without decoding the task.
	HeaderTarget = "Sy-Target"
	// HeaderAttempts counts attempts made before the task was filed.
	HeaderAttempts = "Sy-Attempts"
	// HeaderNotBefore holds back a filed retry until its time (RFC 3339).
	HeaderNotBefore = "Sy-Not-Before"
)

// Task is one pending delivery: the message data is the event, the task
// rides in the Sy-Task header.
type Task struct {
	EventID  string          `json:"e"`
	Scope    catalog.Scope   `json:"s"`
	Bus      string          `json:"b"`
	Rule     string          `json:"r"`
	RuleArn  string          `json:"ra"`
	Target   catalog.Target  `json:"t"`
	Ingested time.Time       `json:"i"`
	Hops     int             `json:"h,omitempty"`
	Replay   string          `json:"rp,omitempty"`
	Extra    json.RawMessage `json:"x,omitempty"`
}

// Subject returns the DELIVERIES subject for a task.
func Subject(account string) string { return SubjectPrefix + account }

// Msg is the DELIVERIES message that files the task for event.
func (t *Task) Msg(event []byte) *store.Msg {
	hdr, _ := json.Marshal(t)
	return &store.Msg{
		Subject: Subject(t.Scope.Account),
		ID:      t.MessageID(),
		Data:    event,
		Header:  store.Header{HeaderTask: {string(hdr)}, HeaderTarget: {t.Target.Arn}},
	}
}

// MessageID de-duplicates a task's publication.
func (t *Task) MessageID() string {
	return t.EventID + "|" + t.RuleArn + "|" + t.Target.ID
}
