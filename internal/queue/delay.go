package queue

import (
	"strconv"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Delayed messages (DelaySeconds on the queue or the message) never reach
// the receive consumer early, and nothing of the queue runs while they
// wait:
//
//   - On a standard queue a delayed message is a JetStream schedule on its
//     own subject (.d.<message id>): when it is due the server stores a
//     copy on the visible subject (with the rest of the queue's retention
//     as its TTL) and removes the schedule, in one step, on whichever node
//     leads the stream. Its receive count starts at 1 like any other's.
//   - A FIFO queue's delayed message is stored in its group at once, in
//     send order, with its visible-at time in a header; the group's token
//     is not published before the group's first message is due: a kick (a
//     schedule on the group's .s subject) publishes to the queue's kick
//     subject at that time, and the receive that reads it promotes the
//     group (fifo.go).

// delayMessage makes a prepared message visible at at.
func delayMessage(q *queue, msg *store.Msg, at time.Time) {
	msg.Header[hdrVisibleAt] = []string{strconv.FormatInt(at.UnixMilli(), 10)}
	if q.rt.fifo != nil {
		return
	}
	msg.Subject = q.rt.delayed(msg.Header.Get(hdrMessageID))
	store.SetSchedule(msg.Header, at, q.rt.ready(), retention(q.rec)-time.Until(at))
}

// visibleAt returns when a FIFO message becomes visible (zero if it is not
// delayed).
func visibleAt(h store.Header) time.Time {
	ms, err := strconv.ParseInt(h.Get(hdrVisibleAt), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
