package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Storage layout (doc.go has the overview and the measurements behind it).
//
// Every queue lives in one of shardCount shared work-queue streams,
// SQS_SHARD_<i>, whose subjects are sqs.<i>.>. A queue incarnation has a
// key (32 hex digits, a hash of account, region, name and creation time,
// so a queue deleted and created again starts empty) that picks the shard
// and prefixes the queue's subjects, sqs.<i>.<key>:
//
//	.m          visible messages of a standard queue
//	.d.<id>     delayed messages of a standard queue: schedules that the
//	            server publishes to .m when they are due
//	.g.<group>  a FIFO group's messages, in send order (fifo.go)
//	.t.<group>  a FIFO group's token: at most one, the group's turn
//	.l.<group>  the lease of a token in flight: what its first receive
//	            handed out
//	.s.<group>  a FIFO group's pending kick: a schedule publishing to .k
//	            when the group's first delayed message is due
//	.k          kicks, read by the receive consumer
//	.x          FIFO deduplication markers
//
// The queue's receive consumer, r_<key>, reads .m (standard) or .t.* and
// .k (FIFO). It is created by the first receive and removed by the server
// once the queue is idle (InactiveThreshold), so an idle queue has subjects
// only: no consumer, goroutine or file of its own.

const (
	shardCount        = 4
	shardStreamPrefix = "SQS_SHARD_"
	// maxShardConsumers is a shard's consumer limit: JetStream allows
	// 1,000 per stream unless the stream sets one, and a shard has a
	// receive consumer per queue in use.
	maxShardConsumers = 1 << 20
	// maxRetention is SQS's longest MessageRetentionPeriod; FIFO tokens
	// and kicks live that long at most.
	maxRetention = 1_209_600 * time.Second
	// defaultConsumerIdle is how long a queue's receive consumer outlives
	// the queue's last activity: the last receive, and every message it
	// handed out having been deleted or passed its visibility timeout.
	defaultConsumerIdle = 5 * time.Minute
)

func shardStream(i int) string { return shardStreamPrefix + strconv.Itoa(i) }

func shardConfig(i int) store.StreamConfig {
	return store.StreamConfig{
		Name:      shardStream(i),
		Subjects:  []string{"sqs." + strconv.Itoa(i) + ".>"},
		WorkQueue: true,
		// Messages carry their queue's retention as their own TTL.
		// The duplicate window is SQS's FIFO deduplication interval
		// (also used by the dead-letter copies and move tasks).
		Duplicates:   fifoDedupWindow,
		MaxConsumers: maxShardConsumers,
	}
}

var shardFeatures = store.StreamFeatures{MsgTTL: true, Schedules: true, DirectReads: true}

// queueKey derives a queue incarnation's key from its identity and creation
// time (nanoseconds). Older releases named the queue's own stream "SQS_" +
// the same hash, so a migrated queue keeps its key.
func queueKey(id queueID, created int64) string {
	h := sha256.Sum256([]byte(id.Account + "/" + id.Region + "/" + id.name + "/" + strconv.FormatInt(created, 10)))
	return hex.EncodeToString(h[:16])
}

// shardOf picks a key's shard.
func shardOf(key string) int {
	n, _ := strconv.ParseUint(key[:2], 16, 8)
	return int(n) % shardCount
}

// layout is a queue incarnation's place in its shard.
type layout struct {
	key      string
	stream   string
	prefix   string // sqs.<shard>.<key>
	consumer string // the receive consumer
}

func newLayout(key string) layout {
	i := shardOf(key)
	return layout{key: key, stream: shardStream(i), prefix: "sqs." + strconv.Itoa(i) + "." + key, consumer: "r_" + key}
}

func (l layout) ready() string                 { return l.prefix + ".m" }
func (l layout) delayed(id string) string      { return l.prefix + ".d." + id }
func (l layout) delayedAll() string            { return l.prefix + ".d.*" }
func (l layout) group(gh string) string        { return l.prefix + ".g." + gh }
func (l layout) groups() string                { return l.prefix + ".g.*" }
func (l layout) token(gh string) string        { return l.prefix + ".t." + gh }
func (l layout) tokens() string                { return l.prefix + ".t.*" }
func (l layout) lease(gh string) string        { return l.prefix + ".l." + gh }
func (l layout) kickSchedule(gh string) string { return l.prefix + ".s." + gh }
func (l layout) kicks() string                 { return l.prefix + ".k" }
func (l layout) markers() string               { return l.prefix + ".x" }
func (l layout) all() string                   { return l.prefix + ".>" }

// retention is a queue's MessageRetentionPeriod.
func retention(rec *record) time.Duration {
	return time.Duration(attrInt(rec.Attributes, attrMessageRetentionPeriod)) * time.Second
}
