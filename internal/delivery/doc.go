// Package delivery invokes targets, at least once and durably. The router
// hands each (event, rule, target) over directly for a first attempt while
// it still holds the event unacknowledged, or files it as a task in the
// DELIVERIES work queue; workers here invoke the target and acknowledge
// the task (or let the router acknowledge the event) on success. A
// failure that a retry may cure is redelivered later with exponential
// backoff and jitter (JetStream's per-message delayed redelivery, so a
// pending retry survives restarts) until the target's RetryPolicy is spent
// (MaximumRetryAttempts, default 185; MaximumEventAgeInSeconds, default
// 86400). Exhausted or permanent failures go to the target's
// DeadLetterConfig queue with EventBridge's message attributes (RULE_ARN,
// TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION,
// RETRY_ATTEMPTS); without a dead-letter queue they are counted and logged.
//
// Each target has its own concurrency limit, so one slow or failing target
// cannot occupy every worker.
package delivery
