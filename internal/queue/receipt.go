package queue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// A receipt handle names a delivery of the queue's receive consumer by its
// JetStream reply subject ($JS.ACK.[<domain>.<account hash>.]<stream>.
// <consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.
// <pending>[...]): acknowledging that subject deletes a standard queue's
// message, negatively acknowledging it with a delay changes its
// visibility. It stays valid across restarts because the consumer's state
// is durable. On a FIFO queue the delivery is the group's token and the
// handle adds the group, the message's sequence and the first and last
// sequences that receive handed out and the token's lease (fifo.go).
//
// The handle ends with a MAC under the queue's handle key (kept in its
// record): queues share streams, and JetStream removes any message a
// consumer acknowledges that no other consumer still needs, so a forged
// handle naming another queue's sequence would delete that queue's
// message. A handle is only honoured by the queue incarnation that issued
// it.

// receipt is a checked receipt handle.
type receipt struct {
	subject string // the delivery's reply subject
	seq     uint64 // stream sequence of the delivery
	// FIFO queues: the message's group hash and sequence, the first and
	// last sequences handed out with it, and the token's lease.
	group                      string
	member, first, last, lease uint64
}

func (rt *runtime) mac(payload string) string {
	m := hmac.New(sha256.New, rt.handleKey)
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (rt *runtime) encodeReceipt(r receipt) string {
	payload := r.subject
	if r.group != "" {
		payload += " " + r.group + " " + strconv.FormatUint(r.member, 10) + " " +
			strconv.FormatUint(r.first, 10) + " " + strconv.FormatUint(r.last, 10) + " " + strconv.FormatUint(r.lease, 10)
	}
	return base64.StdEncoding.EncodeToString([]byte(payload + " " + rt.mac(payload)))
}

// parseReceipt decodes and checks a receipt handle issued by this queue
// incarnation.
func (rt *runtime) parseReceipt(handle string) (receipt, bool) {
	raw, err := base64.StdEncoding.DecodeString(handle)
	if err != nil || len(raw) > 1024 {
		return receipt{}, false
	}
	i := strings.LastIndexByte(string(raw), ' ')
	if i < 0 {
		return receipt{}, false
	}
	payload, mac := string(raw[:i]), raw[i+1:]
	if !hmac.Equal(mac, []byte(rt.mac(payload))) {
		return receipt{}, false
	}
	fields := strings.Split(payload, " ")
	r := receipt{subject: fields[0]}
	var ok bool
	if r.seq, ok = ackSubjectSeq(r.subject, rt.stream, rt.consumer); !ok {
		return receipt{}, false
	}
	switch {
	case rt.fifo == nil && len(fields) == 1:
		return r, true
	case rt.fifo != nil && len(fields) == 6:
		r.group = fields[1]
		var errs [4]error
		r.member, errs[0] = strconv.ParseUint(fields[2], 10, 64)
		r.first, errs[1] = strconv.ParseUint(fields[3], 10, 64)
		r.last, errs[2] = strconv.ParseUint(fields[4], 10, 64)
		r.lease, errs[3] = strconv.ParseUint(fields[5], 10, 64)
		if errs == [4]error{} && validToken(r.group) && r.first <= r.member && r.member <= r.last {
			return r, true
		}
	}
	return receipt{}, false
}

// ackSubjectSeq checks that subject is a reply subject of the given stream
// and consumer and returns the delivery's stream sequence.
func ackSubjectSeq(subject, stream, consumer string) (uint64, bool) {
	// At most 16 tokens are valid; split into an array, not a new slice.
	var buf [17]string
	tokens := buf[:0]
	for rest := subject; ; {
		if len(tokens) == len(buf) {
			return 0, false
		}
		tok, after, more := strings.Cut(rest, ".")
		tokens = append(tokens, tok)
		if !more {
			break
		}
		rest = after
	}
	if len(tokens) < 9 || tokens[0] != "$JS" || tokens[1] != "ACK" {
		return 0, false
	}
	offset := 2
	switch {
	case len(tokens) == 9:
	case len(tokens) >= 11 && len(tokens) <= 16:
		offset = 4
		if !validToken(tokens[2]) || !validToken(tokens[3]) {
			return 0, false
		}
	default:
		return 0, false
	}
	if tokens[offset] != stream || tokens[offset+1] != consumer {
		return 0, false
	}
	var seq uint64
	for i := offset + 2; i < offset+7; i++ {
		n, err := strconv.ParseUint(tokens[i], 10, 64)
		if err != nil {
			return 0, false
		}
		if i == offset+3 {
			seq = n
		}
	}
	for _, t := range tokens[offset+7:] {
		if !validToken(t) {
			return 0, false
		}
	}
	return seq, seq != 0
}

// validToken accepts a subject token made of letters, digits, '_' and '-'.
func validToken(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
