// Package queue is Switchyard's built-in SQS-compatible queue service, so
// EventBridge targets and dead-letter queues work with nothing else
// installed and users read them with any SQS client ("aws sqs
// receive-message"). It serves the SQS API over awsJson1.0 (X-Amz-Target
// "AmazonSQS.<Operation>", see JSONService) and offers the rest of the server
// a Go API: Exists, and Send, through which targets and dead-letter queues
// deliver.
//
// # Operations
//
// CreateQueue (idempotent when the given attributes match, QueueNameExists
// otherwise), GetQueueUrl, ListQueues (prefix, MaxResults/NextToken),
// DeleteQueue, GetQueueAttributes, PurgeQueue (once per 60 s per queue and
// node, as SQS allows), SendMessage, ReceiveMessage (1-10 messages, long
// polling that returns as soon as a message is there, visibility timeout
// override, system and message attribute selection), DeleteMessage and
// ChangeMessageVisibility. Validation, error codes (__type and the
// x-amzn-query-error code SDKs report), HTTP statuses and messages follow
// SQS; MD5OfMessageBody, MD5OfMessageAttributes and
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
// (with defaults filled in), tags, creation time and the name of the
// queue's stream. Every node watches the bucket into an in-memory map; a
// write returns once the local map has applied it.
//
// Messages live in one work-queue stream per queue, "SQS_<hash>", the hash
// of account, region, name and creation time (so a queue deleted and created
// again starts empty even if deleting the old stream failed), with
// MaxAge = MessageRetentionPeriod. Subject "sqs.<hash>.m" holds visible
// messages, "sqs.<hash>.d" delayed ones. The body is the message data; the
// message id, sent time, sender, group id, trace header, the message
// attributes (JSON) and the MD5s travel in headers, except that attributes
// over 32 KiB go in front of the body (JetStream refuses headers over
// 64 KiB; SQS allows a MiB).
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
// # Not implemented yet
//
//   - FIFO semantics: FifoQueue, ContentBasedDeduplication,
//     DeduplicationScope and FifoThroughputLimit are validated and stored,
//     MessageGroupId and MessageDeduplicationId are checked and returned as
//     attributes, but a FIFO queue delivers like a standard one (no ordering
//     per group, no deduplication, no SequenceNumber).
//   - Batch operations, SetQueueAttributes, tags operations, permissions,
//     dead-letter redrive (RedrivePolicy and RedriveAllowPolicy are
//     validated and stored only), message move tasks: they answer
//     UnsupportedOperation.
//   - The awsQuery (XML) protocol of older SDKs. The handlers take decoded
//     request structs (wire.go), so a query adapter can reuse them.
//   - Policy and the KMS/SSE attributes are stored, not enforced.
//
// # Approximations
//
//   - ApproximateNumberOfMessagesNotVisible counts messages whose visibility
//     timeout expired but that nobody received again yet (JetStream still
//     holds them as pending).
//   - ApproximateFirstReceiveTimestamp is remembered per node in memory; a
//     message first received before a restart or on another node reports
//     its SentTimestamp.
//   - JetStream stores in-flight times at second resolution, so after a
//     restart an in-flight message may become visible up to a second early.
//   - ChangeMessageVisibility on a message that exists but is not in flight
//     succeeds and does nothing (SQS may answer MessageNotInflight).
//   - The PurgeQueue rate limit is kept per node, in memory.
package queue
