"""Checks the awsquery golden files against botocore's own query protocol code.

Usage: /usr/bin/python3 botocore_check.py [write-forms|check]   (from testdata/)

For each case of cases.json:
  input:  golden/<name>.form must be what botocore's QuerySerializer sends for
          the parameters golden/<name>.in.json (write-forms rewrites it);
  output: golden/<name>.xml (written by EncodeOutput) parsed by botocore's
          QueryParser must give golden/<name>.out.json;
  error:  golden/<name>.xml (written by EncodeError) parsed by botocore as an
          error response must give the error's code, message and type.

Models are read from internal/awsapi/models, so the botocore version only
matters for its serializer and parser (Debian's 1.29 is the one the old
clients use). Prints "N passed, M failed" and exits non-zero on a failure.
"""
import base64
import datetime
import json
import os
import sys
from urllib.parse import quote

from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

here = os.path.dirname(os.path.abspath(__file__))
models_dir = os.path.join(here, "..", "..", "awsapi", "models")
MODELS = {
    "sqs": "sqs-2012-11-05.query-protocol.json",
    "sns": "sns-2010-03-31.json",
}
_models = {}


def model(service):
    if service not in _models:
        with open(os.path.join(models_dir, MODELS[service])) as f:
            _models[service] = ServiceModel(json.load(f), service_name=service)
    return _models[service]


def to_params(shape, v):
    """JSON document (blobs base64, timestamps epoch seconds) -> botocore parameters."""
    t = shape.type_name
    if t == "structure":
        return {k: to_params(shape.members[k], x) for k, x in v.items()}
    if t == "list":
        return [to_params(shape.member, x) for x in v]
    if t == "map":
        return {k: to_params(shape.value, x) for k, x in v.items()}
    if t == "blob":
        return base64.b64decode(v)
    if t == "timestamp":
        return datetime.datetime.fromtimestamp(v, tz=datetime.timezone.utc)
    return v


def to_json(shape, v):
    """botocore's parsed value -> JSON document, dropping what XML cannot carry."""
    t = shape.type_name
    if t == "structure":
        return {k: to_json(shape.members[k], x) for k, x in v.items() if k in shape.members}
    if t == "list":
        return [to_json(shape.member, x) for x in v]
    if t == "map":
        return {k: to_json(shape.value, x) for k, x in v.items()}
    if t == "blob":
        return base64.b64encode(v).decode()
    if t == "timestamp":
        ts = v.timestamp()
        return int(ts) if ts == int(ts) else round(ts, 6)
    return v


def normalize(shape, v):
    """Expected JSON: no nulls, no empty flattened lists or maps (XML has no trace of them)."""
    t = shape.type_name
    if t == "structure":
        out = {}
        for k, x in v.items():
            if x is None or k not in shape.members:
                continue
            m = shape.members[k]
            if m.type_name in ("list", "map") and not x and m.serialization.get("flattened"):
                continue
            out[k] = normalize(m, x)
        return out
    if t == "list":
        return [normalize(shape.member, x) for x in v]
    if t == "map":
        return {k: normalize(shape.value, x) for k, x in v.items()}
    return v


def read(name):
    with open(os.path.join(here, "golden", name), "rb") as f:
        return f.read()


def form_lines(params):
    return "".join("%s=%s\n" % (quote(k, safe=""), quote(str(v), safe="")) for k, v in params.items())


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    with open(os.path.join(here, "cases.json")) as f:
        cases = json.load(f)
    passed, failed = 0, 0

    def result(ok, case, msg=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s (%s): %s" % (case["name"], case["kind"], msg))

    for case in cases:
        m = model(case["service"])
        op = m.operation_model(case["op"])
        name = case["name"]
        if case["kind"] == "input":
            doc = json.loads(read(name + ".in.json"))
            body = create_serializer("query", include_validation=True).serialize_to_request(
                to_params(op.input_shape, doc), op)["body"]
            lines = form_lines(body)
            path = os.path.join(here, "golden", name + ".form")
            if mode == "write-forms":
                with open(path, "w") as f:
                    f.write(lines)
                result(True, case)
            else:
                got = read(name + ".form").decode()
                result(got == lines, case, "botocore sends\n%s\nthe golden form is\n%s" % (lines, got))
        elif case["kind"] == "output" and mode == "check":
            xml = read(name + ".xml")
            parsed = create_parser("query").parse(
                {"body": xml, "headers": {}, "status_code": 200}, op.output_shape)
            meta = parsed.pop("ResponseMetadata", {})
            want = json.loads(read(name + ".out.json"))
            if op.output_shape is None:
                got_doc, want = parsed, {}
            else:
                got_doc, want = to_json(op.output_shape, parsed), normalize(op.output_shape, want)
            result(got_doc == want and meta.get("RequestId") == "req-" + name, case,
                   "botocore parses\n%s\nwant\n%s\nmetadata %r" % (got_doc, want, meta))
        elif case["kind"] == "error" and mode == "check":
            e = json.loads(read(name + ".err.json"))
            status = e.get("Status", 400)
            xml = read(name + ".xml")
            parsed = create_parser("query").parse({"body": xml, "headers": {}, "status_code": status}, op.output_shape)
            code = e.get("QueryCode") or ("ValidationError" if e["Code"] == "ValidationException" else e["Code"])
            typ = "Receiver" if e.get("Receiver") or status >= 500 else "Sender"
            err = parsed.get("Error", {})
            ok = (err.get("Code") == code and err.get("Message") == e["Message"] and err.get("Type") == typ
                  and parsed["ResponseMetadata"].get("RequestId") == "req-" + name)
            # The client looks the code up among the model's error shapes.
            codes = {s.error_code: s.name for s in m.error_shapes}
            result(ok, case, "botocore parses %r, want code %s (shape %s)" % (parsed, code, codes.get(code)))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
