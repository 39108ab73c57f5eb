package topic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// Protocols SNS knows; Switchyard delivers sqs, http, https and lambda.
var (
	snsProtocols       = map[string]bool{"http": true, "https": true, "email": true, "email-json": true, "sms": true, "sqs": true, "application": true, "lambda": true, "firehose": true}
	deliveredProtocols = map[string]bool{"http": true, "https": true, "sqs": true, "lambda": true}
)

// subscriptionAttributeNames are the attributes Subscribe and
// SetSubscriptionAttributes accept.
var subscriptionAttributeNames = map[string]bool{
	"DeliveryPolicy": true, "FilterPolicy": true, "FilterPolicyScope": true, "RawMessageDelivery": true,
	"RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true,
}

// checkSubAttribute validates one subscription attribute (SNS's wording;
// prefix is "Invalid parameter: Attributes Reason: " for Subscribe and
// "Invalid parameter: " for SetSubscriptionAttributes) and returns the
// value to store.
func checkSubAttribute(prefix, name, value string, topicFifo bool, endpoint string) (string, error) {
	if !subscriptionAttributeNames[name] {
		return "", sns.ErrInvalidParameterException("%sAttributeName", prefix)
	}
	switch name {
	case "FilterPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return "", sns.ErrInvalidParameterException("%sFilterPolicy: failed to parse JSON.", prefix)
		}
	case "FilterPolicyScope":
		if value != ScopeAttributes && value != ScopeBody {
			return "", sns.ErrInvalidParameterException("%sFilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", prefix, value)
		}
	case "RawMessageDelivery":
		v := strings.ToLower(value)
		if v != "true" && v != "false" {
			return "", sns.ErrInvalidParameterException("%sRawMessageDelivery: Invalid value [%s]. Must be true or false.", prefix, value)
		}
		return v, nil
	case "RedrivePolicy":
		if value == "" {
			return "", nil
		}
		var p struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}
		if err := json.Unmarshal([]byte(value), &p); err != nil {
			return "", sns.ErrInvalidParameterException("%sRedrivePolicy: failed to parse JSON.", prefix)
		}
		dlq, err := arn.Parse(p.DeadLetterTargetArn)
		if err != nil || strings.Contains(dlq.Resource, ":") {
			return "", sns.ErrInvalidParameterException("%sRedrivePolicy: deadLetterTargetArn is an invalid arn", prefix)
		}
		if dlq.Service != "sqs" {
			return "", sns.ErrInvalidParameterException("%sRedrivePolicy: deadLetterTargetArn must be an SQS queue", prefix)
		}
		if topicFifo && strings.HasSuffix(endpoint, ".fifo") && !strings.HasSuffix(dlq.Resource, ".fifo") {
			return "", sns.ErrInvalidParameterException("%sRedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.", prefix)
		}
	case "DeliveryPolicy":
		if value != "" {
			if err := checkDeliveryPolicy(prefix, value); err != nil {
				return "", err
			}
		}
	case "ReplayPolicy":
		return "", sns.ErrInvalidParameterException("%sReplayPolicy: message replay is not supported by Switchyard", prefix)
	}
	return value, nil
}

func newToken() string {
	var b [64]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Service) subscribe(ctx context.Context, r *awsproto.Request, req *sns.SubscribeInput) (any, error) {
	v, err := s.resolveTopic(r, *req.TopicArn, "Subscribe")
	if err != nil {
		return nil, err
	}
	proto, endpoint := *req.Protocol, awsapi.Value(req.Endpoint)
	if !snsProtocols[proto] {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Amazon SNS does not support this protocol string: %s", proto)
	}
	if !deliveredProtocols[proto] {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Protocol Reason: Switchyard does not deliver to %s endpoints (supported: sqs, http, https, lambda)", proto)
	}
	if endpoint == "" {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Endpoint")
	}
	fifo := v.rec.fifo()
	switch proto {
	case "http", "https":
		if !strings.HasPrefix(endpoint, proto+"://") {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Endpoint must match the specified protocol")
		}
	case "sqs":
		if _, _, ok := queueARN(endpoint); !ok {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: SQS endpoint ARN")
		}
		if strings.HasSuffix(endpoint, ".fifo") && !fifo {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
		}
	case "lambda":
		if fn, err := arn.Parse(endpoint); err != nil || fn.Service != "lambda" || !strings.Contains(fn.Resource, ":") {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Lambda endpoint ARN")
		}
	}
	if fifo && proto != "sqs" {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Invalid protocol type: %s", proto)
	}
	attrs := map[string]string{}
	for _, k := range sortedKeys(req.Attributes) {
		val, err := checkSubAttribute("Invalid parameter: Attributes Reason: ", k, req.Attributes[k], fifo, endpoint)
		if err != nil {
			return nil, err
		}
		attrs[k] = val
	}
	if fp := attrs["FilterPolicy"]; fp != "" {
		if _, err := parseFilterPolicy(fp, filterScope(attrs), true); err != nil {
			return nil, err
		}
	} else {
		delete(attrs, "FilterPolicy")
	}
	// An endpoint is subscribed to a topic once; Subscribe again returns
	// the subscription unless the attributes differ.
	now := time.Now()
	for _, ss := range v.subs {
		if ss.rec.Protocol != proto || ss.rec.Endpoint != endpoint || s.pendingExpired(ss.rec, now) {
			continue
		}
		for k, val := range attrs {
			if ss.rec.Attrs[k] != val {
				return nil, sns.ErrInvalidParameterException("Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
			}
		}
		return &sns.SubscribeResponse{SubscriptionArn: subscribeResult(ss.rec, awsapi.Value(req.ReturnSubscriptionArn))}, nil
	}
	sc := callerScope(r)
	tsc := v.rec.scope()
	rec := &subRecord{
		ID: uuid.New(), Account: tsc.Account, Region: tsc.Region, Topic: v.rec.Name, TopicGen: v.rec.Gen,
		Protocol: proto, Endpoint: endpoint, Owner: sc.Account, Attrs: attrs,
		Created: now.Unix(),
	}
	if proto == "http" || proto == "https" {
		rec.Pending = true
		rec.Token = newToken()
		rec.TokenIssued = now.UnixMilli()
	} else {
		rec.Authenticated = true
	}
	data, _ := json.Marshal(rec)
	rev, err := s.kv.Create(ctx, subKey(tsc, rec.ID), data)
	if err != nil {
		return nil, err
	}
	if err := s.mirror.Wait(ctx, rev); err != nil {
		return nil, err
	}
	if rec.Pending {
		if err := s.sendConfirmation(ctx, v.rec, rec, s.baseURL(r), rev); err != nil {
			return nil, err
		}
	}
	return &sns.SubscribeResponse{SubscriptionArn: subscribeResult(rec, awsapi.Value(req.ReturnSubscriptionArn))}, nil
}

func subscribeResult(rec *subRecord, returnArn bool) *string {
	if rec.Pending && !returnArn {
		return awsapi.Ptr("pending confirmation")
	}
	return awsapi.Ptr(rec.arn())
}

// sendConfirmation files the SubscriptionConfirmation message of a pending
// subscription for durable delivery; rev is the revision that stored the
// subscription (the delivering node waits until it has seen it).
func (s *Service) sendConfirmation(ctx context.Context, t *topicRecord, sub *subRecord, base string, rev uint64) error {
	arn := t.arn()
	return s.fileConfirmation(ctx, sub, kindConfirm, sub.Token, t.Attributes["SignatureVersion"], base, rev, "confirm|"+sub.ID,
		"You have chosen to subscribe to the topic "+arn+".\nTo confirm the subscription, visit the SubscribeURL included in this message.")
}

// sendUnsubscribeConfirmation files the UnsubscribeConfirmation message of
// an unsubscribed http/https subscription for durable delivery; rev is the
// revision that stored its restore record.
func (s *Service) sendUnsubscribeConfirmation(ctx context.Context, rr *restoreRecord, base string, rev uint64) error {
	sub := &rr.Sub
	sigVersion := ""
	if v := s.lookupTopic(Scope{Account: sub.Account, Region: sub.Region}, sub.Topic); v != nil {
		sigVersion = v.rec.Attributes["SignatureVersion"]
	}
	return s.fileConfirmation(ctx, sub, kindUnsubscribe, rr.Token, sigVersion, base, rev, "unsubscribe|"+rr.Token,
		"You have chosen to deactivate subscription "+sub.arn()+".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.")
}

// fileConfirmation files a SubscriptionConfirmation or
// UnsubscribeConfirmation (kind) carrying token for durable delivery to
// sub's endpoint; id de-duplicates the filing.
func (s *Service) fileConfirmation(ctx context.Context, sub *subRecord, kind, token, sigVersion, base string, rev uint64, id, message string) error {
	now := time.Now()
	tk := &task{
		Kind: kind, Sub: sub.ID, Account: sub.Account, Region: sub.Region,
		SubArn: sub.arn(), TopicArn: sub.topicArn(), Protocol: sub.Protocol, Endpoint: sub.Endpoint,
		MessageID: uuid.New(), Token: token, Message: message,
		Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"),
		Base:      base, SigVersion: sigVersion, Published: now.UnixMilli(),
		Rev: rev,
	}
	m := tk.msg()
	m.ID = id
	return s.st.Publish(ctx, m)
}

// confirm confirms the subscription a token belongs to, or restores the
// unsubscribed one; authenticated tells whether the request was signed
// (the API) or not (the SubscribeURL).
func (s *Service) confirm(ctx context.Context, topicArn, token string, authenticated, authUnsub bool) (string, error) {
	sc, _, err := parseTopicARN(topicArn, "Topic")
	if err != nil {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Topic")
	}
	if token == "" {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Token")
	}
	s.mu.RLock()
	id := s.tokens[token]
	ss := s.subs[id]
	var rs *restoreState
	if ss == nil {
		rs = s.restores[s.restoreTokens[token]]
	}
	s.mu.RUnlock()
	if rs != nil {
		return s.restore(ctx, topicArn, rs, authenticated, authUnsub)
	}
	if ss == nil {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Token")
	}
	if ss.rec.topicArn() != topicArn {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Topic")
	}
	if !ss.rec.Pending {
		return ss.rec.arn(), nil
	}
	now := time.Now()
	if s.pendingExpired(ss.rec, now) || s.tokenExpired(ss.rec.tokenIssued(), now) {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Token")
	}
	err = s.updateSub(ctx, sc, id, func(rec *subRecord) error {
		rec.Pending = false
		rec.Authenticated = authenticated
		rec.AuthUnsub = authUnsub
		return nil
	})
	if errors.Is(err, errSubGone) {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Token")
	}
	if err != nil {
		return "", err
	}
	return ss.rec.arn(), nil
}

// restore brings back an unsubscribed http/https subscription with the
// token of its UnsubscribeConfirmation: the same subscription ARN, with the
// attributes it had (filter policy, raw delivery, delivery and redrive
// policies), confirmed again (ConfirmationWasAuthenticated and
// AuthenticateOnUnsubscribe as this confirmation gives them). The token
// becomes the subscription's, so confirming again with it returns the ARN.
// If the endpoint subscribed to the topic again meanwhile, that
// subscription is the one confirmed and returned.
func (s *Service) restore(ctx context.Context, topicArn string, rs *restoreState, authenticated, authUnsub bool) (string, error) {
	rr := rs.rec
	if rr.Sub.topicArn() != topicArn {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Topic")
	}
	now := time.Now()
	if s.tokenExpired(rr.issued(), now) {
		return "", sns.ErrInvalidParameterException("Invalid parameter: Token")
	}
	sc := Scope{Account: rr.Sub.Account, Region: rr.Sub.Region}
	v := s.lookupTopic(sc, rr.Sub.Topic)
	if v == nil || v.rec.Gen != rr.Sub.TopicGen {
		return "", errTopicDoesNotExist()
	}
	for _, ss := range v.subs {
		if ss.rec.Protocol != rr.Sub.Protocol || ss.rec.Endpoint != rr.Sub.Endpoint || s.pendingExpired(ss.rec, now) {
			continue
		}
		if ss.rec.Pending {
			err := s.updateSub(ctx, sc, ss.rec.ID, func(rec *subRecord) error {
				rec.Pending = false
				rec.Authenticated = authenticated
				rec.AuthUnsub = authUnsub
				return nil
			})
			if err != nil {
				return "", err
			}
		}
		s.dropRestore(ctx, sc, rr.Sub.ID, rs.rev)
		return ss.rec.arn(), nil
	}
	sub := rr.Sub
	sub.Attrs = maps.Clone(rr.Sub.Attrs)
	sub.Pending = false
	sub.Token = rr.Token
	sub.TokenIssued = rr.Issued
	sub.Authenticated = authenticated
	sub.AuthUnsub = authUnsub
	data, _ := json.Marshal(&sub)
	rev, err := s.kv.Create(ctx, subKey(sc, sub.ID), data)
	switch {
	case errors.Is(err, store.ErrExists):
		// Restored at the same moment by another request (or node).
		if err := s.mirror.CatchUp(ctx); err != nil {
			return "", err
		}
		return sub.arn(), nil
	case err != nil:
		return "", err
	}
	if err := s.mirror.Wait(ctx, rev); err != nil {
		return "", err
	}
	s.dropRestore(ctx, sc, sub.ID, rs.rev)
	return sub.arn(), nil
}

// dropRestore deletes a used restore record (at the revision read, so a
// newer one, from a later Unsubscribe, stays); failing that, the sweep
// deletes it when its token expires.
func (s *Service) dropRestore(ctx context.Context, sc Scope, id string, rev uint64) {
	_, err := s.kv.Delete(ctx, restoreKey(sc, id), rev)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		s.log.Warn("could not delete a restored subscription's record", "subscription", id, "err", err)
	}
}

func (s *Service) confirmSubscription(ctx context.Context, r *awsproto.Request, req *sns.ConfirmSubscriptionInput) (any, error) {
	arn, err := s.confirm(ctx, *req.TopicArn, *req.Token, true, strings.EqualFold(awsapi.Value(req.AuthenticateOnUnsubscribe), "true"))
	if err != nil {
		return nil, err
	}
	return &sns.ConfirmSubscriptionResponse{SubscriptionArn: &arn}, nil
}

// parseSubARN reads arn:aws:sns:<region>:<account>:<topic>:<id>.
func parseSubARN(v string) (Scope, string, error) {
	a, err := arn.Parse(v)
	topic, id, _ := strings.Cut(a.Resource, ":")
	switch n := strings.Count(v, ":") + 1; {
	case n < 6:
		return Scope{}, "", sns.ErrInvalidParameterException("Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not %d", n)
	case n == 6:
		return Scope{}, "", sns.ErrInvalidParameterException("Invalid parameter: SubscriptionId")
	case n != 7 || err != nil || a.Service != "sns" || topic == "" || id == "":
		return Scope{}, "", sns.ErrInvalidParameterException("Invalid parameter: SubscriptionArn")
	}
	return a.Scope(), id, nil
}

// unsubscribeArn removes a subscription; a missing one is not an error. A
// confirmed http/https subscription is sent an UnsubscribeConfirmation
// (base is the base URL for its links), whose token restores it until it
// expires.
func (s *Service) unsubscribeArn(ctx context.Context, sc Scope, id, base string) error {
	ss := s.lookupSub(sc, id)
	if ss == nil {
		return nil
	}
	var rr *restoreRecord
	var restoreRev uint64
	if (ss.rec.Protocol == "http" || ss.rec.Protocol == "https") && !ss.rec.Pending {
		rr = &restoreRecord{Sub: *ss.rec, Token: newToken(), Issued: time.Now().UnixMilli()}
		rr.Sub.Token, rr.Sub.TokenIssued = "", 0
		data, _ := json.Marshal(rr)
		var err error
		if restoreRev, err = s.kv.Put(ctx, restoreKey(sc, id), data); err != nil {
			return err
		}
	}
	rev, err := s.kv.Delete(ctx, subKey(sc, id), 0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.mirror.Wait(ctx, max(rev, restoreRev)); err != nil {
		return err
	}
	if rr != nil {
		if err := s.sendUnsubscribeConfirmation(ctx, rr, base, restoreRev); err != nil {
			return err
		}
	}
	err = s.updateTopic(ctx, sc, ss.rec.Topic, func(t *topicRecord) error {
		if t.Gen == ss.rec.TopicGen {
			t.Deleted++
		}
		return nil
	})
	if errors.Is(err, ErrTopicNotFound) {
		return nil
	}
	return err
}

func (s *Service) unsubscribe(ctx context.Context, r *awsproto.Request, req *sns.UnsubscribeInput) (any, error) {
	// SNS checks this member here rather than as a model constraint (see
	// models/switchyard-overlay-sns.json in internal/awsapi).
	if req.SubscriptionArn == nil {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: SubscriptionArn Reason: no value for required parameter")
	}
	sc, id, err := parseSubARN(*req.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	if err := s.unsubscribeArn(ctx, sc, id, s.baseURL(r)); err != nil {
		return nil, err
	}
	return nil, nil
}

func entryOf(rec *subRecord) sns.Subscription {
	arn := rec.arn()
	if rec.Pending {
		arn = "PendingConfirmation"
	}
	return sns.Subscription{SubscriptionArn: &arn, Owner: awsapi.Ptr(rec.Owner), Protocol: awsapi.Ptr(rec.Protocol),
		Endpoint: awsapi.Ptr(rec.Endpoint), TopicArn: awsapi.Ptr(rec.topicArn())}
}

func listSubs(recs []*subRecord, token *string) (any, error) {
	sort.Slice(recs, func(i, j int) bool { return recs[i].arn() < recs[j].arn() })
	pg, next, err := page(recs, func(r *subRecord) string { return r.arn() }, token)
	if err != nil {
		return nil, err
	}
	out := &listSubscriptionsOutput{Subscriptions: make([]sns.Subscription, len(pg))}
	out.NextToken = nextToken(next)
	for i, rec := range pg {
		out.Subscriptions[i] = entryOf(rec)
	}
	return out, nil
}

func (s *Service) listSubscriptions(ctx context.Context, r *awsproto.Request, req *sns.ListSubscriptionsInput) (any, error) {
	sc := callerScope(r)
	var recs []*subRecord
	now := time.Now()
	s.mu.RLock()
	for id, ts := range s.topics {
		if id.Scope != sc {
			continue
		}
		for _, ss := range ts.subs {
			if !s.pendingExpired(ss.rec, now) {
				recs = append(recs, ss.rec)
			}
		}
	}
	s.mu.RUnlock()
	return listSubs(recs, req.NextToken)
}

func (s *Service) listSubscriptionsByTopic(ctx context.Context, r *awsproto.Request, req *sns.ListSubscriptionsByTopicInput) (any, error) {
	v, err := s.resolveTopic(r, *req.TopicArn, "ListSubscriptionsByTopic")
	if err != nil {
		return nil, err
	}
	recs := make([]*subRecord, 0, len(v.subs))
	now := time.Now()
	for _, ss := range v.subs {
		if !s.pendingExpired(ss.rec, now) {
			recs = append(recs, ss.rec)
		}
	}
	return listSubs(recs, req.NextToken)
}

// resolveSub finds the subscription an ARN names, in the caller's region.
func (s *Service) resolveSub(r *awsproto.Request, arn string) (*subState, error) {
	sc, id, err := parseSubARN(arn)
	if err != nil {
		return nil, err
	}
	if sc.Region != r.Caller.Region {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: SubscriptionArn")
	}
	ss := s.lookupSub(sc, id)
	if ss == nil || ss.rec.arn() != arn || s.pendingExpired(ss.rec, time.Now()) {
		return nil, errSubscriptionDoesNotExist()
	}
	return ss, nil
}

func (s *Service) getSubscriptionAttributes(ctx context.Context, r *awsproto.Request, req *sns.GetSubscriptionAttributesInput) (any, error) {
	ss, err := s.resolveSub(r, *req.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	rec := ss.rec
	attrs := map[string]string{}
	for k, v := range rec.Attrs {
		attrs[k] = v
	}
	if attrs["FilterPolicy"] == "" {
		delete(attrs, "FilterPolicy")
		delete(attrs, "FilterPolicyScope")
	} else if attrs["FilterPolicyScope"] == "" {
		attrs["FilterPolicyScope"] = ScopeAttributes
	}
	if attrs["RawMessageDelivery"] == "" {
		attrs["RawMessageDelivery"] = "false"
	}
	attrs["SubscriptionArn"] = rec.arn()
	attrs["TopicArn"] = rec.topicArn()
	attrs["Protocol"] = rec.Protocol
	attrs["Endpoint"] = rec.Endpoint
	attrs["Owner"] = rec.Owner
	attrs["PendingConfirmation"] = boolString(rec.Pending)
	attrs["ConfirmationWasAuthenticated"] = boolString(rec.Authenticated)
	attrs["SubscriptionPrincipal"] = "arn:aws:iam::" + rec.Owner + ":root"
	if rec.Protocol == "http" || rec.Protocol == "https" {
		pol := s.retryPolicy(rec)
		b, _ := json.Marshal(map[string]any{"healthyRetryPolicy": pol, "sicklyRetryPolicy": nil, "throttlePolicy": nil, "guaranteed": false})
		attrs["EffectiveDeliveryPolicy"] = string(b)
	}
	return &sns.GetSubscriptionAttributesResponse{Attributes: attrs}, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (s *Service) setSubscriptionAttributes(ctx context.Context, r *awsproto.Request, req *sns.SetSubscriptionAttributesInput) (any, error) {
	ss, err := s.resolveSub(r, *req.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	rec := ss.rec
	name := *req.AttributeName
	topicFifo := strings.HasSuffix(rec.Topic, ".fifo")
	value, err := checkSubAttribute("Invalid parameter: ", name, awsapi.Value(req.AttributeValue), topicFifo, rec.Endpoint)
	if err != nil {
		return nil, err
	}
	// A filter policy must fit its scope, whichever of the two changes.
	policy, scope := rec.Attrs["FilterPolicy"], filterScope(rec.Attrs)
	switch name {
	case "FilterPolicy":
		policy = value
	case "FilterPolicyScope":
		scope = value
	}
	if policy != "" && (name == "FilterPolicy" || name == "FilterPolicyScope") {
		if _, err := parseFilterPolicy(policy, scope, false); err != nil {
			return nil, err
		}
	}
	err = s.updateSub(ctx, Scope{Account: rec.Account, Region: rec.Region}, rec.ID, func(sr *subRecord) error {
		if sr.Attrs == nil {
			sr.Attrs = map[string]string{}
		}
		if value == "" {
			delete(sr.Attrs, name)
		} else {
			sr.Attrs[name] = value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}
