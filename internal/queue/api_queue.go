package queue

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
)

// purgeInterval is how often SQS allows PurgeQueue on one queue.
const purgeInterval = 60 * time.Second

// Arn returns a queue's ARN.
func Arn(sc Scope, name string) string {
	return "arn:aws:sqs:" + sc.Region + ":" + sc.Account + ":" + name
}

// validScope checks what becomes part of a bucket key: an account of digits
// and a region of lower-case letters, digits and hyphens.
func validScope(sc Scope) bool {
	if sc.Account == "" || sc.Region == "" || len(sc.Account) > 64 || len(sc.Region) > 64 {
		return false
	}
	for i := 0; i < len(sc.Account); i++ {
		if sc.Account[i] < '0' || sc.Account[i] > '9' {
			return false
		}
	}
	for i := 0; i < len(sc.Region); i++ {
		c := sc.Region[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkArn resolves a queue ARN for attribute validation.
func (s *Service) checkArn(arn string) (exists, fifo bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 {
		return false, false
	}
	q := s.lookup(queueID{Scope{parts[4], parts[3]}, parts[5]})
	if q == nil {
		return false, false
	}
	return true, isFifo(q.rec.Attributes)
}

func (s *Service) createQueue(ctx context.Context, r *awsproto.Request, req *createQueueRequest) (any, error) {
	name := *req.QueueName
	given, err := normalizeAttributes(name, req.Attributes, s.checkArn)
	if err != nil {
		return nil, err
	}
	id := queueID{scope(r), name}
	if !validScope(id.Scope) {
		return nil, errInvalidParameterValue("The account %q or region %q of the request is not valid.", id.Account, id.Region)
	}
	if v, ok := given[attrRedrivePolicy]; ok {
		if err := s.checkRedriveAllowed(Arn(id.Scope, name), v); err != nil {
			return nil, err
		}
	}
	if err := checkTags(name, nil, req.Tags); err != nil {
		return nil, err
	}
	url := queueURL(r.HTTP, id.Account, name)
	if q := s.lookup(id); q != nil {
		if attr := differingAttribute(q.rec.Attributes, given); attr != "" {
			return nil, errQueueNameExists(attr)
		}
		return &createQueueResult{QueueUrl: url}, nil
	}
	now := time.Now()
	handleKey := make([]byte, 16)
	rand.Read(handleKey)
	rec := &record{
		Account: id.Account, Region: id.Region, Name: name,
		Key:       queueKey(id, now.UnixNano()),
		HandleKey: base64.StdEncoding.EncodeToString(handleKey),
		Created:   now.Unix(), Modified: now.Unix(),
		Attributes: effectiveAttributes(name, given),
		Tags:       req.Tags,
	}
	rec.Stream = shardStream(shardOf(rec.Key))
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	rev, err := s.kv.Create(ctx, id.key(), data)
	if errors.Is(err, store.ErrExists) {
		// Another request created it first: answer as if it had been there.
		if err := s.mirror.CatchUp(ctx); err != nil {
			return nil, err
		}
		q := s.lookup(id)
		if q == nil {
			return nil, errors.New("queue: created concurrently but not visible")
		}
		if attr := differingAttribute(q.rec.Attributes, given); attr != "" {
			return nil, errQueueNameExists(attr)
		}
		return &createQueueResult{QueueUrl: url}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.mirror.Wait(ctx, rev); err != nil {
		return nil, err
	}
	return &createQueueResult{QueueUrl: url}, nil
}

func (s *Service) getQueueURL(_ context.Context, r *awsproto.Request, req *getQueueUrlRequest) (any, error) {
	sc := scope(r)
	if req.QueueOwnerAWSAccountId != "" {
		sc.Account = req.QueueOwnerAWSAccountId
	}
	if s.lookup(queueID{sc, *req.QueueName}) == nil {
		return nil, errQueueDoesNotExist()
	}
	return &getQueueUrlResult{QueueUrl: queueURL(r.HTTP, sc.Account, *req.QueueName)}, nil
}

func (s *Service) listQueues(_ context.Context, r *awsproto.Request, req *listQueuesRequest) (any, error) {
	urls, next, err := s.listURLs(r, scope(r), req.QueueNamePrefix, req.MaxResults, req.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &listQueuesResult{QueueUrls: urls, NextToken: next}, nil
}

// listURLs pages queue URLs as ListQueues and ListDeadLetterSourceQueues
// do: the URLs of a scope's queues whose names start with prefix and that
// keep accepts (nil: all), in name order, up to maxResults (1 to 1000,
// default 1000) after the queue nextToken names. The next page's token is
// returned only if maxResults was given.
func (s *Service) listURLs(r *awsproto.Request, sc Scope, prefix string, maxResults *int32, nextToken string, keep func(*record) bool) (urls []string, next string, err error) {
	limit := 1000
	if maxResults != nil {
		limit = int(*maxResults)
		if limit < 1 || limit > 1000 {
			return nil, "", errInvalidParameterValue("Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
		}
	}
	after := ""
	if nextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil || len(b) == 0 {
			return nil, "", errInvalidParameterValue("Invalid NextToken value.")
		}
		after = string(b)
	}
	for _, rec := range s.list(sc, prefix) {
		if after != "" && rec.Name <= after {
			continue
		}
		if keep != nil && !keep(rec) {
			continue
		}
		if len(urls) == limit {
			if maxResults != nil {
				last := urls[len(urls)-1]
				next = base64.RawURLEncoding.EncodeToString([]byte(last[strings.LastIndexByte(last, '/')+1:]))
			}
			break
		}
		urls = append(urls, queueURL(r.HTTP, sc.Account, rec.Name))
	}
	return urls, next, nil
}

func (s *Service) deleteQueue(ctx context.Context, r *awsproto.Request, req *queueURLRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	rev, err := s.kv.Delete(ctx, q.rec.id().key(), q.rev)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		// Changed or deleted meanwhile: delete whatever is there now.
		rev, err = s.kv.Delete(ctx, q.rec.id().key(), 0)
	}
	if err != nil {
		return nil, err
	}
	if err := s.mirror.Wait(ctx, rev); err != nil {
		return nil, err
	}
	// The queue is gone for clients; its messages and consumer go now (a
	// queue created again has another key, so anything left over would
	// only wait for its TTL).
	bg := context.WithoutCancel(ctx)
	if err := q.rt.msgs.Purge(bg, q.rt.all(), 0); err != nil {
		s.log.Warn("queue deleted but its messages were not", "queue", q.rec.Name, "err", err)
	}
	if err := s.st.DeleteConsumer(bg, q.rt.stream, q.rt.consumer); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("queue deleted but its consumer was not", "queue", q.rec.Name, "err", err)
	}
	return struct{}{}, nil
}

func (s *Service) purgeQueue(ctx context.Context, r *awsproto.Request, req *queueURLRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	s.purgeMu.Lock()
	if last, ok := s.lastPurge[q.rt.key]; ok && now.Sub(last) < purgeInterval {
		s.purgeMu.Unlock()
		return nil, errPurgeQueueInProgress(q.rec.Name)
	}
	for k, last := range s.lastPurge {
		if now.Sub(last) >= purgeInterval {
			delete(s.lastPurge, k)
		}
	}
	s.lastPurge[q.rt.key] = now
	s.lastPurge = shrink(s.lastPurge, &s.purgePeak)
	s.purgeMu.Unlock()
	// Everything goes, FIFO tokens and kicks too: a purged group has no
	// message left to take its turn.
	if err := q.rt.msgs.Purge(ctx, q.rt.all(), 0); err != nil {
		return nil, s.gone(q, err)
	}
	return struct{}{}, nil
}

func (s *Service) getQueueAttributes(ctx context.Context, r *awsproto.Request, req *getQueueAttributesRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range req.AttributeNames {
		if !knownAttribute(n) {
			return nil, errUnknownAttribute(n)
		}
		want[n] = true
	}
	all := want[attrAll]
	wanted := func(n string) bool { return all || want[n] }
	out := map[string]string{}
	for k, v := range q.rec.Attributes {
		if wanted(k) {
			out[k] = v
		}
	}
	if wanted(attrQueueArn) {
		out[attrQueueArn] = Arn(q.rec.id().Scope, q.rec.Name)
	}
	if wanted(attrCreatedTimestamp) {
		out[attrCreatedTimestamp] = strconv.FormatInt(q.rec.Created, 10)
	}
	if wanted(attrLastModifiedTimestamp) {
		out[attrLastModifiedTimestamp] = strconv.FormatInt(q.rec.Modified, 10)
	}
	if wanted(attrApproximateNumberOfMessages) || wanted(attrApproximateNumberOfMessagesNotVisible) {
		visible, inFlight, err := s.messageCounts(ctx, q)
		if err != nil {
			return nil, err
		}
		if wanted(attrApproximateNumberOfMessages) {
			out[attrApproximateNumberOfMessages] = strconv.FormatUint(visible, 10)
		}
		if wanted(attrApproximateNumberOfMessagesNotVisible) {
			out[attrApproximateNumberOfMessagesNotVisible] = strconv.FormatUint(inFlight, 10)
		}
	}
	if wanted(attrApproximateNumberOfMessagesDelayed) {
		delayed, err := s.delayedCount(ctx, q)
		if err != nil {
			return nil, s.gone(q, err)
		}
		out[attrApproximateNumberOfMessagesDelayed] = strconv.FormatUint(delayed, 10)
	}
	return &getQueueAttributesResult{Attributes: out}, nil
}

// messageCounts returns ApproximateNumberOfMessages and
// ApproximateNumberOfMessagesNotVisible, without creating the receive
// consumer: a queue without one has nothing in flight. On a FIFO queue the
// messages in flight are counted by group (one per token in flight), and
// the visible ones are the other stored messages.
func (s *Service) messageCounts(ctx context.Context, q *queue) (visible, inFlight uint64, err error) {
	pending, inFlight, ok, err := q.rt.counts(ctx, s.st)
	if err != nil {
		return 0, 0, s.gone(q, err)
	}
	if q.rt.fifo == nil {
		if ok {
			return pending, inFlight, nil
		}
		visible, err := q.rt.msgs.Count(ctx, q.rt.ready())
		if err != nil {
			return 0, 0, s.gone(q, err)
		}
		return visible, 0, nil
	}
	stored, err := q.rt.msgs.Count(ctx, q.rt.groups())
	if err != nil {
		return 0, 0, s.gone(q, err)
	}
	if stored > inFlight {
		visible = stored - inFlight
	}
	return visible, inFlight, nil
}

// delayedCount is ApproximateNumberOfMessagesDelayed: a standard queue's
// pending schedules. A FIFO queue's delayed messages wait in their groups
// and are counted as visible.
func (s *Service) delayedCount(ctx context.Context, q *queue) (uint64, error) {
	if q.rt.fifo != nil {
		return 0, nil
	}
	return q.rt.msgs.Count(ctx, q.rt.delayedAll())
}
