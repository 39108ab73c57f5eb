#!/usr/bin/env bash
# Runs the client acceptance scripts against a freshly built server.
# Usage: test/acceptance/run.sh   (from anywhere; needs go, python3 with
# boto3, and the aws CLI on PATH)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$root" && go build -o "$work/switchyard" ./cmd/switchyard)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export LAMBDA_RECORD_DIR="$work/lambda"
mkdir -p "$LAMBDA_RECORD_DIR"
"$work/switchyard" serve --listen "127.0.0.1:$port" --data-dir "$work/data" --log-level warn \
  --config "$here/switchyard.yaml" &
pid=$!
for _ in $(seq 1 200); do
  curl -fsS "http://127.0.0.1:$port/_switchyard/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/_switchyard/health" >/dev/null

export SWITCHYARD_URL="http://127.0.0.1:$port"
status=0
for t in "$here"/walkthrough.sh "$here"/seed_test.py "$here"/sqs_query_test.py "$here"/replay_test.py "$here"/sns_test.py; do
  echo "=== $(basename "$t")"
  case "$t" in
    *.sh) bash "$t" || status=1 ;;
    # SNS over awsQuery with the clients Debian ships.
    */sns_test.py) /usr/bin/python3 "$t" || status=1 ;;
    *.py) python3 "$t" || status=1 ;;
  esac
done
exit $status
