"""SQS over the awsQuery protocol, driven by the old clients Debian ships.

Debian's python3-boto3 (boto3 1.26, botocore 1.29) and awscli (2.9) speak
SQS in the awsQuery protocol: form-encoded POSTs answered with XML. This
script runs both against the Switchyard server at SWITCHYARD_URL and checks
what they report: queue URLs, MD5 digests (computed here as SQS computes
them), system and message attributes, errors as the old clients name them.

Run it with /usr/bin/python3 (it re-executes itself there if the python3
that started it has a botocore that speaks awsJson for SQS). The aws CLI is
taken from AWS_CLI, else /usr/bin/aws.
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import time
import uuid

DEBIAN_PYTHON = "/usr/bin/python3"


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


try:
    import boto3
    import botocore
    from botocore.exceptions import ClientError
except ImportError:
    boto3 = None


def sqs_protocol():
    return botocore.session.get_session().get_service_model("sqs").protocol


if boto3 is None or sqs_protocol() != "query":
    if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    fail("this script tests SQS's awsQuery protocol: it needs boto3 with a botocore that speaks "
         "awsQuery for SQS (Debian's python3-boto3 in /usr/bin/python3)")

URL = os.environ.get("SWITCHYARD_URL", "http://127.0.0.1:4010")
AWS_CLI = os.environ.get("AWS_CLI", "/usr/bin/aws")
ACCOUNT = "123456789012"
REGION = "eu-west-1"
os.environ.update({
    "AWS_ACCESS_KEY_ID": ACCOUNT,
    "AWS_SECRET_ACCESS_KEY": "not-checked",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_PAGER": "",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
})
for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS"):
    os.environ.pop(var, None)

checks = 0


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def md5_of_attributes(attrs):
    """MD5OfMessageAttributes as SQS computes it (and newer SDKs check)."""
    h = hashlib.md5()

    def put(b):
        h.update(struct.pack(">I", len(b)))
        h.update(b)

    for name in sorted(attrs):
        a = attrs[name]
        put(name.encode())
        put(a["DataType"].encode())
        if "StringValue" in a:
            h.update(b"\x01")
            put(a["StringValue"].encode())
        elif "BinaryValue" in a:
            h.update(b"\x02")
            put(a["BinaryValue"])
    return h.hexdigest()


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, "%s: error code %r, want %r (%s)" % (fn.__name__, got, code, e))
        return e
    fail("%s: no error, want %s" % (fn.__name__, code))


# ---- boto3 1.26 ---------------------------------------------------------------

print("botocore", botocore.__version__, "protocol", sqs_protocol(), "endpoint", URL)
sqs = boto3.client("sqs", endpoint_url=URL, region_name=REGION)
suffix = uuid.uuid4().hex[:8]
name = "query-" + suffix

url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45", "MaximumMessageSize": "2048"},
                       tags={"team": "query"})["QueueUrl"]
check(url.endswith("/%s/%s" % (ACCOUNT, name)), "CreateQueue URL %r" % url)
again = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45", "MaximumMessageSize": "2048"})
check(again["QueueUrl"] == url, "CreateQueue is idempotent: %r" % again)
e = expect_error("QueueAlreadyExists", sqs.create_queue, QueueName=name, Attributes={"VisibilityTimeout": "46"})
check(isinstance(e, sqs.exceptions.QueueNameExists), "QueueAlreadyExists maps to QueueNameExists: %r" % type(e))
check(sqs.get_queue_url(QueueName=name)["QueueUrl"] == url, "GetQueueUrl")

attrs = {
    "color": {"DataType": "String", "StringValue": "blue & <green> \"quoted\""},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff binary"},
    "kind": {"DataType": "String.custom", "StringValue": "ünïcødé 😀"},
}
body = "hello <xml> & \"quotes\" 'apostrophes'\r\nsecond line\ttab ünïcødé 😀 ]]> end"
sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
check(sent["MD5OfMessageBody"] == md5(body), "MD5OfMessageBody %r, want %r" % (sent["MD5OfMessageBody"], md5(body)))
check(sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs),
      "MD5OfMessageAttributes %r, want %r" % (sent["MD5OfMessageAttributes"], md5_of_attributes(attrs)))
check(len(sent["MessageId"]) == 36, "MessageId %r" % sent["MessageId"])

got = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"],
                          MaxNumberOfMessages=10, WaitTimeSeconds=5)
msgs = got.get("Messages", [])
check(len(msgs) == 1, "ReceiveMessage: %r" % got)
m = msgs[0]
check(m["MessageId"] == sent["MessageId"], "MessageId %r" % m)
check(m["Body"] == body, "Body %r, want %r" % (m["Body"], body))
check(m["MD5OfBody"] == md5(body), "MD5OfBody %r" % m["MD5OfBody"])
check(m["MessageAttributes"] == attrs, "MessageAttributes %r" % m["MessageAttributes"])
check(m["MD5OfMessageAttributes"] == md5_of_attributes(attrs), "MD5OfMessageAttributes %r" % m)
sysattrs = m["Attributes"]
for a in ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"):
    check(a in sysattrs, "system attribute %s missing: %r" % (a, sysattrs))
check(sysattrs["ApproximateReceiveCount"] == "1", "ApproximateReceiveCount %r" % sysattrs)
check(abs(int(sysattrs["SentTimestamp"]) / 1000 - time.time()) < 60, "SentTimestamp %r" % sysattrs)

# Selected attributes only.
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
got = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"],
                          MessageAttributeNames=["color", "blob"], WaitTimeSeconds=5)
m = got["Messages"][0]
check(m["Attributes"] == {"ApproximateReceiveCount": "2"}, "selected system attributes %r" % m["Attributes"])
sel = {k: attrs[k] for k in ("color", "blob")}
check(m["MessageAttributes"] == sel, "selected message attributes %r" % m["MessageAttributes"])
check(m["MD5OfMessageAttributes"] == md5_of_attributes(sel), "MD5 of the selected attributes %r" % m)
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
expect_error("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="not-a-handle")

# Nothing left: an empty receive.
got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
check("Messages" not in got or got["Messages"] == [], "empty ReceiveMessage %r" % got)

plain = sqs.send_message(QueueUrl=url, MessageBody="plain", DelaySeconds=0)
check("MD5OfMessageAttributes" not in plain, "no attributes, no MD5OfMessageAttributes: %r" % plain)

listed = sqs.list_queues(QueueNamePrefix="query-" + suffix)
check(listed.get("QueueUrls") == [url], "ListQueues %r" % listed)
check("QueueUrls" not in sqs.list_queues(QueueNamePrefix="nothing-" + suffix), "empty ListQueues")

qa = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
check(qa["VisibilityTimeout"] == "45" and qa["MaximumMessageSize"] == "2048", "GetQueueAttributes %r" % qa)
check(qa["QueueArn"] == "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name), "QueueArn %r" % qa["QueueArn"])
check(qa["ApproximateNumberOfMessages"] == "1", "ApproximateNumberOfMessages %r" % qa)
qa = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "DelaySeconds"])["Attributes"]
check(set(qa) == {"QueueArn", "DelaySeconds"}, "selected queue attributes %r" % qa)
expect_error("InvalidAttributeName", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["NoSuchAttribute"])

sqs.purge_queue(QueueUrl=url)
e = expect_error("AWS.SimpleQueueService.PurgeQueueInProgress", sqs.purge_queue, QueueUrl=url)
check(isinstance(e, sqs.exceptions.PurgeQueueInProgress), "PurgeQueueInProgress class")
check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, "PurgeQueueInProgress status %r" % e.response)

e = expect_error("InvalidParameterValue", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
check("MaxNumberOfMessages" in e.response["Error"]["Message"], "InvalidParameterValue message %r" % e.response)

# Batches: served when the queue service implements them, else refused as SQS refuses unknown work.
try:
    res = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}}},
        {"Id": "b", "MessageBody": "two"}])
    ok = sorted(r["Id"] for r in res.get("Successful", []))
    check(ok == ["a", "b"], "SendMessageBatch %r" % res)
    for r in res["Successful"]:
        check(r["MD5OfMessageBody"] == md5({"a": "one", "b": "two"}[r["Id"]]), "batch MD5 %r" % r)
except ClientError as e:
    check(e.response["Error"]["Code"] == "AWS.SimpleQueueService.UnsupportedOperation", "SendMessageBatch: %s" % e)

sqs.delete_queue(QueueUrl=url)
e = expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName=name)
check(isinstance(e, sqs.exceptions.QueueDoesNotExist), "QueueDoesNotExist class: %r" % type(e))
check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "QueueDoesNotExist status %r" % e.response)
check(e.response["Error"]["Type"] == "Sender", "error Type %r" % e.response["Error"])
check(e.response["Error"]["Message"] == "The specified queue does not exist for this wsdl version.",
      "QueueDoesNotExist message %r" % e.response["Error"])
check(len(e.response["ResponseMetadata"]["RequestId"]) == 36, "RequestId %r" % e.response["ResponseMetadata"])
expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.send_message, QueueUrl=url, MessageBody="x")
print("boto3: %d checks passed" % checks)

# ---- aws CLI 2.9 ----------------------------------------------------------------


def aws(*args, ok=True):
    cmd = [AWS_CLI, "--endpoint-url", URL, "--region", REGION, "--output", "json", "sqs"] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if ok and p.returncode != 0:
        fail("%s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    if not ok:
        return p
    return json.loads(p.stdout) if p.stdout.strip() else {}


version = subprocess.run([AWS_CLI, "--version"], capture_output=True, text=True).stdout.strip()
print(version)
cname = "query-cli-" + suffix
curl = aws("create-queue", "--queue-name", cname, "--attributes", "DelaySeconds=0,VisibilityTimeout=30")["QueueUrl"]
check(curl.endswith("/%s/%s" % (ACCOUNT, cname)), "CLI create-queue %r" % curl)
check(aws("get-queue-url", "--queue-name", cname)["QueueUrl"] == curl, "CLI get-queue-url")
cattrs = {"who": {"DataType": "String", "StringValue": "cli"}, "n": {"DataType": "Number", "StringValue": "7"}}
out = aws("send-message", "--queue-url", curl, "--message-body", "from the cli <&>",
          "--message-attributes", json.dumps(cattrs))
check(out["MD5OfMessageBody"] == md5("from the cli <&>"), "CLI send-message MD5 %r" % out)
check(out["MD5OfMessageAttributes"] == md5_of_attributes(cattrs), "CLI send-message attributes MD5 %r" % out)
out = aws("receive-message", "--queue-url", curl, "--attribute-names", "All", "--message-attribute-names", "All",
          "--wait-time-seconds", "5")
cm = out["Messages"][0]
check(cm["Body"] == "from the cli <&>" and cm["MessageAttributes"] == cattrs, "CLI receive-message %r" % cm)
check(cm["Attributes"]["ApproximateReceiveCount"] == "1", "CLI receive attributes %r" % cm["Attributes"])
aws("delete-message", "--queue-url", curl, "--receipt-handle", cm["ReceiptHandle"])
check(curl in aws("list-queues", "--queue-name-prefix", "query-cli-")["QueueUrls"], "CLI list-queues")
qa = aws("get-queue-attributes", "--queue-url", curl, "--attribute-names", "All")["Attributes"]
check(qa["VisibilityTimeout"] == "30" and qa["ApproximateNumberOfMessages"] == "0", "CLI get-queue-attributes %r" % qa)
aws("purge-queue", "--queue-url", curl)
aws("delete-queue", "--queue-url", curl)
p = aws("get-queue-url", "--queue-name", cname, ok=False)
check(p.returncode != 0, "CLI get-queue-url of a deleted queue succeeded")
check("AWS.SimpleQueueService.NonExistentQueue" in p.stderr and "GetQueueUrl" in p.stderr,
      "CLI error message %r" % p.stderr)
print("CLI error as reported:", p.stderr.strip())
print("%d passed, 0 failed" % checks)
