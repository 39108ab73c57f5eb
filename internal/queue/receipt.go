package queue

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// A receipt handle is the base64 of the delivery's JetStream reply subject
// ($JS.ACK.[<domain>.<account hash>.]<stream>.<consumer>.<delivered>.
// <stream seq>.<consumer seq>.<timestamp>.<pending>[...]). Acknowledging
// that subject deletes the message; negatively acknowledging it with a delay
// changes its visibility. It stays valid across restarts because the
// consumer's state is durable.
//
// A handle is only ever used after parseReceipt has checked that it is the
// reply subject of this queue's receive consumer, so a forged handle can at
// most acknowledge a message of the same queue, never publish to another
// subject.

func encodeReceipt(reply string) string {
	return base64.StdEncoding.EncodeToString([]byte(reply))
}

// receipt is a checked receipt handle.
type receipt struct {
	subject string
	seq     uint64 // stream sequence of the message
}

// parseReceipt decodes a receipt handle issued for stream's receive
// consumer.
func parseReceipt(handle, stream string) (receipt, bool) {
	raw, err := base64.StdEncoding.DecodeString(handle)
	if err != nil || len(raw) > 512 {
		return receipt{}, false
	}
	subject := string(raw)
	// At most 16 tokens are valid; split into an array, not a new slice.
	var buf [17]string
	tokens := buf[:0]
	for rest := subject; ; {
		if len(tokens) == len(buf) {
			return receipt{}, false
		}
		tok, after, more := strings.Cut(rest, ".")
		tokens = append(tokens, tok)
		if !more {
			break
		}
		rest = after
	}
	if len(tokens) < 9 || tokens[0] != "$JS" || tokens[1] != "ACK" {
		return receipt{}, false
	}
	offset := 2
	switch {
	case len(tokens) == 9:
	case len(tokens) >= 11 && len(tokens) <= 16:
		offset = 4
		if !validToken(tokens[2]) || !validToken(tokens[3]) {
			return receipt{}, false
		}
	default:
		return receipt{}, false
	}
	if tokens[offset] != stream || tokens[offset+1] != receiveConsumer {
		return receipt{}, false
	}
	var seq uint64
	for i := offset + 2; i < offset+7; i++ {
		n, err := strconv.ParseUint(tokens[i], 10, 64)
		if err != nil {
			return receipt{}, false
		}
		if i == offset+3 {
			seq = n
		}
	}
	for _, t := range tokens[offset+7:] {
		if !validToken(t) {
			return receipt{}, false
		}
	}
	if seq == 0 {
		return receipt{}, false
	}
	return receipt{subject: subject, seq: seq}, true
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
