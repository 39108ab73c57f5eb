package topic

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// Operations returns the handlers of the SNS operations Switchyard
// implements, by operation name. Each decodes Request.Body, the JSON
// document of the operation's input shape (model member names), into the
// generated awsapi/sns input type, validates it against the SNS model, and
// returns the generated output type, which marshals to the output shape's
// JSON document: what internal/awsquery's adapter needs (see
// QueryService).
func (s *Service) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{
		"CreateTopic":               op(s.createTopic),
		"DeleteTopic":               op(s.deleteTopic),
		"ListTopics":                op(s.listTopics),
		"GetTopicAttributes":        op(s.getTopicAttributes),
		"SetTopicAttributes":        op(s.setTopicAttributes),
		"Subscribe":                 op(s.subscribe),
		"ConfirmSubscription":       op(s.confirmSubscription),
		"Unsubscribe":               op(s.unsubscribe),
		"ListSubscriptions":         op(s.listSubscriptions),
		"ListSubscriptionsByTopic":  op(s.listSubscriptionsByTopic),
		"GetSubscriptionAttributes": op(s.getSubscriptionAttributes),
		"SetSubscriptionAttributes": op(s.setSubscriptionAttributes),
		"Publish":                   op(s.publish),
		"PublishBatch":              op(s.publishBatch),
		"TagResource":               op(s.tagResource),
		"UntagResource":             op(s.untagResource),
		"ListTagsForResource":       op(s.listTagsForResource),
	}
}

// op adapts a typed handler to an awsproto.Operation: it decodes the
// request into the operation's generated input type and checks the model's
// constraints first, as SNS does (a failure is a *awsapi.ValidationError:
// ValidationError "1 validation error detected: Value null at 'name' ...").
func op[In any, PIn interface {
	*In
	awsapi.Input
}](h func(context.Context, *awsproto.Request, PIn) (any, error)) awsproto.Operation {
	return func(ctx context.Context, r *awsproto.Request) (any, error) {
		in := PIn(new(In))
		if err := awsproto.DecodeJSON(r, in); err != nil {
			return nil, err
		}
		if err := in.Validate(); err != nil {
			return nil, err
		}
		resp, err := h(ctx, r, in)
		if errors.Is(err, ErrTopicNotFound) {
			return nil, errTopicDoesNotExist()
		}
		if errors.Is(err, errSubGone) {
			return nil, errSubscriptionDoesNotExist()
		}
		return resp, err
	}
}

func errTopicDoesNotExist() *awsproto.Error { return sns.ErrNotFoundException("Topic does not exist") }

func errSubscriptionDoesNotExist() *awsproto.Error {
	return sns.ErrNotFoundException("Subscription does not exist")
}

func callerScope(r *awsproto.Request) Scope {
	return Scope{Account: r.Caller.Account, Region: r.Caller.Region}
}

// parseTopicARN reads arn:aws:sns:<region>:<account>:<name>. param names the
// parameter in error messages.
func parseTopicARN(v, param string) (Scope, string, error) {
	if n := strings.Count(v, ":") + 1; n < 6 {
		return Scope{}, "", sns.ErrInvalidParameterException("Invalid parameter: %s Reason: An ARN must have at least 6 elements, not %d", param, n)
	}
	a, err := arn.Parse(v)
	if err != nil || a.Service != "sns" || a.Region == "" || a.Account == "" || !validTopicName(a.Resource) {
		return Scope{}, "", sns.ErrInvalidParameterException("Invalid parameter: %s", param)
	}
	return a.Scope(), a.Resource, nil
}

func validTopicName(name string) bool {
	base := strings.TrimSuffix(name, ".fifo")
	if base == "" || len(name) > 256 {
		return false
	}
	for _, c := range base {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// resolveTopic finds the topic an ARN names, in the caller's region. A
// missing topic of another account is an AuthorizationError, as SNS answers
// for resources the caller may not see.
func (s *Service) resolveTopic(r *awsproto.Request, arn, action string) (*topicView, error) {
	sc, name, err := parseTopicARN(arn, "TopicArn")
	if err != nil {
		return nil, err
	}
	caller := callerScope(r)
	if sc.Region != caller.Region {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: TopicArn")
	}
	v := s.lookupTopic(sc, name)
	if v == nil {
		if sc.Account != caller.Account {
			return nil, sns.ErrAuthorizationErrorException("User: arn:aws:iam::%s:root is not authorized to perform: SNS:%s on resource: %s because no resource-based policy allows the SNS:%s action",
				caller.Account, action, arn, action)
		}
		return nil, errTopicDoesNotExist()
	}
	return v, nil
}

// ---- topics -----------------------------------------------------------------

// topicAttributeNames are the attributes CreateTopic and SetTopicAttributes
// accept. Policy, DeliveryPolicy, SignatureVersion, FifoTopic and
// ContentBasedDeduplication take effect; the others are stored and
// returned.
var topicAttributeNames = map[string]bool{
	"DeliveryPolicy": true, "DisplayName": true, "Policy": true, "KmsMasterKeyId": true,
	"SignatureVersion": true, "TracingConfig": true, "FifoTopic": true, "ContentBasedDeduplication": true,
	"ArchivePolicy": true, "FifoThroughputScope": true,
	"HTTPSuccessFeedbackRoleArn": true, "HTTPSuccessFeedbackSampleRate": true, "HTTPFailureFeedbackRoleArn": true,
	"LambdaSuccessFeedbackRoleArn": true, "LambdaSuccessFeedbackSampleRate": true, "LambdaFailureFeedbackRoleArn": true,
	"SQSSuccessFeedbackRoleArn": true, "SQSSuccessFeedbackSampleRate": true, "SQSFailureFeedbackRoleArn": true,
	"FirehoseSuccessFeedbackRoleArn": true, "FirehoseSuccessFeedbackSampleRate": true, "FirehoseFailureFeedbackRoleArn": true,
	"ApplicationSuccessFeedbackRoleArn": true, "ApplicationSuccessFeedbackSampleRate": true, "ApplicationFailureFeedbackRoleArn": true,
}

// checkTopicAttribute validates one attribute value; prefix starts the
// error message.
func checkTopicAttribute(prefix, name, value string, fifo bool) error {
	switch name {
	case "Policy", "ArchivePolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return sns.ErrInvalidParameterException("%s%s: failed to parse JSON.", prefix, name)
		}
	case "DeliveryPolicy":
		if value != "" {
			return checkDeliveryPolicy(prefix, value)
		}
	case "SignatureVersion":
		if value != "1" && value != "2" {
			return sns.ErrInvalidParameterException("%sSignatureVersion: must be 1 or 2", prefix)
		}
	case "ContentBasedDeduplication":
		if !fifo {
			return sns.ErrInvalidParameterException("Invalid parameter: ContentBasedDeduplication Reason: Content-based deduplication can only be set for FIFO topics")
		}
		if value != "true" && value != "false" {
			return sns.ErrInvalidParameterException("%sContentBasedDeduplication: must be true or false", prefix)
		}
	case "DisplayName":
		if len(value) > 100 {
			return sns.ErrInvalidParameterException("%sDisplayName: must be at most 100 characters long", prefix)
		}
	case "TracingConfig":
		if value != "PassThrough" && value != "Active" {
			return sns.ErrInvalidParameterException("%sTracingConfig: Invalid value [%s]. Please use either PassThrough or Active", prefix, value)
		}
	}
	return nil
}

func (s *Service) createTopic(ctx context.Context, r *awsproto.Request, req *sns.CreateTopicInput) (any, error) {
	sc := callerScope(r)
	name := *req.Name
	attrs := map[string]string{}
	for _, k := range sortedKeys(req.Attributes) {
		if !topicAttributeNames[k] {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Attributes Reason: Invalid attribute name: %s", k)
		}
		attrs[k] = req.Attributes[k]
	}
	fifo := false
	if v, ok := attrs["FifoTopic"]; ok {
		switch strings.ToLower(v) {
		case "true":
			fifo = true
			attrs["FifoTopic"] = "true"
		case "false":
			delete(attrs, "FifoTopic") // SNS does not keep FifoTopic=false
		default:
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Attributes Reason: FifoTopic: Invalid value [%s]. Must be true or false.", v)
		}
	}
	if fifo {
		if !strings.HasSuffix(name, ".fifo") || !validTopicName(name) {
			return nil, sns.ErrInvalidParameterException("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
		}
		if _, ok := attrs["ContentBasedDeduplication"]; !ok {
			attrs["ContentBasedDeduplication"] = "false"
		}
	} else if strings.HasSuffix(name, ".fifo") || !validTopicName(name) {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: Topic Name")
	}
	for _, k := range sortedKeys(attrs) {
		if k == "FifoTopic" {
			continue
		}
		if err := checkTopicAttribute("Invalid parameter: Attributes Reason: ", k, attrs[k], fifo); err != nil {
			return nil, err
		}
	}
	tags, err := checkTags(req.Tags, nil)
	if err != nil {
		return nil, err
	}
	arn := topicARN(sc, name)
	for attempt := 0; attempt < 3; attempt++ {
		if v := s.lookupTopic(sc, name); v != nil {
			for k, want := range req.Attributes {
				got := v.rec.Attributes[k]
				if k == "FifoTopic" && strings.EqualFold(want, "false") && got == "" {
					continue
				}
				if got != want && !(k == "FifoTopic" && strings.EqualFold(got, want)) {
					return nil, sns.ErrInvalidParameterException("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
				}
			}
			for k, val := range tags {
				if cur, ok := v.rec.Tags[k]; !ok || cur != val {
					return nil, sns.ErrInvalidParameterException("Invalid parameter: Tags Reason: Topic already exists with different tags")
				}
			}
			return &sns.CreateTopicResponse{TopicArn: &arn}, nil
		}
		rec := &topicRecord{
			Account: sc.Account, Region: sc.Region, Name: name, Gen: uuid.New(),
			Created: time.Now().Unix(), Attributes: attrs, Tags: tags,
			DataProtectionPolicy: awsapi.Value(req.DataProtectionPolicy),
		}
		data, _ := json.Marshal(rec)
		rev, err := s.kv.Create(ctx, topicKey(sc, name), data)
		if errors.Is(err, store.ErrExists) {
			if err := s.mirror.CatchUp(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := s.mirror.Wait(ctx, rev); err != nil {
			return nil, err
		}
		return &sns.CreateTopicResponse{TopicArn: &arn}, nil
	}
	return nil, errors.New("topic: CreateTopic raced too often")
}

func (s *Service) deleteTopic(ctx context.Context, r *awsproto.Request, req *sns.DeleteTopicInput) (any, error) {
	sc, name, err := parseTopicARN(*req.TopicArn, "TopicArn")
	if err != nil {
		return nil, err
	}
	if sc.Region != r.Caller.Region {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: TopicArn")
	}
	v := s.lookupTopic(sc, name)
	if v == nil {
		// DeleteTopic is idempotent.
		return nil, nil
	}
	for _, ss := range v.subs {
		if _, err := s.kv.Delete(ctx, subKey(sc, ss.rec.ID), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	rev, err := s.kv.Delete(ctx, topicKey(sc, name), 0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := s.mirror.Wait(ctx, rev); err != nil {
		return nil, err
	}
	return nil, nil
}

const pageSize = 100

// page returns the items after the NextToken (the base64 of the last ARN
// of the previous page) and the next token.
func page[T any](items []T, arnOf func(T) string, token *string) ([]T, string, error) {
	start := 0
	if token != nil && *token != "" {
		last, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, "", sns.ErrInvalidParameterException("Invalid parameter: NextToken")
		}
		start = sort.Search(len(items), func(i int) bool { return arnOf(items[i]) > string(last) })
	}
	end := min(start+pageSize, len(items))
	next := ""
	if end < len(items) && end > start {
		next = base64.RawURLEncoding.EncodeToString([]byte(arnOf(items[end-1])))
	}
	return items[start:end], next, nil
}

func (s *Service) listTopics(ctx context.Context, r *awsproto.Request, req *sns.ListTopicsInput) (any, error) {
	sc := callerScope(r)
	s.mu.RLock()
	var arns []string
	for id, ts := range s.topics {
		if id.Scope == sc {
			arns = append(arns, ts.rec.arn())
		}
	}
	s.mu.RUnlock()
	sort.Strings(arns)
	pg, next, err := page(arns, func(a string) string { return a }, req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &listTopicsOutput{Topics: make([]sns.Topic, len(pg))}
	out.NextToken = nextToken(next)
	for i, a := range pg {
		out.Topics[i] = sns.Topic{TopicArn: &a}
	}
	return out, nil
}

func defaultTopicPolicy(rec *topicRecord) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` +
		rec.arn() + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + rec.Account + `"}}}]}`
}

const defaultEffectiveDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

func (s *Service) getTopicAttributes(ctx context.Context, r *awsproto.Request, req *sns.GetTopicAttributesInput) (any, error) {
	v, err := s.resolveTopic(r, *req.TopicArn, "GetTopicAttributes")
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, val := range v.rec.Attributes {
		attrs[k] = val
	}
	attrs["TopicArn"] = v.rec.arn()
	attrs["Owner"] = v.rec.Account
	if _, ok := attrs["Policy"]; !ok {
		attrs["Policy"] = defaultTopicPolicy(v.rec)
	}
	if _, ok := attrs["DisplayName"]; !ok {
		attrs["DisplayName"] = ""
	}
	attrs["EffectiveDeliveryPolicy"] = defaultEffectiveDeliveryPolicy
	if dp := attrs["DeliveryPolicy"]; dp != "" {
		attrs["EffectiveDeliveryPolicy"] = dp
	}
	confirmed, pending := 0, 0
	now := time.Now()
	for _, ss := range v.subs {
		if s.pendingExpired(ss.rec, now) {
			continue
		}
		if ss.rec.Pending {
			pending++
		} else {
			confirmed++
		}
	}
	attrs["SubscriptionsConfirmed"] = strconv.Itoa(confirmed)
	attrs["SubscriptionsPending"] = strconv.Itoa(pending)
	attrs["SubscriptionsDeleted"] = strconv.Itoa(v.rec.Deleted)
	return &sns.GetTopicAttributesResponse{Attributes: attrs}, nil
}

func (s *Service) setTopicAttributes(ctx context.Context, r *awsproto.Request, req *sns.SetTopicAttributesInput) (any, error) {
	v, err := s.resolveTopic(r, *req.TopicArn, "SetTopicAttributes")
	if err != nil {
		return nil, err
	}
	name, value := *req.AttributeName, awsapi.Value(req.AttributeValue)
	if !topicAttributeNames[name] || name == "FifoTopic" {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: AttributeName")
	}
	if err := checkTopicAttribute("Invalid parameter: ", name, value, v.rec.fifo()); err != nil {
		return nil, err
	}
	err = s.updateTopic(ctx, v.rec.scope(), v.rec.Name, func(t *topicRecord) error {
		if t.Attributes == nil {
			t.Attributes = map[string]string{}
		}
		if value == "" && name != "DisplayName" {
			delete(t.Attributes, name)
		} else {
			t.Attributes[name] = value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// ---- tags -------------------------------------------------------------------

const maxTags = 50

// checkTags merges tags into existing ones. The model's constraints (key
// and value present, key 1 to 128 characters, value at most 256) are
// checked before, by Validate.
func checkTags(in []sns.Tag, existing map[string]string) (map[string]string, error) {
	if len(in) == 0 {
		return maps.Clone(existing), nil
	}
	out := maps.Clone(existing)
	if out == nil {
		out = map[string]string{}
	}
	seen := map[string]bool{}
	for _, t := range in {
		key, value := awsapi.Value(t.Key), awsapi.Value(t.Value)
		if seen[key] {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Duplicated keys are not allowed.")
		}
		seen[key] = true
		if strings.HasPrefix(key, "aws:") {
			return nil, sns.ErrInvalidParameterException("Invalid parameter: Tags Reason: tag keys must be 1 to 128 characters (not starting with aws:), values at most 256")
		}
		out[key] = value
	}
	if len(out) > maxTags {
		return nil, sns.ErrTagLimitExceededException("Could not complete request: tag quota of per resource exceeded")
	}
	return out, nil
}

// tagTarget finds the topic a tagging call names.
func (s *Service) tagTarget(r *awsproto.Request, arn string) (*topicView, error) {
	sc, name, err := parseTopicARN(arn, "ResourceArn")
	if err != nil {
		return nil, err
	}
	if sc.Region != r.Caller.Region {
		return nil, sns.ErrInvalidParameterException("Invalid parameter: ResourceArn")
	}
	v := s.lookupTopic(sc, name)
	if v == nil {
		return nil, sns.ErrResourceNotFoundException("Resource does not exist")
	}
	return v, nil
}

func (s *Service) tagResource(ctx context.Context, r *awsproto.Request, req *sns.TagResourceRequest) (any, error) {
	v, err := s.tagTarget(r, *req.ResourceArn)
	if err != nil {
		return nil, err
	}
	if _, err := checkTags(req.Tags, v.rec.Tags); err != nil {
		return nil, err
	}
	err = s.updateTopic(ctx, v.rec.scope(), v.rec.Name, func(t *topicRecord) error {
		tags, err := checkTags(req.Tags, t.Tags)
		t.Tags = tags
		return err
	})
	if err != nil {
		return nil, err
	}
	return &sns.TagResourceResponse{}, nil
}

func (s *Service) untagResource(ctx context.Context, r *awsproto.Request, req *sns.UntagResourceRequest) (any, error) {
	v, err := s.tagTarget(r, *req.ResourceArn)
	if err != nil {
		return nil, err
	}
	err = s.updateTopic(ctx, v.rec.scope(), v.rec.Name, func(t *topicRecord) error {
		for _, k := range req.TagKeys {
			delete(t.Tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &sns.UntagResourceResponse{}, nil
}

func (s *Service) listTagsForResource(ctx context.Context, r *awsproto.Request, req *sns.ListTagsForResourceRequest) (any, error) {
	v, err := s.tagTarget(r, *req.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &listTagsOutput{Tags: []sns.Tag{}}
	for _, k := range sortedKeys(v.rec.Tags) {
		out.Tags = append(out.Tags, sns.Tag{Key: awsapi.Ptr(k), Value: awsapi.Ptr(v.rec.Tags[k])})
	}
	return out, nil
}
