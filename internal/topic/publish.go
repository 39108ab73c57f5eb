package topic

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// maxMessageBytes is SNS's limit on a message with its attributes (and on a
// whole PublishBatch).
const maxMessageBytes = 262144

// message is a validated publish, before fan-out.
type message struct {
	id        string
	body      string
	perProto  map[string]string // MessageStructure=json
	subject   string
	attrs     map[string]Attribute
	groupID   string
	dedupID   string
	seq       string
	timestamp string
	size      int
}

// bodyFor returns what a subscription of protocol receives.
func (m *message) bodyFor(protocol string) string {
	if m.perProto != nil {
		if v, ok := m.perProto[protocol]; ok {
			return v
		}
		return m.perProto["default"]
	}
	return m.body
}

// publishParams is one message as the API (or the Go API) gave it. The
// API's has passed the model's validation (Message and each attribute's
// DataType are present).
type publishParams struct {
	message            string
	subject, structure *string
	attrs              map[string]sns.MessageAttributeValue
	goAttrs            map[string]Attribute
	groupID, dedupID   *string
}

// validate checks a message against the topic and returns it ready to fan
// out, or an *awsproto.Error worded as SNS words it.
func (s *Service) validate(t *topicRecord, p publishParams) (*message, error) {
	m := &message{body: p.message, subject: awsapi.Value(p.subject)}
	if p.subject != nil {
		if err := checkSubject(*p.subject); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(m.body) == "" {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Empty message")
	}
	var err error
	if p.goAttrs != nil {
		m.attrs = p.goAttrs
		if err := checkGoAttributes(m.attrs); err != nil {
			return nil, err
		}
	} else if m.attrs, err = wireAttributes(p.attrs); err != nil {
		return nil, err
	}
	m.size = len(m.body)
	for k, a := range m.attrs {
		m.size += len(k) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	if m.size > maxMessageBytes {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Message too long")
	}
	if st := awsapi.Value(p.structure); st != "" {
		if st != "json" {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: MessageStructure Reason: %s is not a valid value; the only one is json", st)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(m.body), &doc); err != nil || doc == nil {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Message Structure - JSON message body failed to parse")
		}
		m.perProto = map[string]string{}
		for k, v := range doc {
			// Non-string values are ignored, as SNS ignores them.
			if sv, ok := v.(string); ok {
				m.perProto[k] = sv
			}
		}
		if _, ok := m.perProto["default"]; !ok {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Message Structure - No default entry in JSON message body")
		}
	}
	m.groupID, m.dedupID = awsapi.Value(p.groupID), awsapi.Value(p.dedupID)
	if t.fifo() {
		if m.groupID == "" {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
		}
		if err := checkFifoID("MessageGroupId", m.groupID); err != nil {
			return nil, err
		}
		if m.dedupID == "" {
			if t.Attributes["ContentBasedDeduplication"] != "true" {
				return nil, sns.ErrInvalidParameterException("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(m.body))
			m.dedupID = hex.EncodeToString(sum[:])
		} else if err := checkFifoID("MessageDeduplicationId", m.dedupID); err != nil {
			return nil, err
		}
	} else {
		if p.dedupID != nil {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		if p.groupID != nil {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
		}
	}
	return m, nil
}

func checkSubject(subj string) error {
	bad := subj == "" || utf8.RuneCountInString(subj) >= 100
	for i, r := range subj {
		if r < 0x20 || r == 0x7f || r > 0x7e || (i == 0 && r == ' ') {
			bad = true
		}
	}
	if bad {
		return sns.ErrInvalidParameterException("Invalid parameter: Subject")
	}
	return nil
}

func checkFifoID(name, v string) error {
	if len(v) > 128 {
		return sns.ErrInvalidParameterException("Invalid parameter: %s Reason: %s can be up to 128 characters long", name, name)
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return sns.ErrInvalidParameterException("Invalid parameter: %s Reason: %s can only include alphanumeric and punctuation characters", name, name)
		}
	}
	return nil
}

// wireAttributes validates MessageAttributes as SNS does (after the model's
// validation, which requires DataType).
func wireAttributes(in map[string]sns.MessageAttributeValue) (map[string]Attribute, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]Attribute, len(in))
	for _, name := range sortedKeys(in) {
		v := in[name]
		if err := checkAttributeName(name); err != nil {
			return nil, err
		}
		a := Attribute{DataType: awsapi.Value(v.DataType), StringValue: awsapi.Value(v.StringValue), BinaryValue: v.BinaryValue}
		if err := checkAttribute(name, a, v.StringValue != nil, v.BinaryValue != nil); err != nil {
			return nil, err
		}
		out[name] = a
	}
	return out, nil
}

func checkGoAttributes(attrs map[string]Attribute) error {
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		if err := checkAttributeName(name); err != nil {
			return err
		}
		if err := checkAttribute(name, a, a.BinaryValue == nil, a.BinaryValue != nil); err != nil {
			return err
		}
	}
	return nil
}

func checkAttributeName(name string) error {
	switch {
	case len(name) > 256:
		return sns.ErrInvalidParameterValueException("Length of message attribute name must be less than 256 bytes.")
	case name == "":
		return sns.ErrInvalidParameterValueException("The message attribute name must not be empty.")
	case name[0] == '.':
		return sns.ErrInvalidParameterValueException("Invalid message attribute name starting with character '.' was found.")
	case name[len(name)-1] == '.':
		return sns.ErrInvalidParameterValueException("Invalid message attribute name ending with character '.' was found.")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
		if !ok {
			return sns.ErrInvalidParameterValueException("Invalid non-alphanumeric character '#x%X' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.", r)
		}
		if r == '.' && i > 0 && name[i-1] == '.' {
			return sns.ErrInvalidParameterValueException("Message attribute name can not have successive '.' character.")
		}
	}
	return nil
}

func checkAttribute(name string, a Attribute, hasString, hasBinary bool) error {
	base, _, _ := strings.Cut(a.DataType, ".")
	if base != "String" && base != "Number" && base != "Binary" {
		return sns.ErrInvalidParameterValueException("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	if !hasString && !hasBinary {
		return sns.ErrInvalidParameterValueException("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
	}
	field := "String"
	if base == "Binary" {
		field = "Binary"
	}
	if (field == "String" && !hasString) || (field == "Binary" && !hasBinary) {
		return sns.ErrInvalidParameterValueException("The message attribute '%s' with type '%s' must use field '%s'.", name, a.DataType, field)
	}
	if (field == "String" && a.StringValue == "") || (field == "Binary" && len(a.BinaryValue) == 0) {
		return sns.ErrInvalidParameterValueException("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
	}
	if base == "Number" && numberJSON(a.StringValue) == nil {
		return sns.ErrInvalidParameterValueException("Could not cast message attribute '%s' value to number.", name)
	}
	if a.DataType == "String.Array" {
		var arr []any
		if err := json.Unmarshal([]byte(a.StringValue), &arr); err != nil {
			return sns.ErrInvalidParameterValueException("The message attribute '%s' with type 'String.Array' must be a JSON array.", name)
		}
	}
	return nil
}

// fanOut builds the delivery tasks of a message: one per confirmed
// subscription whose filter policy lets it through.
func (s *Service) fanOut(v *topicView, m *message, base string) []*store.Msg {
	var attrsDoc []byte
	var out []*store.Msg
	arn := v.rec.arn()
	fifo := v.rec.fifo()
	sigVersion := v.rec.Attributes["SignatureVersion"]
	now := time.Now().UnixMilli()
	for _, ss := range v.subs {
		sub := ss.rec
		if sub.Pending {
			continue
		}
		body := m.bodyFor(sub.Protocol)
		if ss.filter != nil {
			if ss.filter.scope == ScopeAttributes && attrsDoc == nil {
				attrsDoc = AttributesDocument(m.attrs)
			}
			if !ss.filter.Match(attrsDoc, body) {
				s.stats.Filtered.Add(1)
				continue
			}
		}
		t := &task{
			Kind: kindNotify, Sub: sub.ID, Account: sub.Account, Region: sub.Region,
			SubArn: sub.arn(), TopicArn: arn, Protocol: sub.Protocol, Endpoint: sub.Endpoint,
			Raw:       sub.Attrs["RawMessageDelivery"] == "true",
			MessageID: m.id, Message: body, Subject: m.subject, Attrs: m.attrs,
			GroupID: m.groupID, DedupID: m.dedupID, Seq: m.seq, Timestamp: m.timestamp,
			Base: base, SigVersion: sigVersion, Published: now, Fifo: fifo,
			// A node whose copy of the bucket has not seen this
			// subscription yet waits for it rather than dropping the task.
			Rev: ss.rev,
		}
		msg := t.msg()
		if fifo {
			// FIFO topics de-duplicate within five minutes (the stream's
			// duplicate window), per subscription. Standard topics set no
			// id: JetStream would remember every one for the window.
			msg.ID = arn + "|" + m.dedupID + "|" + sub.ID
		}
		out = append(out, msg)
	}
	return out
}

// Publish publishes a message to a topic through the Go API (the
// EventBridge sns target). It returns ErrTopicNotFound if the topic does
// not exist and an *awsproto.Error with SNS's code and message if SNS would
// refuse the message.
func (s *Service) Publish(ctx context.Context, sc Scope, topicName string, in PublishInput) (string, error) {
	v := s.lookupTopic(sc, topicName)
	if v == nil {
		return "", ErrTopicNotFound
	}
	p := publishParams{message: in.Message, goAttrs: in.Attributes}
	if p.goAttrs == nil {
		p.goAttrs = map[string]Attribute{}
	}
	if in.Subject != "" {
		p.subject = &in.Subject
	}
	if in.GroupID != "" {
		p.groupID = &in.GroupID
	}
	if in.DeduplicationID != "" {
		p.dedupID = &in.DeduplicationID
	}
	m, err := s.validate(v.rec, p)
	if err != nil {
		return "", err
	}
	if len(m.attrs) == 0 {
		m.attrs = nil
	}
	base := s.opt.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	s.stamp(v.rec, m)
	if err := s.storeDeliveries(ctx, s.fanOut(v, m, base)); err != nil {
		return "", err
	}
	return m.id, nil
}

// stamp gives a message its id, timestamp and (FIFO) sequence number.
func (s *Service) stamp(t *topicRecord, m *message) {
	m.id = uuid.New()
	now := time.Now().UTC()
	m.timestamp = now.Format("2006-01-02T15:04:05.000Z")
	if t.fifo() {
		// A 20-digit number that grows with every publish on this node.
		for {
			last := s.seq.Load()
			next := max(last+1, uint64(now.UnixNano()))
			if s.seq.CompareAndSwap(last, next) {
				m.seq = fmt.Sprintf("1%019d", next%1e19)
				break
			}
		}
	}
}

func (s *Service) publish(ctx context.Context, r *awsproto.Request, req *sns.PublishInput) (any, error) {
	if req.PhoneNumber != nil {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: PhoneNumber Reason: Switchyard does not send SMS messages; publish to a topic instead")
	}
	arn := awsapi.Value(req.TopicArn)
	if arn == "" && req.TargetArn != nil {
		if strings.Contains(*req.TargetArn, ":endpoint/") {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: TargetArn Reason: Switchyard does not deliver to mobile platform endpoints; publish to a topic instead")
		}
		arn = *req.TargetArn
	}
	if arn == "" && req.TopicArn == nil && req.TargetArn == nil {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	v, err := s.resolveTopic(r, arn, "Publish")
	if err != nil {
		return nil, err
	}
	m, err := s.validate(v.rec, publishParams{
		message: *req.Message, subject: req.Subject, structure: req.MessageStructure,
		attrs: req.MessageAttributes, groupID: req.MessageGroupId, dedupID: req.MessageDeduplicationId,
	})
	if err != nil {
		return nil, err
	}
	s.stamp(v.rec, m)
	if err := s.storeDeliveries(ctx, s.fanOut(v, m, s.baseURL(r))); err != nil {
		return nil, err
	}
	return &sns.PublishResponse{MessageId: &m.id, SequenceNumber: optional(m.seq)}, nil
}

func (s *Service) publishBatch(ctx context.Context, r *awsproto.Request, req *sns.PublishBatchInput) (any, error) {
	v, err := s.resolveTopic(r, *req.TopicArn, "Publish")
	if err != nil {
		return nil, err
	}
	entries := req.PublishBatchRequestEntries
	switch {
	case len(entries) == 0:
		return nil, sns.ErrEmptyBatchRequestException("The batch request doesn't contain any entries.")
	case len(entries) > 10:
		return nil, sns.ErrTooManyEntriesInBatchRequestException("The batch request contains more entries than permissible.")
	}
	seen := map[string]bool{}
	for _, e := range entries {
		id := *e.Id
		if len(id) > 80 {
			return nil, sns.ErrInvalidBatchEntryIdException("The Id of a batch entry in the batch request is too long: %s", id)
		}
		for _, c := range id {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return nil, sns.ErrInvalidBatchEntryIdException("The Id of a batch entry in the batch request contains an impermissible character: %s", id)
			}
		}
		if seen[id] {
			return nil, sns.ErrBatchEntryIdsNotDistinctException("Two or more batch entries in the request have the same Id.")
		}
		seen[id] = true
	}
	resp := &publishBatchOutput{Successful: []sns.PublishBatchResultEntry{}, Failed: []sns.BatchResultErrorEntry{}}
	base := s.baseURL(r)
	total := 0
	var msgs []*store.Msg
	var ok []sns.PublishBatchResultEntry
	var owner []int // index in ok of each message
	for _, e := range entries {
		m, err := s.validate(v.rec, publishParams{
			message: *e.Message, subject: e.Subject, structure: e.MessageStructure,
			attrs: e.MessageAttributes, groupID: e.MessageGroupId, dedupID: e.MessageDeduplicationId,
		})
		if err != nil {
			ae := awsproto.AsError(err, "InternalError")
			resp.Failed = append(resp.Failed, sns.BatchResultErrorEntry{Id: e.Id, Code: awsapi.Ptr(awsquery.QueryCode(ae)),
				Message: optional(ae.Message), SenderFault: awsapi.Ptr(true)})
			continue
		}
		total += m.size
		s.stamp(v.rec, m)
		fan := s.fanOut(v, m, base)
		msgs = append(msgs, fan...)
		for range fan {
			owner = append(owner, len(ok))
		}
		ok = append(ok, sns.PublishBatchResultEntry{Id: e.Id, MessageId: &m.id, SequenceNumber: optional(m.seq)})
	}
	if total > maxMessageBytes {
		return nil, sns.ErrBatchRequestTooLongException("The length of all the messages put together is more than the limit.")
	}
	// An entry fails only if one of its deliveries could not be stored
	// (after a retry); the others were stored and succeed.
	bad := make([]bool, len(ok))
	for _, i := range store.PublishRetry(ctx, s.st, publishAttempts, msgs) {
		bad[owner[i]] = true
	}
	for i, e := range ok {
		if bad[i] {
			resp.Failed = append(resp.Failed, sns.BatchResultErrorEntry{Id: e.Id, Code: awsapi.Ptr("InternalError"),
				Message: awsapi.Ptr("The message could not be stored; retry it."), SenderFault: awsapi.Ptr(false)})
			s.log.Error("publish batch: a message could not be stored", "topic", v.rec.arn(), "id", *e.Id)
			continue
		}
		resp.Successful = append(resp.Successful, e)
	}
	return resp, nil
}

// publishAttempts is how often a message's writes are tried before its
// publish fails.
const publishAttempts = 3

// storeDeliveries writes a message's deliveries, trying failed writes again;
// it fails only if some could not be stored.
func (s *Service) storeDeliveries(ctx context.Context, msgs []*store.Msg) error {
	if failed := store.PublishRetry(ctx, s.st, publishAttempts, msgs); len(failed) > 0 {
		return fmt.Errorf("topic: %d of %d deliveries could not be stored", len(failed), len(msgs))
	}
	return nil
}

// baseURL is how endpoints reach this server, for a request.
func (s *Service) baseURL(r *awsproto.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL
	}
	if r != nil && r.HTTP != nil && r.HTTP.Host != "" {
		scheme := "http"
		if r.HTTP.TLS != nil {
			scheme = "https"
		}
		return scheme + "://" + r.HTTP.Host
	}
	return DefaultBaseURL
}
