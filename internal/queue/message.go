package queue

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/uuid"
)

// Message is a message sent through the Go API (Send).
type Message struct {
	Body       string
	Attributes map[string]Attribute
	// GroupID and DeduplicationID are SQS's MessageGroupId and
	// MessageDeduplicationId. GroupID is accepted on standard queues (and
	// returned as the MessageGroupId attribute); DeduplicationID only on
	// FIFO queues.
	GroupID, DeduplicationID string
}

// Attribute is a message attribute. DataType is "String", "Number" or
// "Binary", optionally followed by "." and a custom label; String and Number
// attributes carry StringValue, Binary ones BinaryValue.
type Attribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// Headers that carry a message's SQS metadata in the stream.
const (
	hdrMessageID  = "Sqs-Message-Id"
	hdrSent       = "Sqs-Sent-Timestamp" // unix milliseconds
	hdrSender     = "Sqs-Sender-Id"
	hdrGroupID    = "Sqs-Group-Id"
	hdrDedupID    = "Sqs-Deduplication-Id"
	hdrTrace      = "Sqs-Trace-Header" // the AWSTraceHeader system attribute
	hdrAttributes = "Sqs-Attributes"   // JSON: name -> attribute
	// hdrAttributesSize, instead of hdrAttributes, says that the first N
	// bytes of the message data are the attributes' JSON, the rest the
	// body: JetStream refuses headers over 64 KiB, and attributes may be
	// up to a MiB.
	hdrAttributesSize = "Sqs-Attributes-Size"
	hdrMD5Body        = "Sqs-Md5-Body"
	hdrMD5Attrs       = "Sqs-Md5-Attributes" // of all attributes
	hdrVisibleAt      = "Sqs-Visible-At"     // unix milliseconds, delayed messages only
)

// storedAttribute is an attribute in the Sqs-Attributes header.
type storedAttribute struct {
	DataType    string `json:"t"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

func encodeAttributes(attrs map[string]Attribute) (string, error) {
	m := make(map[string]storedAttribute, len(attrs))
	for k, a := range attrs {
		m[k] = storedAttribute(a)
	}
	// encoding/json escapes control characters, so the header value never
	// contains CR or LF.
	b, err := json.Marshal(m)
	return string(b), err
}

// maxHeaderAttributes is the largest attributes JSON kept in a header.
const maxHeaderAttributes = 32 << 10

// maxTraceHeader bounds the AWSTraceHeader system attribute, which travels
// in a header.
const maxTraceHeader = 32 << 10

// packAttributes stores encoded attributes in the header, or in front of
// the body when they are too large for one, and returns the message data.
func packAttributes(h map[string][]string, enc, body string) []byte {
	if len(enc) <= maxHeaderAttributes {
		h[hdrAttributes] = []string{enc}
		return []byte(body)
	}
	h[hdrAttributesSize] = []string{strconv.Itoa(len(enc))}
	return []byte(enc + body)
}

// unpackAttributes splits message data into the body and the attributes'
// JSON, wherever they were stored.
func unpackAttributes(h map[string][]string, data []byte) (body []byte, enc string) {
	if v := h[hdrAttributesSize]; len(v) > 0 {
		n, err := strconv.Atoi(v[0])
		if err == nil && n >= 0 && n <= len(data) {
			return data[n:], string(data[:n])
		}
	}
	if v := h[hdrAttributes]; len(v) > 0 {
		enc = v[0]
	}
	return data, enc
}

func decodeAttributes(s string) (map[string]Attribute, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]storedAttribute
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	out := make(map[string]Attribute, len(m))
	for k, a := range m {
		out[k] = Attribute(a)
	}
	return out, nil
}

// newMessageID returns a random UUID, the form of SQS message ids.
func newMessageID() string { return uuid.New() }

func md5Hex(s string) string {
	return md5HexBytes([]byte(s))
}

func md5HexBytes(b []byte) string {
	sum := md5.Sum(b)
	var out [2 * md5.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// md5OfAttributes computes MD5OfMessageAttributes as SQS does (and as the
// SDKs that check it do): for each attribute in name order, the name, the
// data type and the value, each preceded by its 4-byte big-endian length,
// with a transport byte (1 for string values, 2 for binary) before the
// value. It returns "" for no attributes.
func md5OfAttributes(attrs map[string]Attribute, names []string) string {
	if len(names) == 0 {
		return ""
	}
	h := md5.New()
	for _, name := range names {
		a := attrs[name]
		writeLenPrefixed(h, []byte(name))
		writeLenPrefixed(h, []byte(a.DataType))
		if isBinaryType(a.DataType) {
			h.Write([]byte{2})
			writeLenPrefixed(h, a.BinaryValue)
		} else {
			h.Write([]byte{1})
			writeLenPrefixed(h, []byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLenPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func sortedNames(attrs map[string]Attribute) []string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func isBinaryType(t string) bool { return baseType(t) == "Binary" }

// baseType returns String, Number or Binary for a valid data type.
func baseType(t string) string {
	base, _, _ := strings.Cut(t, ".")
	return base
}

// validMessageChar reports whether SQS allows r in message bodies and
// attribute values: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
// #x10000-#x10FFFF.
func validMessageChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// firstInvalidChar returns the first character SQS does not allow, or -1.
func firstInvalidChar(s string) rune {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return r
			}
		}
		if !validMessageChar(r) {
			return r
		}
	}
	return -1
}

const maxAttributes = 10

var numberPattern = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// checkAttributes validates message (user) attributes and returns their size
// as SQS counts it towards the message size (name, type and value).
func checkAttributes(attrs map[string]Attribute) (int, error) {
	if len(attrs) > maxAttributes {
		return 0, errInvalidParameterValue("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxAttributes)
	}
	size := 0
	for _, name := range sortedNames(attrs) {
		a := attrs[name]
		if err := checkAttributeName(name); err != nil {
			return 0, err
		}
		if a.DataType == "" {
			if a.StringValue == "" && len(a.BinaryValue) == 0 {
				return 0, errInvalidParameterValue("The message (user) attribute '%s' must contain a non-empty message attribute value.", name)
			}
			return 0, errInvalidParameterValue("The message (user) attribute '%s' must contain a non-empty message attribute type.", name)
		}
		if len(a.DataType) >= 256 {
			return 0, errInvalidParameterValue("Message (user) attribute type must be shorter than 256 bytes.")
		}
		base, label, hasLabel := strings.Cut(a.DataType, ".")
		if base != "String" && base != "Number" && base != "Binary" || hasLabel && label == "" {
			return 0, errInvalidParameterValue("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		switch base {
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return 0, errInvalidParameterValue("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
			}
			size += len(a.BinaryValue)
		default:
			if a.StringValue == "" {
				return 0, errInvalidParameterValue("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
			}
			if r := firstInvalidChar(a.StringValue); r >= 0 {
				return 0, errInvalidParameterValue("Message (user) attribute '%s' contains the invalid character '#x%X'.", name, r)
			}
			if base == "Number" && !numberPattern.MatchString(a.StringValue) {
				return 0, errInvalidParameterValue("Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
			size += len(a.StringValue)
		}
		size += len(name) + len(a.DataType)
	}
	return size, nil
}

func checkAttributeName(name string) error {
	if name == "" {
		return errInvalidParameterValue("The request must contain non-empty message (user) attribute names.")
	}
	if len(name) >= 256 {
		return errInvalidParameterValue("Message (user) attribute name must be shorter than 256 bytes.")
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") {
		return errInvalidParameterValue("You can't use message attribute names beginning with 'AWS.' or 'Amazon'. These strings are reserved for internal use.")
	}
	valid := !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".") && !strings.Contains(name, "..")
	for _, r := range name {
		if !valid {
			break
		}
		valid = r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			r >= 0xC0 && r <= 0x17F // SQS accepts Latin letters with diacritics
	}
	if !valid {
		return errInvalidParameterValue("Message (user) attribute name '%s' is invalid. The attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.", name)
	}
	return nil
}

// checkGroupID validates a MessageGroupId or MessageDeduplicationId: 1 to
// 128 characters of letters, digits and punctuation.
func checkGroupID(param, v string) error {
	ok := len(v) <= 128
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= '!' && v[i] <= '~'
	}
	if !ok {
		return errInvalidParameterValue("Value %s for parameter %s is invalid. Reason: %s can only include alphanumeric and punctuation characters. 1 to 128 in length.", v, param, param)
	}
	return nil
}

// checkSystemAttributes validates the message system attributes of a send:
// only AWSTraceHeader exists.
func checkSystemAttributes(attrs map[string]messageAttributeValue) (Attribute, bool, error) {
	var trace Attribute
	found := false
	for name, v := range attrs {
		if name != "AWSTraceHeader" {
			return trace, false, errInvalidParameterValue("Message system attribute name '%s' is invalid.", name)
		}
		if v.DataType != "String" || v.StringValue == "" {
			return trace, false, errInvalidParameterValue("Message system attribute '%s' must contain a non-empty value of type 'String'.", name)
		}
		if strings.ContainsAny(v.StringValue, "\r\n") || firstInvalidChar(v.StringValue) >= 0 {
			return trace, false, errInvalidParameterValue("Message system attribute '%s' contains invalid characters.", name)
		}
		if len(v.StringValue) > maxTraceHeader {
			return trace, false, errInvalidParameterValue("Message system attribute '%s' must be shorter than %d bytes.", name, maxTraceHeader)
		}
		trace, found = Attribute{DataType: v.DataType, StringValue: v.StringValue}, true
	}
	return trace, found, nil
}

// wireAttributes converts request attributes, refusing list values (which
// SQS does not support either).
func wireAttributes(in map[string]messageAttributeValue) (map[string]Attribute, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]Attribute, len(in))
	for k, v := range in {
		if len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0 {
			return nil, errInvalidParameterValue("Message attribute list values in SendMessage operation are not supported.")
		}
		out[k] = Attribute{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out, nil
}

func toWireAttributes(in map[string]Attribute, names []string) map[string]messageAttributeValue {
	out := make(map[string]messageAttributeValue, len(names))
	for _, k := range names {
		a := in[k]
		out[k] = messageAttributeValue{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out
}
