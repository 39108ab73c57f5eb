package topic

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
)

// envelope is the JSON document SNS delivers (unless raw delivery is on):
// a Notification, SubscriptionConfirmation or UnsubscribeConfirmation. The
// field order is SNS's.
type envelope struct {
	Type              string                  `json:"Type"`
	MessageId         string                  `json:"MessageId"`
	SequenceNumber    string                  `json:"SequenceNumber,omitempty"`
	Token             string                  `json:"Token,omitempty"`
	TopicArn          string                  `json:"TopicArn"`
	Subject           string                  `json:"Subject,omitempty"`
	Message           string                  `json:"Message"`
	SubscribeURL      string                  `json:"SubscribeURL,omitempty"`
	Timestamp         string                  `json:"Timestamp"`
	SignatureVersion  string                  `json:"SignatureVersion"`
	Signature         string                  `json:"Signature"`
	SigningCertURL    string                  `json:"SigningCertURL"`
	UnsubscribeURL    string                  `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]envelopeAttr `json:"MessageAttributes,omitempty"`
}

type envelopeAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

func envelopeAttrs(attrs map[string]Attribute) map[string]envelopeAttr {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]envelopeAttr, len(attrs))
	for k, a := range attrs {
		v := a.StringValue
		if a.BinaryValue != nil {
			v = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		out[k] = envelopeAttr{Type: a.DataType, Value: v}
	}
	return out
}

func marshalNoEscape(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// subscribeURL is where an endpoint confirms a subscription (GET).
func subscribeURL(base, topicArn, token string) string {
	return base + URLPrefix + "confirm?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topicArn) + "&Token=" + url.QueryEscape(token)
}

// unsubscribeURL is where an endpoint (or anyone holding a notification)
// ends a subscription (GET).
func unsubscribeURL(base, subArn string) string {
	return base + URLPrefix + "unsubscribe?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subArn)
}

// build returns the signed envelope of a task.
func (s *Service) build(t *task) (*envelope, error) {
	e := &envelope{
		MessageId: t.MessageID, TopicArn: t.TopicArn, Message: t.Message,
		Timestamp: t.Timestamp, SignatureVersion: t.SigVersion,
		SigningCertURL: t.Base + URLPrefix + s.signer.name,
	}
	if e.SignatureVersion == "" {
		e.SignatureVersion = "1"
	}
	switch t.Kind {
	case kindConfirm, kindUnsubscribe:
		e.Type = "SubscriptionConfirmation"
		if t.Kind == kindUnsubscribe {
			e.Type = "UnsubscribeConfirmation"
		}
		e.Token = t.Token
		e.SubscribeURL = subscribeURL(t.Base, t.TopicArn, t.Token)
	default:
		e.Type = "Notification"
		e.SequenceNumber = t.Seq
		e.Subject = t.Subject
		e.UnsubscribeURL = unsubscribeURL(t.Base, t.SubArn)
		e.MessageAttributes = envelopeAttrs(t.Attrs)
	}
	sig, err := s.signer.sign(e.SignatureVersion, canonical(e))
	if err != nil {
		return nil, err
	}
	e.Signature = sig
	return e, nil
}

// lambdaEvent is the event SNS invokes a function with.
func lambdaEvent(t *task, e *envelope) []byte {
	type snsPart struct {
		Type              string                  `json:"Type"`
		MessageId         string                  `json:"MessageId"`
		TopicArn          string                  `json:"TopicArn"`
		Subject           *string                 `json:"Subject"`
		Message           string                  `json:"Message"`
		Timestamp         string                  `json:"Timestamp"`
		SignatureVersion  string                  `json:"SignatureVersion"`
		Signature         string                  `json:"Signature"`
		SigningCertUrl    string                  `json:"SigningCertUrl"`
		UnsubscribeUrl    string                  `json:"UnsubscribeUrl"`
		MessageAttributes map[string]envelopeAttr `json:"MessageAttributes"`
	}
	type record struct {
		EventSource          string  `json:"EventSource"`
		EventVersion         string  `json:"EventVersion"`
		EventSubscriptionArn string  `json:"EventSubscriptionArn"`
		Sns                  snsPart `json:"Sns"`
	}
	p := snsPart{
		Type: e.Type, MessageId: e.MessageId, TopicArn: e.TopicArn, Message: e.Message,
		Timestamp: e.Timestamp, SignatureVersion: e.SignatureVersion, Signature: e.Signature,
		SigningCertUrl: e.SigningCertURL, UnsubscribeUrl: e.UnsubscribeURL,
		MessageAttributes: e.MessageAttributes,
	}
	if p.MessageAttributes == nil {
		p.MessageAttributes = map[string]envelopeAttr{}
	}
	if t.Subject != "" {
		p.Subject = &t.Subject
	}
	return marshalNoEscape(struct {
		Records []record `json:"Records"`
	}{[]record{{EventSource: "aws:sns", EventVersion: "1.0", EventSubscriptionArn: t.SubArn, Sns: p}}})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
