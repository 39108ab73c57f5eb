package topic

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/queue"
	"github.com/switchyard/switchyard/internal/store"
)

// Bucket is the key-value bucket holding topics, subscriptions and the
// signing key.
const Bucket = "switchyard-topics"

// Scope is an account and region: every topic lives in one.
type Scope = arn.Scope

// Attribute is a message attribute. DataType is String, Number, Binary or
// String.Array, optionally followed by "." and a custom label.
type Attribute struct {
	DataType    string `json:"t"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

// PublishInput is a message published through the Go API.
type PublishInput struct {
	Message    string
	Subject    string
	Attributes map[string]Attribute
	// GroupID and DeduplicationID are MessageGroupId and
	// MessageDeduplicationId (FIFO topics).
	GroupID, DeduplicationID string
}

// LambdaInvoker invokes a Lambda function with an SNS event (the
// {"Records":[{"EventSource":"aws:sns",...}]} document). An error wrapping
// ErrPermanent is not retried.
type LambdaInvoker func(ctx context.Context, functionArn string, event []byte) error

// ErrPermanent marks a delivery failure that a retry cannot cure.
var ErrPermanent = errors.New("permanent delivery failure")

// ErrTopicNotFound is returned by the Go API (Publish) when the topic does
// not exist.
var ErrTopicNotFound = errors.New("topic: topic does not exist")

// Options configures the service.
type Options struct {
	// BaseURL is how endpoints reach this server (SubscribeURL,
	// UnsubscribeURL, SigningCertURL), e.g. http://127.0.0.1:4010. Empty:
	// the Host of the request that published or subscribed, and
	// DefaultBaseURL for the Go API.
	BaseURL string
	// HTTPClient sends http/https deliveries (default: a client with a 15 s
	// timeout, as SNS waits 15 s).
	HTTPClient *http.Client
	// Lambda delivers lambda subscriptions; nil fails them (into the
	// subscription's dead-letter queue) with a clear error.
	Lambda LambdaInvoker
	// LaneConcurrency bounds concurrent deliveries to one subscription
	// (default 16; FIFO subscriptions always deliver one at a time).
	LaneConcurrency int
	// DelayScale multiplies retry delays (tests use it to shorten SNS's
	// 20 s); 0 means 1.
	DelayScale float64
	// PendingExpiry is how long an http/https subscription may stay
	// unconfirmed before it is deleted (default DefaultPendingExpiry, SNS's
	// 48 hours).
	PendingExpiry time.Duration
	// TokenExpiry is how long a confirmation token is valid: the one a
	// SubscriptionConfirmation carries, and the one in an
	// UnsubscribeConfirmation that restores the subscription (default
	// DefaultTokenExpiry, SNS's two days).
	TokenExpiry time.Duration
}

// SNS deletes a subscription left unconfirmed for 48 hours, and its
// confirmation tokens are valid for two days.
const (
	DefaultPendingExpiry = 48 * time.Hour
	DefaultTokenExpiry   = 48 * time.Hour
)

// DefaultBaseURL is the base URL when neither Options.BaseURL nor a request
// tells one.
const DefaultBaseURL = "http://127.0.0.1:4010"

// URLPrefix is the path under which Handler serves the signing
// certificate, subscription confirmations and unsubscribe links.
const URLPrefix = "/_switchyard/sns/"

// topicRecord is a topic's stored state.
type topicRecord struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`
	// Gen tells incarnations of a name apart (deleted and created again).
	Gen     string `json:"gen"`
	Created int64  `json:"created"`
	// Attributes holds the attributes set by CreateTopic and
	// SetTopicAttributes (not the computed ones).
	Attributes           map[string]string `json:"attributes,omitempty"`
	Tags                 map[string]string `json:"tags,omitempty"`
	DataProtectionPolicy string            `json:"dataProtectionPolicy,omitempty"`
	Deleted              int               `json:"deleted,omitempty"` // SubscriptionsDeleted
}

func (t *topicRecord) scope() Scope { return Scope{Account: t.Account, Region: t.Region} }
func (t *topicRecord) arn() string  { return topicARN(t.scope(), t.Name) }
func (t *topicRecord) fifo() bool   { return t.Attributes["FifoTopic"] == "true" }

// subRecord is a subscription's stored state.
type subRecord struct {
	ID       string            `json:"id"`
	Account  string            `json:"account"`
	Region   string            `json:"region"`
	Topic    string            `json:"topic"`
	TopicGen string            `json:"topicGen"`
	Protocol string            `json:"protocol"`
	Endpoint string            `json:"endpoint"`
	Owner    string            `json:"owner"`
	Attrs    map[string]string `json:"attributes,omitempty"`
	Pending  bool              `json:"pending,omitempty"`
	Token    string            `json:"token,omitempty"`
	// TokenIssued is when Token was issued (Unix milliseconds); records
	// stored without it count from Created.
	TokenIssued int64 `json:"tokenIssued,omitempty"`
	// Authenticated is ConfirmationWasAuthenticated.
	Authenticated bool `json:"authenticated,omitempty"`
	// AuthUnsub is AuthenticateOnUnsubscribe: the UnsubscribeURL does
	// not work, only a signed Unsubscribe.
	AuthUnsub bool  `json:"authUnsub,omitempty"`
	Created   int64 `json:"created"`
}

func (s *subRecord) topicArn() string {
	return topicARN(Scope{Account: s.Account, Region: s.Region}, s.Topic)
}
func (s *subRecord) arn() string { return s.topicArn() + ":" + s.ID }

// tokenIssued returns when the subscription's token was issued.
func (s *subRecord) tokenIssued() time.Time {
	if s.TokenIssued > 0 {
		return time.UnixMilli(s.TokenIssued)
	}
	return time.Unix(s.Created, 0)
}

// restoreRecord is an http/https subscription ended by Unsubscribe that its
// UnsubscribeConfirmation's token can still restore: the subscription as
// it was, the token and when it was issued (Unix milliseconds).
type restoreRecord struct {
	Sub    subRecord `json:"sub"`
	Token  string    `json:"token"`
	Issued int64     `json:"issued"`
}

type restoreState struct {
	rec *restoreRecord
	rev uint64
}

type topicID struct {
	Scope
	name string
}

func topicKey(sc Scope, name string) string { return "t." + sc.Account + "." + sc.Region + "." + name }
func subKey(sc Scope, id string) string     { return "s." + sc.Account + "." + sc.Region + "." + id }
func restoreKey(sc Scope, id string) string { return "u." + sc.Account + "." + sc.Region + "." + id }

const signingKey = "signing"

func topicARN(sc Scope, name string) string {
	return sc.In("sns", name).String()
}

type topicState struct {
	rec  *topicRecord
	rev  uint64
	subs map[string]*subState // by id
}

type subState struct {
	rec    *subRecord
	rev    uint64
	filter *FilterPolicy
}

// Service is the topic service.
type Service struct {
	st     *store.Store
	kv     *store.KV
	queues *queue.Service
	log    *slog.Logger
	opt    Options
	client *http.Client

	ctx       context.Context
	cancel    context.CancelFunc
	stopAfter func() bool

	mu      sync.RWMutex
	topics  map[topicID]*topicState
	subs    map[string]*subState // by id
	tokens  map[string]string    // confirmation token -> sub id
	orphans map[string]*subState // subscriptions seen before their topic
	// restores holds unsubscribed subscriptions that can be restored, by
	// subscription id; restoreTokens maps their tokens to the id.
	restores      map[string]*restoreState
	restoreTokens map[string]string
	mirror        *store.Mirror

	signer *signer
	seq    atomic.Uint64 // FIFO sequence numbers
	dl     *delivery.Engine
	stats  Stats

	sweepDone chan struct{} // closed when the expiry sweep has stopped
}

// Open loads topics and subscriptions from the store, keeps them current,
// and starts the delivery workers, until ctx ends or Close is called.
func Open(ctx context.Context, st *store.Store, queues *queue.Service, log *slog.Logger, opt Options) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.LaneConcurrency <= 0 {
		opt.LaneConcurrency = 16
	}
	if opt.DelayScale <= 0 {
		opt.DelayScale = 1
	}
	if opt.PendingExpiry <= 0 {
		opt.PendingExpiry = DefaultPendingExpiry
	}
	if opt.TokenExpiry <= 0 {
		opt.TokenExpiry = DefaultTokenExpiry
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	kv, err := st.KV(ctx, Bucket)
	if err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Service{
		st: st, kv: kv, queues: queues, log: log.With("component", "topic"), opt: opt,
		ctx: bg, cancel: cancel,
		topics: map[topicID]*topicState{}, subs: map[string]*subState{},
		tokens: map[string]string{}, orphans: map[string]*subState{},
		restores: map[string]*restoreState{}, restoreTokens: map[string]string{},
	}
	s.client = opt.HTTPClient
	if s.client == nil {
		s.client = &http.Client{Timeout: 15 * time.Second}
	}
	s.stopAfter = context.AfterFunc(ctx, cancel)
	if s.signer, err = loadSigner(ctx, kv); err != nil {
		s.Close()
		return nil, err
	}
	s.mirror, err = kv.Mirror(bg, s.apply)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.dl = newEngine(s)
	if err := s.dl.Setup(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.dl.Start(bg); err != nil {
		s.Close()
		return nil, err
	}
	s.sweepDone = make(chan struct{})
	go s.sweepLoop(bg)
	return s, nil
}

// Close stops the watch and the delivery workers (waiting for deliveries
// under way). It does not close the store or the queue service.
func (s *Service) Close() error {
	if s.mirror != nil {
		s.mirror.Close()
	}
	if s.dl != nil {
		s.dl.Stop()
	}
	s.stopAfter()
	s.cancel()
	if s.sweepDone != nil {
		<-s.sweepDone
	}
	return nil
}

// apply is the watch callback.
func (s *Service) apply(e store.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind, rest, _ := strings.Cut(e.Key, ".")
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) != 3 {
		return
	}
	sc := Scope{Account: parts[0], Region: parts[1]}
	switch kind {
	case "t":
		id := topicID{sc, parts[2]}
		if e.Deleted {
			delete(s.topics, id)
			return
		}
		var rec topicRecord
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			s.log.Error("bad topic record", "key", e.Key, "err", err)
			return
		}
		ts := s.topics[id]
		if ts == nil || ts.rec.Gen != rec.Gen {
			ts = &topicState{subs: map[string]*subState{}}
			s.topics[id] = ts
			for sid, ss := range s.orphans {
				if ss.rec.Account == sc.Account && ss.rec.Region == sc.Region && ss.rec.Topic == rec.Name && ss.rec.TopicGen == rec.Gen {
					ts.subs[sid] = ss
					delete(s.orphans, sid)
				}
			}
		}
		ts.rec, ts.rev = &rec, e.Revision
	case "u":
		sid := parts[2]
		if old := s.restores[sid]; old != nil {
			delete(s.restoreTokens, old.rec.Token)
			delete(s.restores, sid)
		}
		if e.Deleted {
			return
		}
		var rec restoreRecord
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			s.log.Error("bad unsubscribed-subscription record", "key", e.Key, "err", err)
			return
		}
		s.restores[sid] = &restoreState{rec: &rec, rev: e.Revision}
		s.restoreTokens[rec.Token] = sid
	case "s":
		sid := parts[2]
		if old := s.subs[sid]; old != nil {
			if old.rec.Token != "" {
				delete(s.tokens, old.rec.Token)
			}
			if ts := s.topics[topicID{sc, old.rec.Topic}]; ts != nil {
				delete(ts.subs, sid)
			}
			delete(s.orphans, sid)
			delete(s.subs, sid)
		}
		if e.Deleted {
			return
		}
		var rec subRecord
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			s.log.Error("bad subscription record", "key", e.Key, "err", err)
			return
		}
		ss := &subState{rec: &rec, rev: e.Revision}
		if fp := rec.Attrs["FilterPolicy"]; fp != "" {
			f, err := ParseFilterPolicy(fp, filterScope(rec.Attrs))
			if err != nil {
				s.log.Error("stored filter policy does not parse; the subscription receives nothing", "subscription", rec.arn(), "err", err)
				f = &FilterPolicy{scope: "invalid"}
			}
			ss.filter = f
		}
		s.subs[sid] = ss
		if rec.Token != "" {
			s.tokens[rec.Token] = sid
		}
		if ts := s.topics[topicID{sc, rec.Topic}]; ts != nil && ts.rec.Gen == rec.TopicGen {
			ts.subs[sid] = ss
		} else {
			s.orphans[sid] = ss
		}
	}
}

func filterScope(attrs map[string]string) string {
	if attrs["FilterPolicyScope"] == ScopeBody {
		return ScopeBody
	}
	return ScopeAttributes
}

// topicView is a consistent copy of a topic and its subscriptions.
type topicView struct {
	rec  *topicRecord
	rev  uint64
	subs []*subState
}

func (s *Service) lookupTopic(sc Scope, name string) *topicView {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts := s.topics[topicID{sc, name}]
	if ts == nil {
		return nil
	}
	v := &topicView{rec: ts.rec, rev: ts.rev, subs: make([]*subState, 0, len(ts.subs))}
	for _, ss := range ts.subs {
		v.subs = append(v.subs, ss)
	}
	sort.Slice(v.subs, func(i, j int) bool { return v.subs[i].rec.ID < v.subs[j].rec.ID })
	return v
}

func (s *Service) lookupSub(sc Scope, id string) *subState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ss := s.subs[id]
	if ss == nil || ss.rec.Account != sc.Account || ss.rec.Region != sc.Region {
		return nil
	}
	return ss
}

// Exists reports whether a topic exists.
func (s *Service) Exists(sc Scope, name string) bool { return s.lookupTopic(sc, name) != nil }

// updateTopic applies fn to a copy of a topic's record and stores it with
// compare-and-set, retrying on conflicts.
func (s *Service) updateTopic(ctx context.Context, sc Scope, name string, fn func(*topicRecord) error) error {
	return s.mirror.Write(ctx, "topic "+name, func() (uint64, error) {
		v := s.lookupTopic(sc, name)
		if v == nil {
			return 0, ErrTopicNotFound
		}
		rec := *v.rec
		rec.Attributes = maps.Clone(v.rec.Attributes)
		rec.Tags = maps.Clone(v.rec.Tags)
		if err := fn(&rec); err != nil {
			return 0, err
		}
		data, _ := json.Marshal(&rec)
		return store.GoneIsConflict(s.kv.Update(ctx, topicKey(sc, name), data, v.rev))
	})
}

var errSubGone = errors.New("subscription gone")

// updateSub is updateTopic for a subscription.
func (s *Service) updateSub(ctx context.Context, sc Scope, id string, fn func(*subRecord) error) error {
	return s.mirror.Write(ctx, "subscription "+id, func() (uint64, error) {
		ss := s.lookupSub(sc, id)
		if ss == nil {
			return 0, errSubGone
		}
		rec := *ss.rec
		rec.Attrs = maps.Clone(ss.rec.Attrs)
		if err := fn(&rec); err != nil {
			return 0, err
		}
		data, _ := json.Marshal(&rec)
		return store.GoneIsConflict(s.kv.Update(ctx, subKey(sc, id), data, ss.rev))
	})
}
