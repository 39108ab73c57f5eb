package queue

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// A fast path for decoding the requests of the message operations
// (SendMessage, SendMessageBatch, ReceiveMessage, DeleteMessage,
// DeleteMessageBatch): at batch sizes, encoding/json's reflection took
// about a tenth of the server's time. decodeFast handles the documents SDKs
// send: objects with the shape's members spelt exactly, string, integer
// and string-array values, each member at most once. It gives up (returns
// false) on anything else, and decodeRequest then decodes with
// encoding/json, so the result, and every error, is what encoding/json
// gives. A document the fast path accepts decodes to exactly what
// encoding/json would produce (FuzzFastDecode checks that).
type fastDecoder interface {
	decodeFast(data []byte) bool
}

// jsonScanner reads a strict subset of JSON.
type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it comes next.
func (s *jsonScanner) next(c byte) bool {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *jsonScanner) end() bool {
	s.skipSpace()
	return s.pos == len(s.data)
}

// key reads an object member name (without escapes) and the colon after it.
func (s *jsonScanner) key() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c == '"' {
			k := s.data[start:s.pos]
			s.pos++
			return k, s.next(':')
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false
		}
		s.pos++
	}
	return nil, false
}

// str reads a string value. Strings with escapes are unquoted by
// encoding/json itself.
func (s *jsonScanner) str() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start := s.pos
	ascii, escaped := true, false
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			raw := s.data[start:s.pos]
			s.pos++
			if escaped {
				var v string
				if json.Unmarshal(s.data[start-1:s.pos], &v) != nil {
					return "", false
				}
				return v, true
			}
			if !ascii && !utf8.Valid(raw) {
				// encoding/json replaces invalid bytes with U+FFFD.
				return "", false
			}
			return string(raw), true
		case c == '\\':
			escaped = true
			// Skip the escaped character, so an escaped quote does not
			// end the string; encoding/json checks the escape.
			s.pos += 2
			continue
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.pos++
	}
	return "", false
}

// int32 reads an integer value that fits an int32 (no fraction, no
// exponent: encoding/json refuses those for integer fields).
func (s *jsonScanner) int32() (*int32, bool) {
	s.skipSpace()
	start := s.pos
	if s.pos < len(s.data) && s.data[s.pos] == '-' {
		s.pos++
	}
	digits := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	n := s.pos - digits
	if n == 0 || n > 10 || (n > 1 && s.data[digits] == '0') {
		return nil, false
	}
	if s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
		default:
			return nil, false
		}
	}
	v, err := strconv.ParseInt(string(s.data[start:s.pos]), 10, 32)
	if err != nil {
		return nil, false
	}
	i := int32(v)
	return &i, true
}

// strings reads an array of strings.
func (s *jsonScanner) strings() ([]string, bool) {
	if !s.next('[') {
		return nil, false
	}
	out := []string{}
	if s.next(']') {
		return out, true
	}
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if s.next(']') {
			return out, true
		}
		if !s.next(',') {
			return nil, false
		}
	}
}

// object reads an object, calling member for each member name; member
// reads the value and returns the member's index (below 64) or -1 to give
// up. A member that comes twice gives up too: encoding/json would merge
// the two values, which is not worth copying.
func (s *jsonScanner) object(member func(key []byte) int) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	var seen uint64
	for {
		k, ok := s.key()
		if !ok {
			return false
		}
		i := member(k)
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads an array, calling elem for each element.
func (s *jsonScanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// decodeTop runs a top-level object decode and checks nothing follows.
func decodeTop(data []byte, member func(s *jsonScanner, key []byte) int) bool {
	s := &jsonScanner{data: data}
	return s.object(func(k []byte) int { return member(s, k) }) && s.end()
}

// setString reads a string into *dst and returns i, or -1.
func setString(s *jsonScanner, dst *string, i int) int {
	v, ok := s.str()
	if !ok {
		return -1
	}
	*dst = v
	return i
}

func setInt32(s *jsonScanner, dst **int32, i int) int {
	v, ok := s.int32()
	if !ok {
		return -1
	}
	*dst = v
	return i
}

func setStrings(s *jsonScanner, dst *[]string, i int) int {
	v, ok := s.strings()
	if !ok {
		return -1
	}
	*dst = v
	return i
}

// decodeBatch decodes a batch request: its QueueUrl, and its Entries, each
// entry's members with member (as object calls it).
func decodeBatch[E any](data []byte, queueURL *string, entries *[]E, member func(e *E, s *jsonScanner, key []byte) int) bool {
	return decodeTop(data, func(s *jsonScanner, k []byte) int {
		switch string(k) {
		case "QueueUrl":
			return setString(s, queueURL, 0)
		case "Entries":
			*entries = []E{}
			ok := s.array(func() bool {
				var zero E
				*entries = append(*entries, zero)
				e := &(*entries)[len(*entries)-1]
				return s.object(func(k []byte) int { return member(e, s, k) })
			})
			if !ok {
				return -1
			}
			return 1
		}
		return -1
	})
}

// decodeSendMember reads a member that SendMessage requests and
// SendMessageBatch entries share into its field (indexes 1 to 4: 0 is
// QueueUrl or Id).
func decodeSendMember(s *jsonScanner, k []byte, body *string, delay **int32, dedup, group *string) int {
	switch string(k) {
	case "MessageBody":
		return setString(s, body, 1)
	case "DelaySeconds":
		return setInt32(s, delay, 2)
	case "MessageDeduplicationId":
		return setString(s, dedup, 3)
	case "MessageGroupId":
		return setString(s, group, 4)
	}
	return -1
}

func (r *sendMessageRequest) decodeFast(data []byte) bool {
	return decodeTop(data, func(s *jsonScanner, k []byte) int {
		if string(k) == "QueueUrl" {
			return setString(s, &r.QueueUrl, 0)
		}
		return decodeSendMember(s, k, &r.MessageBody, &r.DelaySeconds, &r.MessageDeduplicationId, &r.MessageGroupId)
	})
}

func (r *sendMessageBatchRequest) decodeFast(data []byte) bool {
	return decodeBatch(data, &r.QueueUrl, &r.Entries, (*sendMessageBatchRequestEntry).decodeMember)
}

func (e *sendMessageBatchRequestEntry) decodeMember(s *jsonScanner, k []byte) int {
	if string(k) == "Id" {
		return setString(s, &e.Id, 0)
	}
	return decodeSendMember(s, k, &e.MessageBody, &e.DelaySeconds, &e.MessageDeduplicationId, &e.MessageGroupId)
}

func (r *receiveMessageRequest) decodeFast(data []byte) bool {
	return decodeTop(data, func(s *jsonScanner, k []byte) int {
		switch string(k) {
		case "QueueUrl":
			return setString(s, &r.QueueUrl, 0)
		case "AttributeNames":
			return setStrings(s, &r.AttributeNames, 1)
		case "MessageSystemAttributeNames":
			return setStrings(s, &r.MessageSystemAttributeNames, 2)
		case "MessageAttributeNames":
			return setStrings(s, &r.MessageAttributeNames, 3)
		case "MaxNumberOfMessages":
			return setInt32(s, &r.MaxNumberOfMessages, 4)
		case "VisibilityTimeout":
			return setInt32(s, &r.VisibilityTimeout, 5)
		case "WaitTimeSeconds":
			return setInt32(s, &r.WaitTimeSeconds, 6)
		case "ReceiveRequestAttemptId":
			return setString(s, &r.ReceiveRequestAttemptId, 7)
		}
		return -1
	})
}

func (r *deleteMessageRequest) decodeFast(data []byte) bool {
	return decodeTop(data, func(s *jsonScanner, k []byte) int {
		switch string(k) {
		case "QueueUrl":
			return setString(s, &r.QueueUrl, 0)
		case "ReceiptHandle":
			return setString(s, &r.ReceiptHandle, 1)
		}
		return -1
	})
}

func (r *deleteMessageBatchRequest) decodeFast(data []byte) bool {
	return decodeBatch(data, &r.QueueUrl, &r.Entries, (*deleteMessageBatchRequestEntry).decodeMember)
}

func (e *deleteMessageBatchRequestEntry) decodeMember(s *jsonScanner, k []byte) int {
	switch string(k) {
	case "Id":
		return setString(s, &e.Id, 0)
	case "ReceiptHandle":
		return setString(s, &e.ReceiptHandle, 1)
	}
	return -1
}
