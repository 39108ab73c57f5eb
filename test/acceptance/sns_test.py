"""SNS topics with the AWS clients Debian ships (boto3 1.26: SNS and SQS
over the awsQuery protocol), against the Switchyard server at SWITCHYARD_URL.

Covers: topic lifecycle and errors as boto3 names them, an SQS subscription
with the JSON envelope (signature verified as AWS documents it, with the
certificate fetched from SigningCertURL) and a raw one with message
attributes, a MessageAttributes filter policy, and an HTTP subscription
confirmed through its SubscribeURL. Run it with /usr/bin/python3.
"""
import base64
import http.server
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

import boto3
from botocore.exceptions import ClientError

URL = os.environ.get("SWITCHYARD_URL", "http://127.0.0.1:4010")
REGION = "us-east-1"


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def client(name):
    return boto3.client(name, endpoint_url=URL, region_name=REGION,
                        aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")


def verify(msg):
    """Verify an SNS message signature the way AWS documents it."""
    if msg["Type"] == "Notification":
        fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        fields = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    canonical = "".join(f"{f}\n{msg[f]}\n" for f in fields if f in msg)
    cert = urllib.request.urlopen(msg["SigningCertURL"]).read()
    digest = "-sha256" if msg["SignatureVersion"] == "2" else "-sha1"
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ("cert.pem", "pub.pem", "sig", "data")}
        open(paths["cert.pem"], "wb").write(cert)
        open(paths["sig"], "wb").write(base64.b64decode(msg["Signature"]))
        open(paths["data"], "wb").write(canonical.encode())
        pub = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", paths["cert.pem"]],
                             check=True, capture_output=True).stdout
        open(paths["pub.pem"], "wb").write(pub)
        r = subprocess.run(["openssl", "dgst", digest, "-verify", paths["pub.pem"],
                            "-signature", paths["sig"], paths["data"]], capture_output=True)
        check(r.returncode == 0, f"signature does not verify: {r.stdout!r} {r.stderr!r}")


def receive(sqs, url, n, wait=10):
    out, deadline = [], time.time() + wait
    while len(out) < n and time.time() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def main():
    sns, sqs = client("sns"), client("sqs")
    suffix = uuid.uuid4().hex[:8]
    arn = sns.create_topic(Name=f"acc-{suffix}")["TopicArn"]
    check(arn == f"arn:aws:sns:{REGION}:000000000000:acc-{suffix}", arn)
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    check(attrs["SubscriptionsConfirmed"] == "0" and attrs["Owner"] == "000000000000", attrs)
    try:
        sns.get_topic_attributes(TopicArn=arn + "-missing")
        fail("GetTopicAttributes on a missing topic succeeded")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "NotFound", e.response)
        check(e.response["Error"]["Message"] == "Topic does not exist", e.response)

    wrapped = sqs.create_queue(QueueName=f"acc-wrapped-{suffix}")["QueueUrl"]
    raw = sqs.create_queue(QueueName=f"acc-raw-{suffix}")["QueueUrl"]
    qarn = lambda u: sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn(wrapped))
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn(raw), Attributes={
        "RawMessageDelivery": "true",
        "FilterPolicy": json.dumps({"color": ["red"], "size": [{"numeric": [">", 10]}]}),
    }, ReturnSubscriptionArn=True)

    pub = sns.publish(TopicArn=arn, Message="hello", Subject="Hi", MessageAttributes={
        "color": {"DataType": "String", "StringValue": "red"},
        "size": {"DataType": "Number", "StringValue": "12"},
    })
    sns.publish(TopicArn=arn, Message="filtered out", MessageAttributes={
        "color": {"DataType": "String", "StringValue": "red"},
        "size": {"DataType": "Number", "StringValue": "3"},
    })
    got = receive(sqs, wrapped, 2)
    check(len(got) == 2, f"wrapped queue got {len(got)} messages")
    env = [json.loads(m["Body"]) for m in got if json.loads(m["Body"])["MessageId"] == pub["MessageId"]][0]
    check(env["Type"] == "Notification" and env["Message"] == "hello" and env["Subject"] == "Hi", env)
    check(env["MessageAttributes"]["size"] == {"Type": "Number", "Value": "12"}, env)
    verify(env)
    got = receive(sqs, raw, 1)
    check(len(got) == 1 and got[0]["Body"] == "hello", got)
    check(got[0]["MessageAttributes"]["color"]["StringValue"] == "red", got[0])
    check(not receive(sqs, raw, 1, wait=2), "the filter policy let a message through")

    # An HTTP subscription, confirmed through its SubscribeURL.
    inbox = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            inbox.put((self.headers, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{srv.server_port}/hook"
    r = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=endpoint)
    check(r["SubscriptionArn"] == "pending confirmation", r)
    headers, body = inbox.get(timeout=10)
    conf = json.loads(body)
    check(headers.get("x-amz-sns-message-type") == "SubscriptionConfirmation", headers)
    verify(conf)
    urllib.request.urlopen(conf["SubscribeURL"]).read()
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    pub = sns.publish(TopicArn=arn, Message="to the webhook")
    headers, body = inbox.get(timeout=10)
    note = json.loads(body)
    check(headers.get("x-amz-sns-message-id") == pub["MessageId"], headers)
    check(note["SignatureVersion"] == "2" and note["Message"] == "to the webhook", note)
    verify(note)
    subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    check(len(subs) == 3 and all(s["SubscriptionArn"].startswith(arn + ":") for s in subs), subs)

    batch = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "one"}, {"Id": "b", "Message": ""}])
    check(len(batch["Successful"]) == 1 and batch["Failed"][0]["Id"] == "b", batch)
    sns.delete_topic(TopicArn=arn)
    check(arn not in [t["TopicArn"] for t in sns.list_topics()["Topics"]], "topic still listed")
    srv.shutdown()
    print("sns_test.py: ok")


if __name__ == "__main__":
    main()
