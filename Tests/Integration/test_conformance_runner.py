"""`darwaza conformance`: the runner's reports, exit codes, filter, JUnit output and folder
discovery, on case files written here; and the suite's own case files against the JSON Schema."""

import glob
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import yaml

from conftest import REPO_ROOT, run_darwaza

LIBRARY = os.path.join(REPO_ROOT, "conformance", "descriptors", "library.binpb")
SCHEMA = os.path.join(REPO_ROOT, "conformance", "case-file.schema.json")

GOOD_CASE = """
  - name: get an item
    request: {method: GET, path: /v1/shelves/1/items/2}
    backend:
      method: darwaza.contract.v1.Library.GetItem
      request: {name: shelves/1/items/2}
      reply: {messages: [{name: shelves/1/items/2, i64: 7}]}
    response:
      status: 200
      headers: {content-type: application/json}
      body: {name: shelves/1/items/2, i64: "7"}
"""

BAD_CASE = """
  - name: wrong expectations
    request: {method: GET, path: /v1/shelves/1/items/2}
    backend:
      method: darwaza.contract.v1.Library.GetItem
      request: {name: shelves/1/items/3}
      reply: {messages: [{name: shelves/1/items/2, i64: 7, tags: [a]}]}
    response:
      status: 201
      body: {name: shelves/1/items/2, i64: "8"}
"""


def case_file(tmp_path, cases, name="cases.yaml", header=None):
    path = tmp_path / name
    path.write_text((header or "descriptor_sets: [%s]\n" % LIBRARY) + "cases:" + cases)
    return str(path)


def conformance(darwaza, *args, cwd=None):
    return run_darwaza(darwaza, ["conformance", *args], timeout=60, cwd=cwd)


def test_passing_and_failing_cases(darwaza, tmp_path):
    path = case_file(tmp_path, GOOD_CASE + BAD_CASE)
    rc, out, err = conformance(darwaza, path)
    assert rc == 1, (out, err)
    assert out.splitlines() == [
        "FAIL %s: wrong expectations" % path,
        '    backend.request.name: expected "shelves/1/items/3", got "shelves/1/items/2"',
        "    response.status: expected 201, got 200",
        '    response.body.i64: expected "8", got "7"',
        '    response.body.tags: expected nothing, got ["a"]',
        "1 passed, 1 failed",
    ]
    assert err == "darwaza: 1 conformance case failed\n"


def test_all_passing_exits_0_and_verbose_lists_cases(darwaza, tmp_path):
    path = case_file(tmp_path, GOOD_CASE)
    rc, out, err = conformance(darwaza, "--verbose", path)
    assert (rc, out.splitlines(), err) == (0, ["PASS %s: get an item" % path, "1 passed, 0 failed"], "")


def test_filter_runs_matching_cases_only(darwaza, tmp_path):
    path = case_file(tmp_path, GOOD_CASE + BAD_CASE)
    rc, out, err = conformance(darwaza, "--filter", "GET AN", path)
    assert (rc, out, err) == (0, "1 passed, 0 failed\n", "")


def test_filter_that_matches_nothing_exits_2(darwaza, tmp_path):
    path = case_file(tmp_path, GOOD_CASE)
    rc, out, err = conformance(darwaza, "--filter", "no such case", path)
    assert (rc, out, err) == (2, "", "darwaza: no case matches --filter no such case\n")


def test_junit_report(darwaza, tmp_path):
    path = case_file(tmp_path, GOOD_CASE + BAD_CASE)
    report = tmp_path / "report.xml"
    rc, _, _ = conformance(darwaza, "--junit", str(report), path)
    assert rc == 1
    root = ET.parse(report).getroot()
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "1")
    [suite] = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (path, "2", "1")
    passed, failed = suite.findall("testcase")
    assert (passed.get("name"), passed.find("failure")) == ("get an item", None)
    failure = failed.find("failure")
    assert failed.get("name") == "wrong expectations"
    assert failure.get("message") == 'backend.request.name: expected "shelves/1/items/3", got "shelves/1/items/2"'
    assert failure.text.splitlines()[1] == "response.status: expected 201, got 200"


def test_folder_discovery_skips_rules_files(darwaza, tmp_path):
    (tmp_path / "nested").mkdir()
    case_file(tmp_path, GOOD_CASE, name="a.yaml")
    case_file(tmp_path / "nested", GOOD_CASE.replace("get an item", "get it again"), name="b.yml")
    (tmp_path / "rules.yaml").write_text(
        "http:\n  rules:\n    - selector: darwaza.contract.v1.Library.RouteA\n      get: /v1/a\n")
    rc, out, err = conformance(darwaza, "--verbose", str(tmp_path))
    assert (rc, err) == (0, ""), out
    assert out.splitlines() == [
        "PASS %s/a.yaml: get an item" % tmp_path,
        "PASS %s/nested/b.yml: get it again" % tmp_path,
        "2 passed, 0 failed",
    ]


def test_default_folder_is_conformance(darwaza, tmp_path):
    (tmp_path / "conformance").mkdir()
    case_file(tmp_path / "conformance", GOOD_CASE)
    rc, out, _ = conformance(darwaza, cwd=str(tmp_path))
    assert (rc, out) == (0, "1 passed, 0 failed\n")


def test_no_answer_in_time_fails_the_case(darwaza, tmp_path):
    path = case_file(tmp_path, """
  - name: slow backend
    request: {method: GET, path: /v1/shelves/1/items/2}
    backend:
      method: darwaza.contract.v1.Library.GetItem
      reply: {delay_ms: 3000}
    response: {status: 200}
    timeout_seconds: 0.5
""")
    rc, out, _ = conformance(darwaza, path)
    assert rc == 1
    assert out.splitlines() == [
        "FAIL %s: slow backend" % path,
        "    no complete answer within 0.5 s",
        "0 passed, 1 failed",
    ]


# (case file text, the reason on standard error, whether the JSON Schema rejects it too)
def test_numbers_keep_every_digit(darwaza, tmp_path):
    """64-bit integers written as bare YAML numbers stay exact on the way to the backend and in
    comparisons: a difference in the last digit of a 19-digit number is a failure."""
    path = case_file(tmp_path, """
  - name: exact
    request: {method: POST, path: /darwaza.contract.v1.Library/Plain, body: {u64: 18446744073709551615, i64: -9223372036854775808}}
    backend:
      method: darwaza.contract.v1.Library.Plain
      request: {u64: 18446744073709551615, i64: -9223372036854775808}
      reply: {messages: [{u64: 9007199254740993, dbl: 1.0}]}
    response: {status: 200, body: {u64: "9007199254740993", dbl: 1}}
  - name: off by one
    request: {method: POST, path: /darwaza.contract.v1.Library/Plain, body: {u64: 18446744073709551615}}
    backend:
      method: darwaza.contract.v1.Library.Plain
      request: {u64: 18446744073709551614}
    response: {status: 200, body: {}}
""")
    rc, out, _ = conformance(darwaza, path)
    assert rc == 1
    assert out.splitlines() == [
        "FAIL %s: off by one" % path,
        '    backend.request.u64: expected "18446744073709551614", got "18446744073709551615"',
        "1 passed, 1 failed",
    ]


INVALID = [
    ("cases: []\n", "cases: expected a non-empty list of cases", True),
    ("colour: red\ncases: []\n", "colour: unknown key", True),
    ("cases: [ {name: x\n", "not valid YAML", False),
    ("cases:\n  - request: {path: /x}\n    response: {}\n    no_backend_call: true\n", 'case "#1": name: every case needs a name', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {status: ok}\n    no_backend_call: true\n",
     'case "x": response.status: expected an integer', True),
    ("cases:\n  - name: x\n    request: {path: x}\n    response: {}\n    no_backend_call: true\n",
     'case "x": request.path: must start with /', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n", 'case "x": backend: give a backend, or no_backend_call: true', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n    no_backend_call: true\n"
     "  - name: x\n    request: {path: /y}\n    response: {}\n    no_backend_call: true\n",
     'case "x": name: another case in this file has this name', False),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {body: {}, body_text: ''}\n    no_backend_call: true\n",
     'case "x": response.body_text: give only one of body, body_text, ndjson, sse, websocket', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n    backend: {method: darwaza.contract.v1.Library.Nope}\n",
     'case "x": backend.method: no method darwaza.contract.v1.Library.Nope in the descriptor sets', False),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n"
     "    backend: {method: darwaza.contract.v1.Library.GetItem, request: {nope: 1}}\n",
     'case "x": backend.request: not a valid darwaza.contract.v1.Item: nope: unknown field', False),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n"
     "    backend: {method: darwaza.contract.v1.Library.GetItem, reply: {status: {code: MAYBE}}}\n",
     'case "x": backend.reply.status.code: not a gRPC code number or name', True),
    ("cases:\n  - name: x\n    options: {listen: '127.0.0.1:1'}\n    request: {path: /x}\n    response: {}\n    no_backend_call: true\n",
     'case "x": options.listen: set by the runner; not an option here', True),
    ("cases:\n  - name: x\n    options: {json: {nope: true}}\n    request: {path: /x}\n    response: {}\n    no_backend_call: true\n",
     'case "x": options: unknown key json.nope', True),
    ("cases:\n  - name: x\n    request: {path: /x, websocket: {send: [{text: a, json: {}}]}}\n    response: {}\n    no_backend_call: true\n",
     'case "x": request.websocket.send[0]: give exactly one of json, text, binary_base64, close', True),
    ("cases:\n  - name: [1, 2]\n    request: {path: /x}\n    response: {}\n    no_backend_call: true\n",
     'case "#1": name: expected a string', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n    no_backend_call: true\n    timeout_seconds: 1e300\n",
     'case "x": timeout_seconds: must be more than 0 and at most 3600', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n"
     "    backend: {method: darwaza.contract.v1.Library.GetItem, reply: {delay_ms: -5}}\n",
     'case "x": backend.reply.delay_ms: must be from 0 to 3600000', True),
    ("cases:\n  - name: x\n    request: {path: /x, body: {flag: yes}}\n    response: {}\n    no_backend_call: true\n",
     'case "x": request.body: not a JSON value: quote plain spellings YAML readers disagree on (yes, off, 010, 0x1F, 1:30, .inf)', False),
    ("cases:\n  - name: x\n    request: {path: /x, websocket: {send: [{close: 70000}]}}\n    response: {}\n    no_backend_call: true\n",
     'case "x": request.websocket.send[0].close: a close code is 0 to 65535', True),
    ("cases:\n  - name: x\n    request: {path: /x, websocket: {send: [{text: a, reason: b}]}}\n    response: {}\n    no_backend_call: true\n",
     'case "x": request.websocket.send[0].reason: only a close frame has a reason', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {websocket: {frames: [{close: 1000}]}}\n    no_backend_call: true\n",
     'case "x": response.websocket.frames[0].close: unknown key', True),
    ("cases:\n  - name: x\n    request: {path: /x, http2: true, websocket: {}}\n    response: {}\n    no_backend_call: true\n",
     'case "x": request.websocket: WebSockets are upgraded over HTTP/1.1; drop http2', True),
    ("cases:\n  - name: x\n    request: {path: /x}\n    response: {}\n"
     "    backend: {method: darwaza.contract.v1.Library.GetItem, reply: {status: {code: 5, details: [{'@type': t/acme.Unknown, a: 1}]}}}\n",
     'case "x": backend.reply.status.details[0]: acme.Unknown is in no descriptor set: give its bytes as {"@type", "value": base64}', False),
    ("cases:\n  - name: x\n    options: {timeouts: {'*': 0}}\n    request: {path: /x}\n    response: {}\n    no_backend_call: true\n",
     'case "x": options: timeouts.* must be positive and at most 31536000 seconds (a year)', True),
]


@pytest.mark.parametrize("text,reason,_", INVALID, ids=[reason for _, reason, _ in INVALID])
def test_invalid_case_file_exits_2_naming_file_case_and_field(darwaza, tmp_path, text, reason, _):
    path = tmp_path / "bad.yaml"
    path.write_text("descriptor_sets: [%s]\n" % LIBRARY + text)
    rc, out, err = conformance(darwaza, str(path))
    assert (rc, out) == (2, "")
    assert err.count("\n") == 1, err
    if reason == "not valid YAML":
        assert err.startswith("darwaza: %s: not valid YAML: " % path), err
    else:
        assert err == "darwaza: %s: %s\n" % (path, reason)


def test_case_file_that_is_not_text(darwaza, tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00cases")
    rc, out, err = conformance(darwaza, str(path))
    assert (rc, out, err) == (2, "", "darwaza: %s: not UTF-8 text\n" % path)


def test_missing_descriptor_set_and_path(darwaza, tmp_path):
    path = case_file(tmp_path, GOOD_CASE, header="descriptor_sets: [missing.binpb]\n")
    rc, out, err = conformance(darwaza, path)
    assert (rc, out) == (2, "")
    assert err == 'darwaza: %s: case "get an item": %s/missing.binpb: cannot read the file\n' % (path, tmp_path)
    rc, out, err = conformance(darwaza, str(tmp_path / "nowhere"))
    assert (rc, out, err) == (2, "", "darwaza: %s/nowhere: no such file or folder\n" % tmp_path)


def suite_case_files():
    files = sorted(glob.glob(os.path.join(REPO_ROOT, "conformance", "*.yaml")))
    return [f for f in files if "cases" in (yaml.safe_load(open(f)) or {})]


def test_suite_case_files_follow_the_schema():
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    files = suite_case_files()
    total = 0
    for path in files:
        with open(path) as f:
            document = yaml.safe_load(f)
        jsonschema.validate(document, schema)
        total += len(document["cases"])
    assert total >= 200, total


def test_schema_rejects_what_the_runner_rejects():
    with open(SCHEMA) as f:
        schema = json.load(f)
    for text, _, schema_rejects in INVALID:
        if not schema_rejects:
            continue
        document = yaml.safe_load("descriptor_sets: [x]\n" + text)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema)
