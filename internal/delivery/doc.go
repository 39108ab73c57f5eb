// Package delivery invokes targets, at least once and durably: one engine
// (Engine) for every kind of delivery, EventBridge's rule targets (Task,
// run by Deliverer) and SNS's subscriptions (package topic supplies its
// jobs), so lanes, retries, attempt counting and dead letters exist once.
//
// A delivery is a Job: it knows how to invoke its target, what its retry
// policy says after a failed attempt, and where its dead letters go. The
// engine decides when it runs. Jobs come from two places: first attempts
// handed over directly (the router's, while it holds the event
// unacknowledged), and jobs filed in the engine's work-queue stream
// (DELIVERIES for EventBridge, SNS_DELIVERIES for topics): retries, and
// first attempts no lane could take. Each target has a lane that bounds
// its concurrent invocations, so one slow or failing target only holds up
// its own deliveries; a lane grows for targets that answer fast (API
// destinations), and runs one job at a time, in order, for SNS FIFO
// subscriptions.
//
// A failed attempt is retried as its policy says (EventBridge: the
// target's RetryPolicy, MaximumRetryAttempts default 185 and
// MaximumEventAgeInSeconds default 86400, exponential backoff with jitter;
// SNS: the subscription's delivery policy). The retry is filed again with
// its attempt count in a header, as a JetStream schedule that the stream
// stores for the consumer when it is due: the count is exact on every
// node, the time survives restarts, and a waiting retry does not take a
// place among the consumer's unacknowledged messages. Exhausted or permanent failures go to
// the dead-letter queue (EventBridge's RULE_ARN, TARGET_ARN, ERROR_CODE,
// ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS attributes;
// SNS's ErrorCode, ErrorMessage, RequestID); a dead letter that cannot be
// sent is filed again and retried, never dropped, for up to 14 days.
// Without a dead-letter queue a failure is counted and logged.
//
// While a job waits in a lane or runs, the engine tells the stream that
// holds it (the router's EVENTS consumer, or the engine's own) that it is
// in progress, so a target slower than the stream's AckWait does not get
// the delivery handed out twice.
package delivery
