// Package queue is Switchyard's built-in SQS-compatible queue service, so
// EventBridge targets and dead-letter queues work with nothing else
// installed and users read them with any SQS client ("aws sqs
// receive-message"). It serves the SQS API over awsJson1.0 (X-Amz-Target
// "AmazonSQS.<Operation>", see JSONService) and over the awsQuery protocol
// that older SDKs and CLIs still send (form POSTs with Action=..., see
// QueryService; the same handlers behind a model-driven codec), and offers
// the rest of the server a Go API: Exists, and Send (or SendMessage, which
// also reports a FIFO queue's sequence number), through which targets and
// dead-letter queues deliver.
//
// # Operations
//
// Every operation of the SQS model. CreateQueue (idempotent when the given
// attributes match, QueueNameExists otherwise; tags), GetQueueUrl,
// ListQueues (prefix, MaxResults/NextToken), DeleteQueue,
// GetQueueAttributes, SetQueueAttributes (validated as CreateQueue
// validates; an empty Policy, RedrivePolicy, RedriveAllowPolicy or
// KmsMasterKeyId removes it; FifoQueue cannot change; a VisibilityTimeout
// applies to the queue's consumer at once, a shorter MessageRetentionPeriod
// to the stored messages at once), PurgeQueue (once per 60 s per queue and node, as SQS allows),
// SendMessage, SendMessageBatch, ReceiveMessage (1-10 messages, long
// polling that returns as soon as a message is there, visibility timeout
// override, system and message attribute selection, ReceiveRequestAttemptId
// checked), DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility,
// ChangeMessageVisibilityBatch, TagQueue, UntagQueue, ListQueueTags,
// AddPermission and RemovePermission (statements of the queue's Policy
// attribute, Sid = label, as SQS writes them), ListDeadLetterSourceQueues,
// StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask.
// Batches check their entries as SQS does (EmptyBatchRequest,
// TooManyEntriesInBatchRequest, InvalidBatchEntryId,
// BatchEntryIdsNotDistinct, BatchRequestTooLong over 1 MiB) and report
// every entry in Successful or Failed (Code is the awsQuery code,
// SenderFault false only for internal errors). Validation, error codes
// (__type and the x-amzn-query-error code SDKs report), HTTP statuses and
// messages follow SQS; MD5OfMessageBody, MD5OfMessageAttributes and
// MD5OfMessageSystemAttributes are computed as SQS computes them. Queue URLs
// are http://<the request's Host>/<account>/<name>, and any URL whose last
// two path segments are an account and a queue name is accepted, whatever
// its host. Account and region come from the request's signature
// (awsproto.Caller).
//
// # Storage
//
// Queue metadata lives in the JetStream key-value bucket "switchyard-queues",
// one JSON record per queue under "<account>.<region>.<name>": attributes
// (with defaults filled in), tags, creation time, the queue's key, the key
// of its receipt handles and its message move tasks. Every node watches the
// bucket into an in-memory map; a write returns once the local map has
// applied it.
//
// Messages live in four shared work-queue streams, SQS_SHARD_0..3, on
// subjects of their queue (layout.go). A queue's key (32 hex digits, a hash
// of account, region, name and creation time, so a queue deleted and
// created again starts empty) picks its shard and names its subjects
// sqs.<shard>.<key>.*. Why shared: in nats-server each stream holds a file
// descriptor and three goroutines and each consumer four goroutines, for
// their whole life; with a stream and consumers per queue, 1,000 idle
// queues held 1,030 descriptors, 3,045 goroutines and 89 MiB of heap
// (measured, TestThousandQueuesCostMemoryOnly, on the previous layout). On
// shared streams an idle queue is only its record, some subjects and a
// small runtime: 1,000 queues, one in five with a message, take 3.8 MiB of
// heap and no descriptor or goroutine of their own; a receive creates the
// queue's consumer, which the server removes once the queue is idle. Four
// streams rather than one spread the writes (each stream has its own lock,
// and in a cluster its own RAFT group and leader); every consumer of a
// stream is asked about each acknowledgement (JetStream's interest check),
// so more queues in use per stream cost a little more per message: about
// 5% of the CPU with 1,000 queues in use (BenchmarkThousandQueues
// profile). Measured with bench/sqs against the previous layout (five
// runs each, both servers in one session, on a loaded 2-core machine), the
// server's CPU per message was the same within 6% (single messages, 16
// clients: 342 against 362 µs; batches of ten, 64 clients: 96 against 99;
// 1,000 queues: 869 against 855); the FIFO round-trip benchmark
// (BenchmarkSendReceiveDelete/fifo, clients included) takes about 30% less
// CPU: a message is written once instead of copied from backlog to head.
//
// Each message carries its queue's MessageRetentionPeriod as its own TTL
// (Nats-TTL) from when it was stored. A shorter MessageRetentionPeriod
// removes the stored messages older than it at once; a longer one applies
// to the messages sent from then on. Deleting a queue purges its subjects
// and deletes its consumer; PurgeQueue purges its subjects.
//
// The body is the message data; the message id, sent time, sender, group
// id, trace header, the message attributes (JSON) and the MD5s travel in
// headers, except that attributes over 32 KiB go in front of the body
// (JetStream refuses headers over 64 KiB; SQS allows a MiB).
//
// A standard queue's visible messages are on .m. Its receive consumer
// (durable, r_<key>, AckWait = the queue's VisibilityTimeout) serves
// ReceiveMessage (Fetch). It is created by the first receive after the
// queue was idle, and the server deletes it (InactiveThreshold, five
// minutes) once no receive has waited on it or been served for that long
// and every message it handed out has been deleted or passed its
// visibility timeout by that long: the server never removes a consumer
// with a message in flight or a receive waiting, whichever node asked. A
// node whose consumer handle the server removed creates it again on its
// next receive. In-flight messages are the consumer's pending
// acknowledgements: one not deleted in time is delivered again, also
// after a restart, and ApproximateReceiveCount is the delivery count. The
// receipt handle names the delivery's acknowledgement subject and carries a
// MAC under the queue's handle key, so only the queue that issued it
// accepts it (on a shared work-queue stream an acknowledgement of another
// queue's sequence would delete that queue's message): DeleteMessage
// acknowledges it, ChangeMessageVisibility(t) and a VisibilityTimeout on
// ReceiveMessage negatively acknowledge it with delay t (the server keeps
// the message pending and hands it out again after t). Once the consumer
// is gone nothing is in flight; DeleteMessage then deletes the message by
// sequence.
//
// DelaySeconds (queue or message) on a standard queue makes the message a
// JetStream schedule on its own subject (.d.<message id>): when it is due,
// the stream's leader stores a copy on .m and removes the schedule, so a
// delayed message is never handed out early, its receive count starts at
// 1, and nothing of the queue runs while it waits (delay.go).
//
// Queues created by the previous release, which had a stream of their own,
// are moved to the shared streams when a node starts (migrate.go), with
// their messages, ids, SequenceNumbers, group order, deduplication ids,
// retention and (where the old consumer can tell) receive counts.
//
// # Dead-letter queues
//
// With a RedrivePolicy, a delivery whose count exceeds maxReceiveCount is not
// returned: the receive that would hand it out the (maxReceiveCount+1)th
// time copies it to the deadLetterTargetArn queue instead (same message id,
// body, attributes, SentTimestamp, plus DeadLetterQueueSourceArn; the copy
// carries a Nats-Msg-Id so a retry after a crash does not duplicate it),
// acknowledges it in the source, and fetches again so the caller still gets
// messages. If the dead-letter queue no longer exists the message is
// returned normally. A RedrivePolicy is refused when the target's
// RedriveAllowPolicy is denyAll, or byQueue without the source's ARN.
//
// Message move tasks are stored in the dead-letter queue's record (the last
// ten): StartMessageMoveTask records ApproximateNumberOfMessagesToMove (the
// visible messages then), and the node that started it moves messages one
// at a time from the dead-letter queue's receive consumer to DestinationArn
// or, without one, to the DeadLetterQueueSourceArn each message carries,
// paced to MaxNumberOfMessagesPerSecond (500 when not given), until it has
// moved that many or none is visible: COMPLETED. CancelMessageMoveTask marks
// it CANCELLED (the runner stops before its next message); a destination
// that disappears makes it FAILED with FailureReason
// AWS.SimpleQueueService.NonExistentQueue, as AWS reports. Progress is
// saved about once a second and on shutdown; a node that starts resumes
// the RUNNING tasks it finds (after a crash, a resumed task waits up to the
// visibility timeout for the message it had in hand to come back).
//
// # FIFO queues
//
// Design: a group's messages in one subject, read from the stream in
// sequence order, and a token per group that grants the group's turn
// (fifo.go, fifo_receive.go).
//
//   - Subjects: ".g.<group>" holds a group's messages in the order the
//     stream stored them (<group> is a hash of the MessageGroupId);
//     ".t.<group>" the group's token, at most one: it is published with
//     Nats-Expected-Last-Subject-Sequence: 0, so JetStream refuses a second
//     atomically, whichever node tries. The receive consumer reads tokens
//     (and kicks, below).
//   - Send: the message is published to its group's subject with
//     Nats-Msg-Id = the deduplication id (scoped by group with
//     DeduplicationScope=messageGroup; the body's SHA-256 with
//     ContentBasedDeduplication), in a stream whose duplicate window is five
//     minutes: JetStream drops a duplicate and acknowledges it with the
//     original's sequence. SequenceNumber (20 digits) and MessageId derive
//     from that sequence, so they increase in send order, whichever node
//     took the send, and a duplicate gets the original's. Then the group's
//     token is published unless it has one.
//   - Receive: a token's receive reads the group's first messages from the
//     stream (JetStream's message get with next_by_subj), as many as the
//     receive may return, in sequence order: the stream's order is the
//     sequence order, so a message can never be handed out before an
//     earlier one of its group, even if that one's send has not returned
//     yet. The first token of a receive may fill it; then one token per
//     place left is fetched, each group getting a place at least, so no
//     token is taken only to be put back.
//   - The token stays in flight with the messages: no other receive gets
//     the group until every message handed out is deleted (the token is
//     retired and the next published: the group's next messages, and any
//     the receive could not take, get their turn) or the visibility timeout
//     passes (the token is handed out again and the group's first messages
//     are read again: the same ones, in the same order, and perhaps more).
//     ChangeMessageVisibility of any of them, and a VisibilityTimeout on
//     ReceiveMessage, apply to the token.
//   - Receive counts: before a receive hands messages out it records in the
//     token's lease (".l.<group>") how far it went; a message's
//     ApproximateReceiveCount is one more than the earlier receives of its
//     token that went as far, so it counts exactly the receives that
//     returned it. With a RedrivePolicy, the group's first messages whose
//     count would pass maxReceiveCount go to the dead-letter queue (counts
//     never grow along a group) and the receive goes on with the rest.
//   - Deduplication across restarts: JetStream rebuilds its duplicate table
//     only from messages still stored, so when a message that carried a
//     deduplication id is deleted within its five minutes, a small marker
//     with the id is stored on ".x" (with the rest of the five minutes as
//     TTL); each node reads the markers when it first uses the queue.
//   - Queue DelaySeconds works on FIFO queues: a delayed message is stored
//     in its group at once (keeping its place and SequenceNumber) with its
//     visible-at time; while a group's first message is not due its token
//     is not published, and a kick (a schedule on ".s.<group>" that the
//     server publishes to ".k" when it is due) makes the receive that reads
//     it publish the token. Per-message DelaySeconds is refused, as SQS
//     does. DeduplicationScope and FifoThroughputLimit are validated and
//     stored (throughput is not limited). ReceiveRequestAttemptId is
//     checked and otherwise ignored.
//
// Guarantees across restarts and kill -9, on one node or several on one
// NATS cluster: messages, tokens in flight (with their visibility), leases
// (receive counts) and the deduplication window are all in the stream, so
// they survive; a group's messages are received in SequenceNumber order,
// and no message of a group is handed out while another of the group is in
// flight. A crash between storing a message and publishing its group's
// token, or between retiring a token and publishing the next, leaves a
// group without a token: a node repairs that when it first uses the queue
// after its start, and so does the group's next send.
//
// # Approximations
//
//   - ApproximateNumberOfMessagesNotVisible counts messages whose visibility
//     timeout expired but that nobody received again yet (JetStream still
//     holds them as pending). On FIFO queues it counts the groups in flight
//     (one per token in flight), and ApproximateNumberOfMessages every other
//     stored message; a FIFO queue's delayed messages count as visible
//     (ApproximateNumberOfMessagesDelayed is 0).
//   - ApproximateFirstReceiveTimestamp is remembered per node in memory; a
//     message first received before a restart or on another node reports
//     its SentTimestamp.
//   - JetStream stores in-flight times at second resolution, so after a
//     restart an in-flight message may become visible up to a second early.
//   - ChangeMessageVisibility on a message that exists but is not in flight
//     succeeds and does nothing (SQS may answer MessageNotInflight). On a
//     FIFO queue it changes the visibility of every message handed out with
//     that one (they share the group's token).
//   - The receive consumer outlives the queue's last activity by five
//     minutes. A message whose visibility timeout expired and that nobody
//     received for those five minutes starts its receive count afresh once
//     the consumer is removed (a standard queue's count is the consumer's).
//   - A longer MessageRetentionPeriod applies to messages sent after the
//     change (each message carries the retention it was sent with).
//   - The PurgeQueue rate limit is kept per node, in memory.
//   - A message moved to a dead-letter queue starts a new receive count
//     there and a new retention period (SQS keeps the original enqueue time
//     for expiry).
//   - Move tasks are resumed by every node that starts; with several nodes
//     a resumed task's rate applies per node.
//   - Policy and the KMS/SSE attributes are stored, not enforced.
//   - A queue moved from the previous release's layout: messages that were
//     in flight become visible at once and count as received once (the old
//     consumer does not tell how often; their old receipt handles are no
//     longer valid). Upgrade every node of a cluster together.
//   - After a kill -9 the embedded server scans the shard streams once at
//     start to rebuild their TTL and schedule state.
package queue
