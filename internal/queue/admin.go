package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
)

// removableAttributes are cleared by SetQueueAttributes with an empty value.
var removableAttributes = []string{attrPolicy, attrRedrivePolicy, attrRedriveAllowPolicy, attrKmsMasterKeyId}

func (s *Service) setQueueAttributes(ctx context.Context, r *awsproto.Request, req *setQueueAttributesRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	fifo := isFifo(q.rec.Attributes)
	given := make(map[string]string, len(req.Attributes)+1)
	var removed []string
	for k, v := range req.Attributes {
		if v == "" && slices.Contains(removableAttributes, k) {
			removed = append(removed, k)
			continue
		}
		given[k] = v
	}
	if v, ok := given[attrFifoQueue]; ok {
		b, valid := parseBool(v)
		if !valid {
			return nil, errInvalidAttributeValue(attrFifoQueue, "")
		}
		if b != fifo {
			return nil, errInvalidAttributeValue(attrFifoQueue, "Modifying queue type is not supported.")
		}
	}
	// Validate as CreateQueue would for a queue of this type.
	given[attrFifoQueue] = strconv.FormatBool(fifo)
	norm, err := normalizeAttributes(q.rec.Name, given, s.checkArn)
	if err != nil {
		return nil, err
	}
	delete(norm, attrFifoQueue)
	if v, ok := norm[attrRedrivePolicy]; ok {
		if err := s.checkRedriveAllowed(q.arn(), v); err != nil {
			return nil, err
		}
	}
	var newRec *record
	err = s.updateQueue(ctx, q, func(rec *record) error {
		for _, k := range removed {
			delete(rec.Attributes, k)
			if k == attrKmsMasterKeyId {
				delete(rec.Attributes, attrKmsDataKeyReusePeriodSeconds)
				rec.Attributes[attrSqsManagedSseEnabled] = "true"
			}
		}
		for k, v := range norm {
			rec.Attributes[k] = v
		}
		if _, kms := norm[attrKmsMasterKeyId]; kms {
			rec.Attributes[attrSqsManagedSseEnabled] = "false"
			if _, ok := rec.Attributes[attrKmsDataKeyReusePeriodSeconds]; !ok {
				rec.Attributes[attrKmsDataKeyReusePeriodSeconds] = "300"
			}
		} else if norm[attrSqsManagedSseEnabled] == "true" {
			delete(rec.Attributes, attrKmsMasterKeyId)
			delete(rec.Attributes, attrKmsDataKeyReusePeriodSeconds)
		}
		rec.Modified = time.Now().Unix()
		newRec = rec
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Effects that live in the store apply at once.
	if v, ok := norm[attrMessageRetentionPeriod]; ok {
		if n, _ := strconv.Atoi(v); n < attrInt(q.rec.Attributes, attrMessageRetentionPeriod) {
			if err := s.expireOlder(ctx, q, time.Duration(n)*time.Second); err != nil {
				return nil, s.gone(q, err)
			}
		}
	}
	if _, ok := norm[attrVisibilityTimeout]; ok {
		if err := s.applyVisibility(ctx, q, attrInt(newRec.Attributes, attrVisibilityTimeout)); err != nil {
			return nil, s.gone(q, err)
		}
	}
	return struct{}{}, nil
}

// expireOlder applies a shorter MessageRetentionPeriod to the messages
// stored already (each carries its retention as a TTL from when it was
// sent): those older than it are removed. A longer period applies to the
// messages sent from then on.
func (s *Service) expireOlder(ctx context.Context, q *queue, d time.Duration) error {
	since := time.Now().Add(-d)
	subjects := []string{q.rt.ready(), q.rt.delayedAll()}
	if q.rt.fifo != nil {
		subjects = []string{q.rt.groups()}
	}
	for _, subject := range subjects {
		below, err := q.rt.msgs.FirstSince(ctx, subject, since)
		if errors.Is(err, store.ErrNotFound) {
			below = 0 // all are older
		} else if err != nil {
			return err
		}
		if below == 0 {
			err = q.rt.msgs.Purge(ctx, subject, 0)
		} else {
			err = q.rt.msgs.Purge(ctx, subject, below)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Tag limits (SQS's quotas).
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

func checkTags(name string, existing, add map[string]string) error {
	for k, v := range add {
		if k == "" || len(k) > maxTagKeyLen {
			return errInvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
		}
		if len(v) > maxTagValueLen {
			return errInvalidParameterValue("Tag values must be between 0 and 256 characters in length.")
		}
	}
	n := len(existing)
	for k := range add {
		if _, ok := existing[k]; !ok {
			n++
		}
	}
	if n > maxTags {
		return errInvalidParameterValue("Too many tags added for queue %s.", name)
	}
	return nil
}

func (s *Service) tagQueue(ctx context.Context, r *awsproto.Request, req *tagQueueRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	return noResult(s.updateQueue(ctx, q, func(rec *record) error {
		if err := checkTags(rec.Name, rec.Tags, req.Tags); err != nil {
			return err
		}
		if rec.Tags == nil {
			rec.Tags = map[string]string{}
		}
		for k, v := range req.Tags {
			rec.Tags[k] = v
		}
		return nil
	}))
}

func (s *Service) untagQueue(ctx context.Context, r *awsproto.Request, req *untagQueueRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	for _, k := range req.TagKeys {
		if k == "" || len(k) > maxTagKeyLen {
			return nil, errInvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
		}
	}
	return noResult(s.updateQueue(ctx, q, func(rec *record) error {
		for _, k := range req.TagKeys {
			delete(rec.Tags, k)
		}
		if len(rec.Tags) == 0 {
			rec.Tags = nil
		}
		return nil
	}))
}

func (s *Service) listQueueTags(_ context.Context, r *awsproto.Request, req *queueURLRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &listQueueTagsResult{Tags: q.rec.Tags}, nil
}

// permissionActions are the actions AddPermission can grant: the others
// only the queue owner may call.
var permissionActions = []string{
	"*", "ChangeMessageVisibility", "DeleteMessage", "GetQueueAttributes", "GetQueueUrl",
	"ListDeadLetterSourceQueues", "PurgeQueue", "ReceiveMessage", "SendMessage",
}

const maxPermissionActions = 7

func validLabel(l string) bool {
	if l == "" || len(l) > 80 {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// policyDoc reads a queue's Policy (or starts SQS's default one).
func policyDoc(rec *record) (map[string]any, []any) {
	doc := map[string]any{}
	if p := rec.Attributes[attrPolicy]; p != "" {
		_ = json.Unmarshal([]byte(p), &doc)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	if _, ok := doc["Version"]; !ok {
		doc["Version"] = "2012-10-17"
	}
	if _, ok := doc["Id"]; !ok {
		doc["Id"] = Arn(rec.id().Scope, rec.Name) + "/SQSDefaultPolicy"
	}
	var stmts []any
	switch v := doc["Statement"].(type) {
	case []any:
		stmts = v
	case map[string]any:
		stmts = []any{v}
	}
	return doc, stmts
}

func statementSid(st any) string {
	if m, ok := st.(map[string]any); ok {
		if sid, ok := m["Sid"].(string); ok {
			return sid
		}
	}
	return ""
}

func oneOrMany(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

func (s *Service) addPermission(ctx context.Context, r *awsproto.Request, req *addPermissionRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	if !validLabel(req.Label) {
		return nil, errInvalidParameterValue("Value %s for parameter Label is invalid. Reason: Label can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.", req.Label)
	}
	if len(req.AWSAccountIds) == 0 {
		return nil, errInvalidParameterValue("Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.")
	}
	for _, a := range req.AWSAccountIds {
		if !validScope(Scope{Account: a, Region: "x"}) {
			return nil, errInvalidParameterValue("Value [%s] for parameter PrincipalId is invalid. Reason: Unable to verify.", a)
		}
	}
	if len(req.Actions) > maxPermissionActions {
		return nil, errOverLimit(fmt.Sprintf("%d Actions were found, maximum allowed is %d.", len(req.Actions), maxPermissionActions))
	}
	for _, a := range req.Actions {
		if !slices.Contains(permissionActions, a) {
			return nil, errInvalidParameterValue("Value SQS:%s for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.", a)
		}
	}
	return noResult(s.updatePolicy(ctx, q, func(rec *record, stmts []any) ([]any, error) {
		for _, st := range stmts {
			if statementSid(st) == req.Label {
				return nil, errInvalidParameterValue("Value %s for parameter Label is invalid. Reason: Already exists.", req.Label)
			}
		}
		principals := make([]string, len(req.AWSAccountIds))
		for i, a := range req.AWSAccountIds {
			principals[i] = "arn:aws:iam::" + a + ":root"
		}
		actions := make([]string, len(req.Actions))
		for i, a := range req.Actions {
			actions[i] = "SQS:" + a
		}
		return append(stmts, map[string]any{
			"Sid": req.Label, "Effect": "Allow",
			"Principal": map[string]any{"AWS": oneOrMany(principals)},
			"Action":    oneOrMany(actions),
			"Resource":  Arn(rec.id().Scope, rec.Name),
		}), nil
	}))
}

func (s *Service) removePermission(ctx context.Context, r *awsproto.Request, req *removePermissionRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	return noResult(s.updatePolicy(ctx, q, func(_ *record, stmts []any) ([]any, error) {
		kept := stmts[:0:0]
		for _, st := range stmts {
			if statementSid(st) != req.Label {
				kept = append(kept, st)
			}
		}
		if len(kept) == len(stmts) {
			return nil, errInvalidParameterValue("Value %s for parameter Label is invalid. Reason: can't find label on existing policy.", req.Label)
		}
		return kept, nil
	}))
}

// updatePolicy rewrites a queue's Policy: edit returns its new statements.
// A policy left with no statement and nothing but SQS's default wrapper
// (Version, Id) is removed.
func (s *Service) updatePolicy(ctx context.Context, q *queue, edit func(rec *record, stmts []any) ([]any, error)) error {
	return s.updateQueue(ctx, q, func(rec *record) error {
		doc, stmts := policyDoc(rec)
		stmts, err := edit(rec, stmts)
		if err != nil {
			return err
		}
		if len(stmts) == 0 && len(doc) <= 3 {
			delete(rec.Attributes, attrPolicy)
		} else {
			doc["Statement"] = stmts
			b, err := json.Marshal(doc)
			if err != nil {
				return err
			}
			rec.Attributes[attrPolicy] = string(b)
		}
		rec.Modified = time.Now().Unix()
		return nil
	})
}

// policyStatements lists the Sids of a Policy (tests and diagnostics).
func policyStatements(policy string) []string {
	var doc struct {
		Statement []struct{ Sid string } `json:"Statement"`
	}
	_ = json.Unmarshal([]byte(policy), &doc)
	var out []string
	for _, st := range doc.Statement {
		out = append(out, strings.TrimSpace(st.Sid))
	}
	return out
}
