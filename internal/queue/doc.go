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
// KmsMasterKeyId removes it; FifoQueue cannot change; VisibilityTimeout
// and MessageRetentionPeriod are applied to the consumer and the stream at
// once), PurgeQueue (once per 60 s per queue and node, as SQS allows),
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
// (with defaults filled in), tags, creation time, the name of the queue's
// stream and its message move tasks. Every node watches the bucket into an
// in-memory map; a write returns once the local map has applied it.
//
// Messages live in one work-queue stream per queue, "SQS_<hash>", the hash
// of account, region, name and creation time (so a queue deleted and created
// again starts empty even if deleting the old stream failed), with
// MaxAge = MessageRetentionPeriod. Subject "sqs.<hash>.m" holds visible
// messages, "sqs.<hash>.d" delayed ones (FIFO queues have more, below). The
// body is the message data; the message id, sent time, sender, group id,
// trace header, the message attributes (JSON) and the MD5s travel in
// headers, except that attributes over 32 KiB go in front of the body
// (JetStream refuses headers over 64 KiB; SQS allows a MiB).
//
// A durable pull consumer "receive" per queue, with AckWait = the queue's
// VisibilityTimeout, serves ReceiveMessage (Fetch). In-flight messages are
// the consumer's pending acknowledgements: one not deleted in time is
// delivered again, also after a restart, and ApproximateReceiveCount is the
// delivery count. The receipt handle is the base64 of the delivery's
// acknowledgement subject, checked to belong to the queue before use:
// DeleteMessage acknowledges it, ChangeMessageVisibility(t) and a
// VisibilityTimeout on ReceiveMessage negatively acknowledge it with delay t
// (the server keeps the message pending and hands it out again after t).
//
// DelaySeconds (queue or message) is honoured without touching the receive
// count: a delayed message goes to the delayed subject, and a mover (durable
// consumer "delay", started on every node once a queue has had a delayed
// message) republishes it to the visible subject when it is due.
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
// Design: per-group subjects in the queue's stream, with the head of each
// group gated by a conditional publish, and a per-node index of the
// backlog (fifo.go).
//
//   - Subjects: "sqs.<hash>.m.<group>" holds a group's head (at most one
//     message), "sqs.<hash>.f.<group>" the rest of the group in send order
//     (<group> is a hash of the MessageGroupId). The receive consumer reads
//     the heads only (filter sqs.<hash>.m.*), so a group never has more
//     than one message visible or in flight, and redelivery after a
//     visibility timeout hands out the same head again.
//   - Send: the message is published to its group's backlog subject with
//     Nats-Msg-Id = the deduplication id (scoped by group with
//     DeduplicationScope=messageGroup; the body's SHA-256 with
//     ContentBasedDeduplication), in a stream whose duplicate window is five
//     minutes: JetStream drops a duplicate and acknowledges it with the
//     original's sequence. MessageId and SequenceNumber (20 digits) derive
//     from that stream sequence, so they increase in send order and a
//     duplicate gets the original's. Then the group is promoted.
//   - Promote: the oldest backlog message of the group is copied to the head
//     subject with Nats-Expected-Last-Subject-Sequence: 0, so JetStream
//     refuses it atomically while the group has a head, whichever node
//     tries; then the backlog copy is deleted. Deleting a head (or moving
//     it to the dead-letter queue or by a move task) promotes the next.
//   - Index: each node keeps the backlog's sequences per group in memory,
//     rebuilt at start by a temporary consumer over the backlog subjects,
//     after which every group without a head is promoted.
//   - Deduplication across restarts: JetStream rebuilds its duplicate table
//     only from messages still stored, so when a message that carried a
//     deduplication id leaves the backlog (promotion, or the delayed
//     subject) within its five minutes, a small marker with the id is
//     stored on "sqs.<hash>.x"; markers are read back at start and deleted
//     once their interval has passed.
//   - Queue DelaySeconds works on FIFO queues (the mover enqueues due
//     messages in their groups); per-message DelaySeconds is refused, as SQS
//     does. DeduplicationScope and FifoThroughputLimit are validated and
//     stored (throughput is not limited). ReceiveRequestAttemptId is
//     checked and otherwise ignored.
//
// Guarantees across restarts and kill -9: messages, heads in flight (with
// their visibility and receive counts), the group order and the
// deduplication window are all in the stream, so they survive. A crash
// between storing a message and promoting it is repaired at start; a crash
// between publishing a head and deleting its backlog copy is repaired when
// that head is deleted. Within one node, a group's messages are received in
// send order, never two at a time. With several Switchyard nodes on one
// NATS cluster, at most one message per group is ever in flight (the head
// is a conditional publish), but each node's backlog index knows only the
// messages sent through it or found at its start, so a group whose messages
// are sent through several nodes can be promoted out of order, or wait for
// a send or delete on the node that knows the rest; the store could remove
// that limit with a "first message of a subject" read.
//
// # Approximations
//
//   - ApproximateNumberOfMessagesNotVisible counts messages whose visibility
//     timeout expired but that nobody received again yet (JetStream still
//     holds them as pending); on FIFO queues ApproximateNumberOfMessages
//     is every stored message not in flight, delayed or a marker.
//   - ApproximateFirstReceiveTimestamp is remembered per node in memory; a
//     message first received before a restart or on another node reports
//     its SentTimestamp.
//   - JetStream stores in-flight times at second resolution, so after a
//     restart an in-flight message may become visible up to a second early.
//   - ChangeMessageVisibility on a message that exists but is not in flight
//     succeeds and does nothing (SQS may answer MessageNotInflight).
//   - The PurgeQueue rate limit is kept per node, in memory.
//   - A message moved to a dead-letter queue starts a new receive count
//     there and a new retention period (SQS keeps the original enqueue time
//     for expiry).
//   - A FIFO ReceiveMessage returns at most one message per group (SQS may
//     return several of one group in order).
//   - Move tasks are resumed by every node that starts; with several nodes
//     a resumed task's rate applies per node.
//   - Policy and the KMS/SSE attributes are stored, not enforced.
package queue
