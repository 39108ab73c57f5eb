"""Runs the seed tutorial's setup_event_replay() against Switchyard.

The endpoint is given only through AWS_ENDPOINT_URL and the access key id
123456789012 selects the tutorial's account (region ap-south-1). The
tutorial's function creates the archive on the mylearning bus; events are
put; a replay of their time window, started the way the API requires,
delivers them again (with "replay-name") to the rule named in FilterArns
and not to a rule left out of it.

The tutorial's inner replay_events helper cannot run as written: it uses
`time` without importing it, and passes a rule ARN where StartReplay wants
the archive's bus ARN. This script shows both and then starts the replay
correctly.
"""
import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone

import boto3

os.environ["AWS_ENDPOINT_URL"] = os.environ.get("SWITCHYARD_URL", "http://127.0.0.1:4010")
os.environ["AWS_ACCESS_KEY_ID"] = "123456789012"
os.environ["AWS_SECRET_ACCESS_KEY"] = "not-checked"
os.environ["AWS_DEFAULT_REGION"] = "ap-south-1"
for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)

# The seed's function, verbatim (seed/eventbridge-mylearning.md, "Event
# Replay Configuration"); it runs in a namespace with the seed's imports
# (boto3, json) and nothing else.
SEED = '''
def setup_event_replay():
    """Configure event replay for MyLearning.com"""
    
    eventbridge = boto3.client('events')
    
    # Create event archive
    archive_response = eventbridge.create_archive(
        ArchiveName='MyLearning-UserEvents-Archive',
        EventSourceArn='arn:aws:events:ap-south-1:123456789012:event-bus/mylearning-application-events',
        Description='Archive of user-related events for replay and analysis',
        EventPattern=json.dumps({
            'source': ['mylearning.user-service'],
            'detail-type': [
                'User Registration Completed',
                'Course Enrollment',
                'Course Completion'
            ]
        }),
        RetentionDays=90
    )
    
    print(f"Event archive created: {archive_response['ArchiveArn']}")
    
    # Function to replay events
    def replay_events(start_time, end_time, destination_rule):
        """Replay archived events to a specific rule"""
        
        replay_response = eventbridge.start_replay(
            ReplayName=f'MyLearning-Replay-{int(time.time())}',
            Description='Replay user events for testing new features',
            EventSourceArn=archive_response['ArchiveArn'],
            EventStartTime=start_time,
            EventEndTime=end_time,
            Destination={
                'Arn': f'arn:aws:events:ap-south-1:123456789012:rule/{destination_rule}',
                'FilterArns': []
            }
        )
        
        return replay_response['ReplayArn']
    
    return replay_events
'''

BUS = "mylearning-application-events"
BUS_ARN = "arn:aws:events:ap-south-1:123456789012:event-bus/" + BUS
ARCHIVE = "MyLearning-UserEvents-Archive"


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


events = boto3.client("events")
sqs = boto3.client("sqs")

# The bus exists when the tutorial's first program ran (seed_test.py);
# create it otherwise, and start from no archive.
try:
    events.create_event_bus(Name=BUS)
except events.exceptions.ResourceAlreadyExistsException:
    pass
try:
    events.delete_archive(ArchiveName=ARCHIVE)
except events.exceptions.ResourceNotFoundException:
    pass

# Two rules with queue targets: one the replay names, one it leaves out.
queues = {}
for name in ("replay-included", "replay-left-out"):
    queues[name] = sqs.create_queue(QueueName=name)["QueueUrl"]
    rule_arn = events.put_rule(Name="MyLearning-" + name, EventBusName=BUS, EventPattern=json.dumps(
        {"source": ["mylearning.user-service"], "detail-type": ["Course Enrollment"]}))["RuleArn"]
    events.put_targets(Rule="MyLearning-" + name, EventBusName=BUS, Targets=[
        {"Id": "1", "Arn": "arn:aws:sqs:ap-south-1:123456789012:" + name}])
included_rule_arn = "arn:aws:events:ap-south-1:123456789012:rule/%s/MyLearning-replay-included" % BUS

namespace = {"boto3": boto3, "json": json}
exec(SEED, namespace)
replay_events = namespace["setup_event_replay"]()
archive = events.describe_archive(ArchiveName=ARCHIVE)
if archive["State"] != "ENABLED" or archive["EventSourceArn"] != BUS_ARN or archive["RetentionDays"] != 90:
    fail("archive: %r" % archive)
print("replay: ok (the tutorial's setup_event_replay created %s)" % archive["ArchiveArn"])

# Events in the window: three enrollments (archived), and one event the
# archive's pattern leaves out.
window_start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)
run = str(int(time.time() * 1000))
entries = [{"Source": "mylearning.user-service", "DetailType": "Course Enrollment", "EventBusName": BUS,
            "Detail": json.dumps({"user_id": "user_%d" % i, "course_id": "course_101", "run": run})}
           for i in range(3)]
entries.append({"Source": "mylearning.user-service", "DetailType": "Page Viewed", "EventBusName": BUS,
                "Detail": json.dumps({"run": run})})
if events.put_events(Entries=entries)["FailedEntryCount"] != 0:
    fail("put_events failed")
window_end = datetime.now(timezone.utc) + timedelta(seconds=2)


def drain(url, want, seconds):
    got = []
    deadline = time.time() + seconds
    while time.time() < deadline and len(got) < want:
        for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(m["Body"])
            if body["detail"].get("run") == run:
                got.append(body)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


deadline = time.time() + 20
while events.describe_archive(ArchiveName=ARCHIVE)["EventCount"] < 3 and time.time() < deadline:
    time.sleep(0.2)
archive = events.describe_archive(ArchiveName=ARCHIVE)
if archive["EventCount"] != 3 or archive["SizeBytes"] <= 0:
    fail("archive after the events: %r" % archive)
for name in queues:
    if len(drain(queues[name], 3, 20)) != 3:
        fail("live events did not reach %s" % name)

# The tutorial's helper, as written.
try:
    replay_events(window_start, window_end, "MyLearning-replay-included")
    fail("the tutorial's replay_events ran")
except NameError as e:
    print("replay: the tutorial's replay_events fails as written (%s)" % e)
# With `time` available it reaches the API, which refuses a rule ARN as
# the destination, as AWS does.
namespace["time"] = time
try:
    replay_events(window_start, window_end, "MyLearning-replay-included")
    fail("a replay to a rule ARN was accepted")
except events.exceptions.ClientError as e:
    msg = e.response["Error"]["Message"]
    if msg != "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.":
        fail("replay to a rule ARN: %s" % msg)
    print("replay: StartReplay refuses the rule ARN: %s" % msg)

# The replay as the API requires it: the archive's bus, the rule in
# FilterArns.
name = "MyLearning-Replay-" + run
start = events.start_replay(
    ReplayName=name, Description="Replay user events for testing new features",
    EventSourceArn=archive["ArchiveArn"], EventStartTime=window_start, EventEndTime=window_end,
    Destination={"Arn": BUS_ARN, "FilterArns": [included_rule_arn]})
if start["State"] != "STARTING":
    fail("start_replay: %r" % start)
deadline = time.time() + 30
state = None
while time.time() < deadline:
    d = events.describe_replay(ReplayName=name)
    state = d["State"]
    if state in ("COMPLETED", "FAILED", "CANCELLED"):
        break
    time.sleep(0.2)
if state != "COMPLETED" or "EventLastReplayedTime" not in d or "ReplayEndTime" not in d:
    fail("replay: %r" % d)

replayed = drain(queues["replay-included"], 3, 20)
if sorted(e["detail"]["user_id"] for e in replayed) != ["user_0", "user_1", "user_2"]:
    fail("replayed to the included rule: %r" % replayed)
if any(e.get("replay-name") != name for e in replayed):
    fail("replay-name: %r" % replayed)
left_out = drain(queues["replay-left-out"], 1, 3)
if left_out:
    fail("the rule left out of FilterArns got %r" % left_out)
if events.describe_archive(ArchiveName=ARCHIVE)["EventCount"] != 3:
    fail("replayed events were archived again")
print("replay: ok (%d events replayed to MyLearning-replay-included with replay-name %s; none to the rule left out)"
      % (len(replayed), name))
