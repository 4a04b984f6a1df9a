"""`darwaza check` against the fixtures in Tests/CheckFixtures.

Each fixture folder holds the files the check reads and `expected.txt`, a transcript: the
command line (`LIBRARY` stands for the conformance suite's descriptor set), then the exact
standard output, standard error lines prefixed `stderr: `, and `exit N`.
"""

import os

import pytest

from conftest import REPO_ROOT, run_darwaza

FIXTURES = os.path.join(REPO_ROOT, "Tests", "CheckFixtures")
LIBRARY = os.path.join(REPO_ROOT, "conformance", "descriptors", "library.binpb")


def read_transcript(folder):
    with open(os.path.join(folder, "expected.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("$ darwaza "), lines[0]
    args = [LIBRARY if word == "LIBRARY" else word for word in lines[0].split()[2:]]
    assert lines[-1].startswith("exit "), lines[-1]
    code = int(lines[-1].split()[1])
    body = lines[1:-1]
    stdout = [line for line in body if not line.startswith("stderr: ")]
    stderr = [line[len("stderr: "):] for line in body if line.startswith("stderr: ")]
    return args, stdout, stderr, code


@pytest.mark.parametrize("name", sorted(os.listdir(FIXTURES)))
def test_check_fixture(darwaza, name):
    folder = os.path.join(FIXTURES, name)
    args, stdout, stderr, code = read_transcript(folder)
    rc, out, err = run_darwaza(darwaza, args, cwd=folder)
    assert (rc, out.splitlines(), err.splitlines()) == (code, stdout, stderr)


def test_fixture_folders_cover_every_finding():
    """The fixtures together show each kind of finding the issue asks for."""
    text = ""
    for name in os.listdir(FIXTURES):
        with open(os.path.join(FIXTURES, name, "expected.txt"), encoding="utf-8") as f:
            text += f.read()
    for phrase in [
        "does not parse at column", "names no field", "is a repeated field", "is a message",
        "GET requests carry none", "DELETE requests carry none", "bound by both the path and the body",
        "conflicts with", "overlaps", "the selector names no method", "a browser cannot reach this stream",
        "over HTTP/2 only",
    ]:
        assert phrase in text, phrase


def without_strict():
    """The fixtures whose command has no --strict (serve has no such flag)."""
    names = []
    for name in sorted(os.listdir(FIXTURES)):
        with open(os.path.join(FIXTURES, name, "expected.txt"), encoding="utf-8") as f:
            if "--strict" not in f.readline():
                names.append(name)
    return names


@pytest.mark.parametrize("name", without_strict())
def test_serve_refuses_what_check_calls_an_error(darwaza, name):
    """`darwaza serve` runs the same checks at start-up: it refuses to start (exit 2, one line
    naming the problem) on a fixture with errors, and starts on one with warnings only."""
    folder = os.path.join(FIXTURES, name)
    args, stdout, stderr, code = read_transcript(folder)
    serve = ["serve", *args[1:], "--upstream", "*=http://127.0.0.1:1",
             "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"]
    errors = [line for line in stdout if line.count(": ") >= 2 and ": warning: " not in line]
    rc, out, err = run_darwaza(darwaza, serve, timeout=3, cwd=folder)
    if code == 0:
        assert rc is None and out.startswith("listening http://127.0.0.1:"), (rc, out, err)
    elif code == 2:
        assert (rc, err.splitlines()) == (2, stderr)
    else:
        message = errors[0].split(": ", 2)[2]
        assert rc == 2 and len(err.splitlines()) == 1, (rc, err)
        assert message.split(" of ")[0] in err, (message, err)
