package pattern

import "encoding/json"

// envelopeFields are the event fields TestEventPattern requires.
var envelopeFields = []string{"id", "account", "source", "time", "region", "detail-type"}

// TestEventPattern answers EventBridge's TestEventPattern: whether event
// matches pattern. An invalid pattern returns an *Error
// (InvalidEventPatternException); an event that is not a JSON object, or
// lacks one of the envelope fields id, account, source, time, region and
// detail-type, returns ErrInvalidEvent (ValidationException, "Parameter
// Event is not valid.").
func TestEventPattern(pattern, event string, opts ...Option) (bool, error) {
	p, err := Parse(pattern, opts...)
	if err != nil {
		return false, err
	}
	if err := CheckEnvelope([]byte(event)); err != nil {
		return false, err
	}
	return p.Match([]byte(event))
}

// CheckEnvelope returns ErrInvalidEvent unless event is a JSON object with
// every envelope field TestEventPattern requires.
func CheckEnvelope(event []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(event, &obj); err != nil || obj == nil {
		return ErrInvalidEvent
	}
	for _, k := range envelopeFields {
		if _, ok := obj[k]; !ok {
			return ErrInvalidEvent
		}
	}
	return nil
}
