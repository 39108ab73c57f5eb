package topic

import (
	"context"
	"errors"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Expiry: SNS deletes an http/https subscription that stays unconfirmed
// for Options.PendingExpiry, and a confirmation token (a
// SubscriptionConfirmation's, or an UnsubscribeConfirmation's that would
// restore the subscription) stops working after Options.TokenExpiry.
//
// Reads apply the deadlines at once (an expired pending subscription is
// not listed, has no attributes and cannot be confirmed), and every node
// runs a sweep that deletes expired records from the bucket. The sweep
// deletes a record only at the revision it saw (compare-and-set), so
// nodes sweeping at the same time delete each record once, and a record
// confirmed or restored meanwhile is left alone.

// pendingExpired reports whether a subscription is an unconfirmed one past
// its deadline.
func (s *Service) pendingExpired(rec *subRecord, now time.Time) bool {
	return rec.Pending && !now.Before(rec.tokenIssued().Add(s.opt.PendingExpiry))
}

// tokenExpired reports whether a token issued at issued is no longer
// valid.
func (s *Service) tokenExpired(issued, now time.Time) bool {
	return !now.Before(issued.Add(s.opt.TokenExpiry))
}

func (r *restoreRecord) issued() time.Time { return time.UnixMilli(r.Issued) }

// sweepInterval is how often a node looks for expired records: a
// twentieth of the shorter deadline, between 50 ms and a minute.
func (s *Service) sweepInterval() time.Duration {
	d := min(s.opt.PendingExpiry, s.opt.TokenExpiry) / 20
	return min(max(d, 50*time.Millisecond), time.Minute)
}

func (s *Service) sweepLoop(ctx context.Context) {
	defer close(s.sweepDone)
	t := time.NewTicker(s.sweepInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweep(ctx, time.Now())
		}
	}
}

// sweep deletes the pending subscriptions and restorable unsubscribed
// subscriptions whose time is up.
func (s *Service) sweep(ctx context.Context, now time.Time) {
	type expired struct {
		key  string
		rev  uint64
		sub  *subRecord // an expired pending subscription
		what string
	}
	var found []expired
	s.mu.RLock()
	for id, ss := range s.subs {
		if s.pendingExpired(ss.rec, now) {
			found = append(found, expired{key: subKey(Scope{Account: ss.rec.Account, Region: ss.rec.Region}, id), rev: ss.rev, sub: ss.rec, what: ss.rec.arn()})
		}
	}
	for id, rs := range s.restores {
		if s.tokenExpired(rs.rec.issued(), now) {
			sub := &rs.rec.Sub
			found = append(found, expired{key: restoreKey(Scope{Account: sub.Account, Region: sub.Region}, id), rev: rs.rev, what: sub.arn()})
		}
	}
	s.mu.RUnlock()
	for _, x := range found {
		if ctx.Err() != nil {
			return
		}
		_, err := s.kv.Delete(ctx, x.key, x.rev)
		switch {
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExists):
			// Another node swept it first, or it changed (was confirmed or
			// restored) since this node's copy: not ours to delete.
			continue
		case err != nil:
			s.log.Warn("could not delete an expired subscription record", "subscription", x.what, "err", err)
			continue
		}
		if x.sub == nil {
			s.log.Debug("unsubscribed subscription can no longer be restored", "subscription", x.what)
			continue
		}
		s.log.Info("unconfirmed subscription expired", "subscription", x.what, "endpoint", x.sub.Endpoint)
		err = s.updateTopic(ctx, Scope{Account: x.sub.Account, Region: x.sub.Region}, x.sub.Topic, func(t *topicRecord) error {
			if t.Gen == x.sub.TopicGen {
				t.Deleted++
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrTopicNotFound) && ctx.Err() == nil {
			s.log.Warn("could not count an expired subscription", "subscription", x.what, "err", err)
		}
	}
}
