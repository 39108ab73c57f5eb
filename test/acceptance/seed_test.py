"""Runs the seed tutorial's programs (mylearning.py) against Switchyard.

The endpoint is given only through AWS_ENDPOINT_URL, and the access key id
123456789012 selects the account the tutorial's ARNs name. The queues the
tutorial's targets name are created first, and the SNS topics with a queue
subscribed. Then a premium registration event put on the custom bus must
arrive in user-onboarding-queue as the full event, and on the
sales-notifications topic as the tutorial's string template.
"""
import io
import json
import os
import runpy
import sys
import time
from contextlib import redirect_stdout

import boto3

here = os.path.dirname(os.path.abspath(__file__))
os.environ["AWS_ENDPOINT_URL"] = os.environ.get("SWITCHYARD_URL", "http://127.0.0.1:4010")
os.environ["AWS_ACCESS_KEY_ID"] = "123456789012"
os.environ["AWS_SECRET_ACCESS_KEY"] = "not-checked"
os.environ["AWS_DEFAULT_REGION"] = "ap-south-1"
for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


sqs = boto3.client("sqs")
onboarding = sqs.create_queue(QueueName="user-onboarding-queue")["QueueUrl"]
sqs.create_queue(QueueName="infrastructure-dlq")

# The SNS topics the tutorial's targets name, each with a queue subscribed so
# the test can read what EventBridge published: the sales topic delivers the
# raw message, the alerts topic SNS's JSON envelope.
sns = boto3.client("sns")
sales_inbox = sqs.create_queue(QueueName="sales-inbox")["QueueUrl"]
sales_topic = sns.create_topic(Name="sales-notifications")["TopicArn"]
sns.subscribe(TopicArn=sales_topic, Protocol="sqs",
              Endpoint="arn:aws:sqs:ap-south-1:123456789012:sales-inbox",
              Attributes={"RawMessageDelivery": "true"})
sns.create_topic(Name="infrastructure-alerts")

# The tutorial's first program creates the bus and publishes an event (no
# rules exist yet); its second program creates the rules and targets.
out = io.StringIO()
with redirect_stdout(out):
    program = runpy.run_path(os.path.join(here, "mylearning.py"))
printed = out.getvalue()
print(printed, end="")
if "Custom event bus created: arn:aws:events:ap-south-1:123456789012:event-bus/mylearning-application-events" not in printed:
    fail("the custom bus was not created")
if "Event published successfully: User Registration Completed" not in printed:
    fail("the first event was not published")

events = boto3.client("events")
rules = events.list_rules(EventBusName="mylearning-application-events")["Rules"]
if [r["Name"] for r in rules] != ["MyLearning-UserRegistration-Automation"]:
    fail("rules on the custom bus: %r" % rules)
targets = events.list_targets_by_rule(Rule="MyLearning-UserRegistration-Automation",
                                      EventBusName="mylearning-application-events")["Targets"]
if sorted(t["Id"] for t in targets) != ["1", "2", "3"]:
    fail("targets: %r" % targets)
default_rules = sorted(r["Name"] for r in events.list_rules()["Rules"])
if default_rules != ["MyLearning-Daily-Maintenance", "MyLearning-Infrastructure-Monitoring"]:
    fail("rules on the default bus: %r" % default_rules)
infra = events.list_targets_by_rule(Rule="MyLearning-Infrastructure-Monitoring")["Targets"]
retry = [t for t in infra if t["Id"] == "1"][0]["RetryPolicy"]
if retry != {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}:
    fail("retry policy: %r" % retry)

# A premium registration on the custom bus reaches the onboarding queue.
ml = program["ml_eventbridge"]
detail = dict(program["user_registration_event"], user_id="user_67890")
with redirect_stdout(io.StringIO()):
    ok = ml.put_custom_event(
        source="mylearning.user-service",
        detail_type="User Registration Completed",
        detail=detail,
        resources=["arn:aws:lambda:ap-south-1:123456789012:function:user-onboarding"],
    )
if not ok:
    fail("put_custom_event failed")

deadline = time.time() + 20
body = None
while time.time() < deadline and body is None:
    resp = sqs.receive_message(QueueUrl=onboarding, WaitTimeSeconds=2, MaxNumberOfMessages=10,
                               AttributeNames=["All"])
    for m in resp.get("Messages", []):
        event = json.loads(m["Body"])
        if event["detail"].get("user_id") == "user_67890":
            body = event
            group = m["Attributes"].get("MessageGroupId")
if body is None:
    fail("the registration event did not arrive in user-onboarding-queue")
expected = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
if set(body) != expected:
    fail("envelope fields: %r" % sorted(body))
if (body["source"], body["detail-type"], body["account"], body["region"]) != (
        "mylearning.user-service", "User Registration Completed", "123456789012", "ap-south-1"):
    fail("envelope: %r" % body)
if body["detail"] != json.loads(json.dumps(detail)):
    fail("detail: %r" % body["detail"])
if body["resources"] != ["arn:aws:lambda:ap-south-1:123456789012:function:user-onboarding"]:
    fail("resources: %r" % body["resources"])
if group != "user-onboarding":
    fail("MessageGroupId: %r" % group)
print("seed: ok (event %s arrived in user-onboarding-queue)" % body["id"])

# The SNS target publishes the input transformer's string template.
deadline = time.time() + 20
sales = []
while time.time() < deadline and not sales:
    for m in sqs.receive_message(QueueUrl=sales_inbox, WaitTimeSeconds=2).get("Messages", []):
        sales.append(m["Body"])
want = "New premium user registered: user_67890, Tier: premium, Source: google_ads"
if sales != [want]:
    fail("sales-notifications delivered %r, want %r" % (sales, want))
print("seed: ok (sales-notifications published %r)" % want)

# The rule's Lambda target runs as a local command (switchyard.yaml) and
# receives the input transformer's output.
record_dir = os.environ.get("LAMBDA_RECORD_DIR")
if record_dir:
    import glob
    deadline = time.time() + 20
    welcome = []
    while time.time() < deadline and not welcome:
        for path in glob.glob(os.path.join(record_dir, "send-welcome-email.*.json")):
            with open(path) as f:
                payload = json.load(f)
            if payload.get("userId") == "user_67890":
                welcome.append(payload)
        time.sleep(0.2)
    want = {"userId": "user_67890", "email": "student@example.com", "tier": "premium",
            "action": "send_welcome_email"}
    if welcome != [want]:
        fail("send-welcome-email received %r, want %r" % (welcome, want))
    print("seed: ok (send-welcome-email ran with the transformed input)")

# The daily maintenance rule (cron(0 2 * * ? *)), with a queue target
# added, fired now through Switchyard's manual trigger.
import urllib.request

maint_url = sqs.create_queue(QueueName="maintenance-tasks")["QueueUrl"]
events.put_targets(Rule="MyLearning-Daily-Maintenance", Targets=[
    {"Id": "4", "Arn": "arn:aws:sqs:ap-south-1:123456789012:maintenance-tasks"}])
req = urllib.request.Request(
    os.environ["AWS_ENDPOINT_URL"] + "/_switchyard/schedules/fire",
    data=json.dumps({"rule": "MyLearning-Daily-Maintenance", "account": "123456789012",
                     "region": "ap-south-1"}).encode(),
    headers={"Content-Type": "application/json"})
fired = json.load(urllib.request.urlopen(req))
if fired.get("targets") != 4:
    fail("manual fire: %r" % fired)
deadline = time.time() + 20
tick = None
while time.time() < deadline and tick is None:
    for m in sqs.receive_message(QueueUrl=maint_url, WaitTimeSeconds=2).get("Messages", []):
        tick = json.loads(m["Body"])
if tick is None:
    fail("the maintenance rule's scheduled event did not arrive")
if (tick["source"], tick["detail-type"], tick["resources"]) != (
        "aws.events", "Scheduled Event",
        ["arn:aws:events:ap-south-1:123456789012:rule/MyLearning-Daily-Maintenance"]):
    fail("scheduled event: %r" % tick)
plans = json.load(urllib.request.urlopen(
    os.environ["AWS_ENDPOINT_URL"] + "/_switchyard/schedules?account=123456789012&region=ap-south-1&rule=MyLearning-Daily-Maintenance&n=3"))
nexts = plans["schedules"][0]["next"]
if len(nexts) != 3 or not all(n.endswith("T02:00:00Z") for n in nexts):
    fail("next fire times: %r" % nexts)
print("seed: ok (maintenance rule fired manually; next fires %s)" % ", ".join(nexts))
if record_dir:
    deadline = time.time() + 20
    names = ["daily-backup-cleanup", "log-archival", "performance-report-generator"]
    while time.time() < deadline and not all(glob.glob(os.path.join(record_dir, n + ".*.json")) for n in names):
        time.sleep(0.2)
    for n in names:
        paths = glob.glob(os.path.join(record_dir, n + ".*.json"))
        if not paths:
            fail("%s did not run" % n)
        with open(paths[0]) as f:
            if json.load(f)["detail-type"] != "Scheduled Event":
                fail("%s got %s" % (n, open(paths[0]).read()))
    print("seed: ok (the maintenance rule's three Lambda functions ran)")
