#!/usr/bin/env bash
# The README's five-minute walkthrough, with the aws CLI. Expects
# SWITCHYARD_URL (default http://127.0.0.1:4010).
set -euo pipefail
url=${SWITCHYARD_URL:-http://127.0.0.1:4010}
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$url" --output json "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
errf=$(mktemp)
trap 'rm -f "$errf"' EXIT

aws events create-event-bus --name orders >/dev/null
queue_url=$(aws sqs create-queue --queue-name big-orders --query QueueUrl --output text)
aws events put-rule --name big-orders --event-bus-name orders \
  --event-pattern '{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}' >/dev/null
aws events put-targets --rule big-orders --event-bus-name orders \
  --targets 'Id=q,Arn=arn:aws:sqs:us-east-1:000000000000:big-orders' >/dev/null

failed=$(aws events put-events --entries '[
  {"Source":"shop","DetailType":"Order","Detail":"{\"id\":1,\"total\":250}","EventBusName":"orders"},
  {"Source":"shop","DetailType":"Order","Detail":"{\"id\":2,\"total\":20}","EventBusName":"orders"}]' \
  --query FailedEntryCount --output text)
[ "$failed" = 0 ] || fail "put-events failed entries: $failed"

body=$(aws sqs receive-message --queue-url "$queue_url" --wait-time-seconds 10 --query 'Messages[0].Body' --output text)
echo "$body" | python3 -c 'import json,sys; e=json.load(sys.stdin); assert e["detail"]["id"]==1 and e["source"]=="shop", e' \
  || fail "unexpected message: $body"

match=$(aws events test-event-pattern --event-pattern '{"detail":{"total":[{"numeric":[">",100]}]}}' \
  --event '{"id":"1","source":"shop","detail-type":"Order","account":"000000000000","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"total":5}}' \
  --query Result --output text)
[ "$match" = False ] || fail "test-event-pattern: $match"

rules=$(aws events list-rules --event-bus-name orders --query 'Rules[].Name' --output text)
[ "$rules" = big-orders ] || fail "list-rules: $rules"

if aws events describe-rule --name nope 2>"$errf"; then fail "describe-rule of a missing rule succeeded"; fi
grep -q "ResourceNotFoundException" "$errf" || fail "describe-rule error: $(cat "$errf")"
grep -q "Rule nope does not exist on EventBus default." "$errf" || fail "describe-rule message: $(cat "$errf")"
echo "walkthrough: ok"
