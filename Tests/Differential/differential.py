#!/usr/bin/env python3
"""Differential test of Darwaza's protobuf JSON <-> binary codec.

Drives `darwaza-conformance-testee` over the protobuf conformance protocol
(stdin/stdout, each message framed by a 4-byte little-endian length) and
checks its answers against Python's `protobuf` package (json_format), which
serves as the reference. Only the standard library and `protobuf` are needed;
message classes are built at run time from the descriptor set (no _pb2 code).

Run from the repository root:

    python3 Tests/Differential/differential.py \
        --testee .build/debug/darwaza-conformance-testee \
        --descriptors proto/descriptors/all_types_editions.binpb \
        --cases 3000 [--seed N] [--max-seconds 300]

    # Check only the generator against Python itself (no testee needed):
    python3 Tests/Differential/differential.py --python-only --cases 500

What is checked:

* Hand cases first: NaN/Infinity, empty and default-valued messages, JSON
  field names, unknown open-enum numbers, JSON that must be rejected, binary
  that must be rejected, the FailureSet request and JSPB/TEXT_FORMAT requests
  (which must come back `skipped`).
* Then random messages of the all-types schemas (proto2, proto3 and their
  editions copies), each sent both ways:
  (a) binary -> JSON: the JSON must parse (with Python) back to a message
      equal to the original, and must match Python's own JSON value for value;
  (b) JSON (Python's) -> binary: the binary must parse to an equal message.

Message equality is structural (see `diff_messages`): floats compare with
NaN == NaN and the sign of zero significant; Any payloads are unpacked and
compared as messages, because two correct encoders may order fields in the
packed bytes differently.

JSON comparison (see `diff_json`): both documents are parsed with `json`
(duplicate keys and NaN/Infinity literals are errors in ours) and compared
recursively. Objects must have the same keys, arrays the same length, and
strings, booleans and null must be identical, except that two numbers, or two
strings that both hold numbers (int64 values are quoted; "Infinity",
"-Infinity" and "NaN" are special floats), are compared by value: two
integers exactly; otherwise as floats, equal if they are equal as Python
floats (sign of zero significant, "-0" included; NaN equal to NaN) or round to
the same float32 (float fields may be printed with fewer or more digits; the
message-equality check already catches wrong values in double fields). A
quoted number never matches a bare one.

Counting: every request sent is one check; a random case makes two. The last
line printed is exactly "N passed, N failed"; the exit status is 1 if any
check failed, else 0.
"""

import argparse
import json
import math
import os
import random
import select
import shlex
import struct
import subprocess
import sys
import time

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, text_format
from google.protobuf.descriptor import FieldDescriptor as FD

try:
    from google.protobuf import unknown_fields as _unknown_fields
except ImportError:  # very old protobuf
    _unknown_fields = None

DEFAULT_DESCRIPTORS = "proto/descriptors/all_types_editions.binpb"

# Message types exercised by the random cases (those present in the set).
TARGET_TYPES = [
    "darwaza.testing.proto3.AllTypesProto3",
    "darwaza.testing.proto2.AllTypesProto2",
    "darwaza.testing.editions3.AllTypesProto3",
    "darwaza.testing.editions2.AllTypesProto2",
]
PROTO3 = "darwaza.testing.proto3.AllTypesProto3"
PROTO2 = "darwaza.testing.proto2.AllTypesProto2"

# conformance.WireFormat / conformance.TestCategory numbers.
WF_PROTOBUF, WF_JSON, WF_JSPB, WF_TEXT = 1, 2, 3, 4
CAT_BINARY, CAT_JSON, CAT_JSON_IGNORE_UNKNOWN, CAT_JSPB, CAT_TEXT = 1, 2, 3, 4, 5

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
UINT32 = (0, 2**32 - 1)
UINT64 = (0, 2**64 - 1)
INT_RANGES = {
    FD.TYPE_INT32: INT32, FD.TYPE_SINT32: INT32, FD.TYPE_SFIXED32: INT32,
    FD.TYPE_INT64: INT64, FD.TYPE_SINT64: INT64, FD.TYPE_SFIXED64: INT64,
    FD.TYPE_UINT32: UINT32, FD.TYPE_FIXED32: UINT32,
    FD.TYPE_UINT64: UINT64, FD.TYPE_FIXED64: UINT64,
}

FLT_MAX = 3.4028234663852886e38
# Not FLT_MAX: Python prints it as 3.4028235e+38 and then refuses to parse
# that back ("Float value too large"), so it has its own hand case.
FLOAT_SPECIALS = [
    0.0, -0.0, 1.0, -1.0, 0.5, math.inf, -math.inf,
    3.4028232635611926e38, -3.4028232635611926e38,  # just below float32 max
    1.1754943508222875e-38,  # float32 min normal
    1.401298464324817e-45, -1.401298464324817e-45,  # float32 min subnormal
    16777216.0, 16777217.0, 0.1, 1e-7, 1e21, 123456.789,
]
DOUBLE_SPECIALS = [
    0.0, -0.0, 1.0, -1.0, 0.1, math.inf, -math.inf,
    1.7976931348623157e308, -1.7976931348623157e308,  # max
    2.2250738585072014e-308,  # min normal
    5e-324, -5e-324,  # min subnormal
    9007199254740992.0, 9007199254740993.0, 1e21, 1e-7, 1e22, 123456789.125,
    3.4028234663852886e38, 1.401298464324817e-45,
]
STRING_PIECES = [
    "a", "Z", "0", " ", "hello", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t",
    "\x00", "\x01", "\x1f", "\x7f", "\u0080", "\u00e9", "\u00ff", "\u0100",
    "\u2028", "\u2029", "\ufeff", "\uffff", "\u4e2d\u6587", "\U0001f600",
    "\U0010ffff", "<script>", "&amp;", "'", "\u0301", "null", "true", "1e3",
]


def float32(x):
    """Round a Python float to the nearest float32 (inf if out of range)."""
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def same_float(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# --------------------------------------------------------------------------
# Descriptors

class Schema:
    """A descriptor pool loaded from a FileDescriptorSet, plus class lookup."""

    def __init__(self, path):
        fds = descriptor_pb2.FileDescriptorSet()
        with open(path, "rb") as fh:
            fds.ParseFromString(fh.read())
        self.pool = descriptor_pool.DescriptorPool()
        for f in fds.file:
            self.pool.Add(f)
        self.files = [f.name for f in fds.file]
        self._classes = {}

    def desc(self, full_name):
        return self.pool.FindMessageTypeByName(full_name)

    def has(self, full_name):
        try:
            self.desc(full_name)
            return True
        except KeyError:
            return False

    def cls(self, full_name):
        if full_name not in self._classes:
            self._classes[full_name] = message_factory.GetMessageClass(self.desc(full_name))
        return self._classes[full_name]

    def new(self, full_name):
        return self.cls(full_name)()

    def extensions_of(self, desc):
        """All extensions of `desc` declared anywhere in the loaded files."""
        exts = []
        for name in self.files:
            fd = self.pool.FindFileByName(name)
            stack = list(fd.message_types_by_name.values())
            exts.extend(fd.extensions_by_name.values())
            while stack:
                m = stack.pop()
                exts.extend(m.extensions)
                stack.extend(m.nested_types)
        return [e for e in exts if e.containing_type.full_name == desc.full_name]


def is_map(fd):
    return (fd.type == FD.TYPE_MESSAGE and fd.message_type.GetOptions().map_entry
            and fd.is_repeated)


# --------------------------------------------------------------------------
# Random messages

class Generator:
    """Fills messages with random, valid contents (seeded, reproducible)."""

    MAX_DEPTH = 3

    def __init__(self, schema, rng):
        self.schema = schema
        self.rng = rng
        self.density = 0.2
        self._ext_cache = {}
        self.any_targets = [t for t in TARGET_TYPES if schema.has(t)]

    # -- scalars --
    def int_value(self, ftype):
        lo, hi = INT_RANGES[ftype]
        r = self.rng.random()
        if r < 0.25:
            return self.rng.choice([lo, hi, 0, 1, -1 if lo < 0 else 2, lo + 1 if lo < 0 else 127, hi - 1])
        bits = self.rng.randint(1, 64 if hi > 2**32 else 32)
        v = self.rng.getrandbits(bits)
        if lo < 0 and self.rng.random() < 0.5:
            v = -v
        return max(lo, min(hi, v))

    def float_value(self, double):
        r = self.rng.random()
        if r < 0.3:
            v = self.rng.choice(DOUBLE_SPECIALS if double else FLOAT_SPECIALS)
        elif r < 0.6:
            v = self.rng.uniform(-1e6, 1e6)
            if self.rng.random() < 0.5:
                v = round(v, self.rng.randint(0, 4))
        else:
            while True:  # random bit patterns: any exponent, subnormals, ...
                if double:
                    v = struct.unpack("<d", self.rng.getrandbits(64).to_bytes(8, "little"))[0]
                else:
                    v = struct.unpack("<f", self.rng.getrandbits(32).to_bytes(4, "little"))[0]
                if not math.isnan(v) and (double or abs(v) != FLT_MAX):
                    break
        return v if double else float32(v)

    def string_value(self, max_pieces=8):
        n = self.rng.randint(0, max_pieces)
        out = []
        for _ in range(n):
            if self.rng.random() < 0.5:
                out.append(self.rng.choice(STRING_PIECES))
            else:
                cp = self.rng.choice([
                    self.rng.randint(0x20, 0x7E),
                    self.rng.randint(0x00, 0x7F),
                    self.rng.randint(0x80, 0x7FF),
                    self.rng.randint(0x800, 0xD7FF),
                    self.rng.randint(0xE000, 0xFFFF),
                    self.rng.randint(0x10000, 0x10FFFF),
                ])
                out.append(chr(cp))
        return "".join(out)

    def bytes_value(self):
        n = self.rng.choice([0, 1, 2, 3, 4, 5, self.rng.randint(0, 40)])
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def enum_value(self, enum_desc):
        if enum_desc.full_name == "google.protobuf.NullValue":
            return 0
        if not enum_desc.is_closed and self.rng.random() < 0.1:
            known = set(enum_desc.values_by_number)
            while True:
                v = self.rng.choice([self.rng.randint(-5, 50), self.int_value(FD.TYPE_INT32)])
                if v not in known:
                    return v
        return self.rng.choice(enum_desc.values).number

    def scalar(self, fd):
        t = fd.type
        if t in INT_RANGES:
            return self.int_value(t)
        if t == FD.TYPE_BOOL:
            return self.rng.random() < 0.5
        if t == FD.TYPE_FLOAT:
            return self.float_value(double=False)
        if t == FD.TYPE_DOUBLE:
            return self.float_value(double=True)
        if t == FD.TYPE_STRING:
            return self.string_value()
        if t == FD.TYPE_BYTES:
            return self.bytes_value()
        if t == FD.TYPE_ENUM:
            return self.enum_value(fd.enum_type)
        raise AssertionError(f"not a scalar: {fd.full_name}")

    def count(self):
        return self.rng.choice([0, 1, 1, 2, 3, 4, 5])

    # -- messages --
    def fill(self, msg, depth=0):
        """Fill `msg` in place; returns it."""
        desc = msg.DESCRIPTOR
        wkt = WKT_FILLERS.get(desc.full_name)
        if wkt is not None:
            wkt(self, msg, depth)
            return msg
        density = self.density / (1 + depth)
        for fd in desc.fields:
            if fd.containing_oneof is not None and len(fd.containing_oneof.fields) > 1:
                continue  # real oneofs handled below
            if self.rng.random() < density:
                self.set_field(msg, fd, depth)
        for oneof in desc.oneofs:
            if len(oneof.fields) > 1 and self.rng.random() < max(density, 0.3):
                fd = self.rng.choice(oneof.fields)
                self.set_field(msg, fd, depth)
        if desc.extension_ranges:
            if desc.full_name not in self._ext_cache:
                self._ext_cache[desc.full_name] = self.schema.extensions_of(desc)
            for ext in self._ext_cache[desc.full_name]:
                if self.rng.random() < max(density, 0.15):
                    self.set_field(msg, ext, depth)
        # Required fields must always be set, or the message can't be sent.
        for fd in desc.fields:
            if fd.is_required and not msg.HasField(fd.name):
                self.set_field(msg, fd, depth, force_message=True)
        return msg

    def can_recurse(self, fd, depth):
        """Whether a message-typed field may be filled at this depth."""
        return depth < self.MAX_DEPTH or fd.message_type.full_name in WKT_FILLERS

    def set_field(self, msg, fd, depth, force_message=False):
        if fd.full_name.endswith(".repeated_null_value"):
            return  # Python's json_format cannot parse `[null]`; see hand cases.
        if is_map(fd):
            if depth >= self.MAX_DEPTH:
                return
            m = getattr(msg, fd.name)
            key_fd = fd.message_type.fields_by_name["key"]
            val_fd = fd.message_type.fields_by_name["value"]
            for _ in range(self.count()):
                key = self.scalar(key_fd)
                if val_fd.type == FD.TYPE_MESSAGE:
                    self.fill(m[key], depth + 1)
                else:
                    m[key] = self.scalar(val_fd)
            return
        if fd.is_repeated:
            n = self.count()
            if fd.is_extension:
                # Touching an extension's container makes Python list it
                # even when empty, so only do it for a non-empty one.
                n = max(n, 1)
            if n == 0:
                return
            if fd.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
                if not self.can_recurse(fd, depth):
                    return
                rep = msg.Extensions[fd] if fd.is_extension else getattr(msg, fd.name)
                for _ in range(n):
                    self.fill(rep.add(), depth + 1)
            else:
                rep = msg.Extensions[fd] if fd.is_extension else getattr(msg, fd.name)
                rep.extend(self.scalar(fd) for _ in range(n))
            return
        if fd.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
            if not force_message and not self.can_recurse(fd, depth):
                return
            sub = msg.Extensions[fd] if fd.is_extension else getattr(msg, fd.name)
            sub.SetInParent()
            self.fill(sub, depth + 1)
            return
        value = self.scalar(fd)
        if fd.is_extension:
            msg.Extensions[fd] = value
        else:
            setattr(msg, fd.name, value)

    # -- well-known types --
    def fill_timestamp(self, msg, depth):
        msg.seconds = self.rng.choice([
            0, -1, 1, -62135596800, 253402300799, 1700000000,
            self.rng.randint(-62135596800, 253402300799),
        ])
        msg.nanos = self.fraction_nanos()

    def fraction_nanos(self):
        digits = self.rng.choice([0, 3, 6, 9])
        if digits == 0:
            return 0
        unit = 10 ** (9 - digits)
        return self.rng.randint(1, 10**digits - 1) * unit

    def fill_duration(self, msg, depth):
        seconds = self.rng.choice([
            0, 1, -1, 315576000000, -315576000000, 86400,
            self.rng.randint(-315576000000, 315576000000),
        ])
        nanos = self.fraction_nanos()
        if abs(seconds) == 315576000000:
            nanos = 0
        if seconds < 0 or (seconds == 0 and self.rng.random() < 0.5):
            nanos = -nanos
        msg.seconds, msg.nanos = seconds, nanos

    def field_mask_path(self):
        def segment():
            words = [self.rng.choice(["a", "foo", "bar", "x", "field", "name", "v"])
                     + self.rng.choice(["", "", "1", "23"])
                     for _ in range(self.rng.randint(1, 3))]
            return "_".join(words)
        return ".".join(segment() for _ in range(self.rng.randint(1, 3)))

    def fill_field_mask(self, msg, depth):
        msg.paths.extend(self.field_mask_path() for _ in range(self.count()))

    def fill_value(self, msg, depth):
        kinds = ["null", "number", "string", "bool"]
        if depth < self.MAX_DEPTH + 1:
            kinds += ["struct", "list"]
        kind = self.rng.choice(kinds)
        if kind == "null":
            msg.null_value = 0
        elif kind == "number":
            # Value numbers are doubles; JSON can't carry NaN/Infinity there.
            v = self.float_value(double=True)
            while math.isinf(v):
                v = self.float_value(double=True)
            msg.number_value = v
        elif kind == "string":
            msg.string_value = self.string_value()
        elif kind == "bool":
            msg.bool_value = self.rng.random() < 0.5
        elif kind == "struct":
            msg.struct_value.SetInParent()
            self.fill_struct(msg.struct_value, depth + 1)
        else:
            msg.list_value.SetInParent()
            self.fill_list_value(msg.list_value, depth + 1)

    def fill_struct(self, msg, depth):
        for _ in range(self.count()):
            self.fill_value(msg.fields[self.string_value(4)], depth + 1)

    def fill_list_value(self, msg, depth):
        for _ in range(self.count()):
            self.fill_value(msg.values.add(), depth + 1)

    def fill_any(self, msg, depth):
        r = self.rng.random()
        if r < 0.5 and self.any_targets and depth < self.MAX_DEPTH:
            name = self.rng.choice(self.any_targets)
        else:
            name = self.rng.choice(sorted(WKT_FILLERS))
            if name == "google.protobuf.Any" and depth >= self.MAX_DEPTH:
                name = "google.protobuf.Empty"
        payload = self.schema.new(name)
        self.fill(payload, depth + 1)
        msg.type_url = "type.googleapis.com/" + name
        msg.value = payload.SerializeToString()

    def fill_wrapper(self, msg, depth):
        msg.value = self.scalar(msg.DESCRIPTOR.fields_by_name["value"])

    def fill_empty(self, msg, depth):
        pass


WKT_FILLERS = {
    "google.protobuf.Timestamp": Generator.fill_timestamp,
    "google.protobuf.Duration": Generator.fill_duration,
    "google.protobuf.FieldMask": Generator.fill_field_mask,
    "google.protobuf.Struct": Generator.fill_struct,
    "google.protobuf.Value": Generator.fill_value,
    "google.protobuf.ListValue": Generator.fill_list_value,
    "google.protobuf.Any": Generator.fill_any,
    "google.protobuf.Empty": Generator.fill_empty,
}
for _w in ["Bool", "Int32", "Int64", "UInt32", "UInt64", "Float", "Double", "String", "Bytes"]:
    WKT_FILLERS[f"google.protobuf.{_w}Value"] = Generator.fill_wrapper


# --------------------------------------------------------------------------
# Comparison

def _unknown_count(msg):
    if _unknown_fields is None:
        return 0
    try:
        return len(_unknown_fields.UnknownFieldSet(msg))
    except Exception:
        return 0


def _unpack_any(schema, any_msg):
    name = any_msg.type_url.rsplit("/", 1)[-1]
    try:
        inner = schema.new(name)
        inner.ParseFromString(any_msg.value)
        return inner
    except Exception:
        return None


def diff_messages(schema, expected, actual, path=""):
    """Describe the first difference between two messages, or None."""
    d_exp, d_act = expected.DESCRIPTOR, actual.DESCRIPTOR
    if d_exp.full_name != d_act.full_name:
        return f"{path or '<root>'}: type {d_act.full_name}, expected {d_exp.full_name}"
    if d_exp.full_name == "google.protobuf.Any":
        if expected.type_url != actual.type_url:
            return f"{path}.type_url: {actual.type_url!r}, expected {expected.type_url!r}"
        e_in, a_in = _unpack_any(schema, expected), _unpack_any(schema, actual)
        if e_in is None or a_in is None:
            if expected.value != actual.value:
                return f"{path}.value: bytes differ"
            return None
        return diff_messages(schema, e_in, a_in, f"{path}<{d_exp.full_name}>")

    # (An empty repeated extension can show up in ListFields; it is absent.)
    e_fields = {(fd.is_extension, fd.full_name): (fd, v) for fd, v in expected.ListFields()
                if not (fd.is_repeated and len(v) == 0)}
    a_fields = {(fd.is_extension, fd.full_name): (fd, v) for fd, v in actual.ListFields()
                if not (fd.is_repeated and len(v) == 0)}
    for key in sorted(set(e_fields) | set(a_fields)):
        fd = (e_fields.get(key) or a_fields.get(key))[0]
        name = f"[{fd.full_name}]" if fd.is_extension else fd.name
        fpath = f"{path}.{name}" if path else name
        if key not in a_fields:
            return f"{fpath}: missing, expected {_short(e_fields[key][1])}"
        if key not in e_fields:
            return f"{fpath}: unexpected {_short(a_fields[key][1])}"
        e_val, a_val = e_fields[key][1], a_fields[key][1]
        if is_map(fd):
            val_fd = fd.message_type.fields_by_name["value"]
            if set(e_val.keys()) != set(a_val.keys()):
                return f"{fpath}: keys {sorted(a_val.keys(), key=repr)}, expected {sorted(e_val.keys(), key=repr)}"
            for k in e_val:
                d = _diff_value(schema, val_fd, e_val[k], a_val[k], f"{fpath}[{k!r}]")
                if d:
                    return d
        elif fd.is_repeated:
            if len(e_val) != len(a_val):
                return f"{fpath}: {len(a_val)} elements, expected {len(e_val)}"
            for i, (e, a) in enumerate(zip(e_val, a_val)):
                d = _diff_value(schema, fd, e, a, f"{fpath}[{i}]")
                if d:
                    return d
        else:
            d = _diff_value(schema, fd, e_val, a_val, fpath)
            if d:
                return d
    if _unknown_count(expected) != _unknown_count(actual):
        return f"{path or '<root>'}: {_unknown_count(actual)} unknown fields, expected {_unknown_count(expected)}"
    return None


def _diff_value(schema, fd, e, a, path):
    if fd.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
        return diff_messages(schema, e, a, path)
    if fd.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return None if same_float(e, a) else f"{path}: {a!r}, expected {e!r}"
    if type(e) is not type(a) or e != a:
        return f"{path}: {_short(a)}, expected {_short(e)}"
    return None


def _short(v, limit=200):
    s = repr(v)
    return s if len(s) <= limit else s[:limit] + "..."


class JSONFormatError(Exception):
    pass


def strict_json_loads(text):
    """json.loads that rejects duplicate keys and NaN/Infinity literals."""
    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise JSONFormatError(f"duplicate key {k!r}")
            out[k] = v
        return out

    def constant(name):
        raise JSONFormatError(f"non-standard JSON literal {name}")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=_parse_int)


def _parse_int(text):
    # json would read "-0" as the integer 0 and lose the sign.
    return -0.0 if text == "-0" else int(text)


def reference_json(msg, pool):
    """Python's JSON for `msg`, parsed."""
    return json.loads(json_format.MessageToJson(msg, descriptor_pool=pool), parse_int=_parse_int)


def _as_number(v):
    """(kind, value) for numbers and numeric strings; None otherwise."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, float):
        return ("float", v)
    if isinstance(v, str):
        if v in ("Infinity", "-Infinity", "NaN"):
            return ("float", float(v.replace("Infinity", "inf")))
        s = v.strip()
        if s != v or not s:
            return None
        try:
            return ("int", int(s, 10))
        except ValueError:
            pass
        try:
            f = float(s)
        except ValueError:
            return None
        if s.lower() in ("inf", "-inf", "+inf", "nan", "infinity", "-infinity", "+infinity"):
            return None
        return ("float", f)
    return None


def _numbers_equal(e, a):
    if e[0] == "int" and a[0] == "int":
        return e[1] == a[1]
    try:
        ef, af = float(e[1]), float(a[1])
    except OverflowError:
        return False
    return same_float(ef, af) or same_float(float32(ef), float32(af))


def diff_json(expected, actual, path="$"):
    """Describe the first difference between two parsed JSON values, or None."""
    if isinstance(expected, dict) or isinstance(actual, dict):
        if not (isinstance(expected, dict) and isinstance(actual, dict)):
            return f"{path}: {_short(actual)}, expected {_short(expected)}"
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        if missing or extra:
            return f"{path}: missing keys {missing}, unexpected keys {extra}"
        for k in expected:
            d = diff_json(expected[k], actual[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(expected, list) or isinstance(actual, list):
        if not (isinstance(expected, list) and isinstance(actual, list)):
            return f"{path}: {_short(actual)}, expected {_short(expected)}"
        if len(expected) != len(actual):
            return f"{path}: {len(actual)} elements, expected {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            d = diff_json(e, a, f"{path}[{i}]")
            if d:
                return d
        return None
    if type(expected) is type(actual) and expected == actual and not isinstance(expected, float):
        return None
    # A quoted number never matches a bare one (e.g. int64 must be quoted).
    if isinstance(expected, str) == isinstance(actual, str):
        en, an = _as_number(expected), _as_number(actual)
        if en is not None and an is not None and _numbers_equal(en, an):
            return None
    return f"{path}: {_short(actual)}, expected {_short(expected)}"


# --------------------------------------------------------------------------
# The testee

class TesteeError(Exception):
    pass


class Testee:
    """The testee process; restarted if it dies or hangs."""

    def __init__(self, command, descriptors, timeout):
        self.argv = shlex.split(command)
        self.env = dict(os.environ, DARWAZA_TESTEE_DESCRIPTORS=os.path.abspath(descriptors))
        self.timeout = timeout
        self.proc = None
        self.restarts = 0

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=self.env, bufsize=0)

    def stop(self):
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        self.proc = None
        return code

    def _kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def _read_exact(self, n, deadline):
        fd = self.proc.stdout.fileno()
        chunks = []
        while n > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TesteeError(f"no answer within {self.timeout}s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, n)
            if not chunk:
                code = self.proc.poll()
                raise TesteeError(f"testee closed its output (exit status {code})")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def call(self, request_bytes):
        """Send one serialized request; return the serialized response."""
        if self.proc is None:
            self.start()
        try:
            self.proc.stdin.write(struct.pack("<I", len(request_bytes)) + request_bytes)
            self.proc.stdin.flush()
            deadline = time.monotonic() + self.timeout
            (size,) = struct.unpack("<I", self._read_exact(4, deadline))
            return self._read_exact(size, deadline)
        except (TesteeError, OSError) as exc:
            self._kill()
            self.restarts += 1
            raise TesteeError(str(exc)) from exc


# Invalid JSON that Python's json_format (this stand-in) wrongly accepts.
PYTHON_ACCEPTS = {"duplicate key via proto name", "invalid base64", "not an object"}


class PythonTestee:
    """Stand-in for --python-only: answers like a testee using json_format."""

    def __init__(self, schema):
        self.schema = schema

    def call(self, request_bytes):
        # Special cases below mirror what a real testee must do; the FLT_MAX
        # case is special-cased because json_format can't parse 3.4028235e38.
        req = self.schema.new("conformance.ConformanceRequest")
        req.ParseFromString(request_bytes)
        resp = self.schema.new("conformance.ConformanceResponse")
        which = req.WhichOneof("payload")
        if which in ("jspb_payload", "text_payload") or req.requested_output_format in (WF_JSPB, WF_TEXT):
            resp.skipped = "unsupported"
            return resp.SerializeToString()
        if req.message_type == "conformance.FailureSet":
            resp.protobuf_payload = b""
            return resp.SerializeToString()
        msg = self.schema.new(req.message_type)
        try:
            if which == "protobuf_payload":
                msg.ParseFromString(req.protobuf_payload)
            else:
                json_format.Parse(req.json_payload, msg, descriptor_pool=self.schema.pool,
                                  ignore_unknown_fields=req.test_category == CAT_JSON_IGNORE_UNKNOWN)
        except Exception as exc:
            resp.parse_error = str(exc)
            return resp.SerializeToString()
        try:
            if req.requested_output_format == WF_JSON:
                resp.json_payload = json_format.MessageToJson(msg, descriptor_pool=self.schema.pool)
            else:
                resp.protobuf_payload = msg.SerializeToString()
        except Exception as exc:
            resp.serialize_error = str(exc)
        return resp.SerializeToString()

    def stop(self):
        return 0


# --------------------------------------------------------------------------
# The run

class Runner:
    def __init__(self, schema, testee, seed, max_reports):
        self.schema = schema
        self.pool = schema.pool
        self.testee = testee
        self.seed = seed
        self.max_reports = max_reports
        self.passed = 0
        self.failed = 0
        self.reported = 0
        self.lax_reference = isinstance(testee, PythonTestee)

    # -- plumbing --
    def request(self, message_type, output_format, category, **payload):
        req = self.schema.new("conformance.ConformanceRequest")
        req.message_type = message_type
        req.requested_output_format = output_format
        req.test_category = category
        for key, value in payload.items():
            setattr(req, key, value)
        try:
            raw = self.testee.call(req.SerializeToString())
        except TesteeError as exc:
            return None, f"testee failure: {exc}"
        resp = self.schema.new("conformance.ConformanceResponse")
        try:
            resp.ParseFromString(raw)
        except Exception as exc:
            return None, f"unparseable ConformanceResponse ({exc}): {raw[:200]!r}"
        return resp, None

    @staticmethod
    def describe(resp):
        which = resp.WhichOneof("result")
        if which is None:
            return "empty ConformanceResponse"
        value = getattr(resp, which)
        return f"{which}: {_short(value, 2000)}"

    def ok(self):
        self.passed += 1

    def fail(self, case, message_type, input_text, problem, got=None):
        self.failed += 1
        self.reported += 1
        if self.reported > self.max_reports:
            if self.reported == self.max_reports + 1:
                print(f"(more failures; only counting them from now on, see --max-reports)")
            return
        print(f"FAIL seed={self.seed} case={case} type={message_type}")
        print(f"  problem: {problem}")
        if input_text is not None:
            text = input_text if len(input_text) < 6000 else input_text[:6000] + "\n...(cut)"
            print("  input:\n    " + text.rstrip("\n").replace("\n", "\n    "))
        if got is not None:
            print(f"  got: {got}")
        sys.stdout.flush()

    def text_of(self, msg):
        try:
            return text_format.MessageToString(msg, descriptor_pool=self.pool, print_unknown_fields=True)
        except Exception as exc:
            return f"<text_format failed: {exc}> {msg!r}"

    # -- checks --
    def check_binary_to_json(self, case, msg, compare_message=True):
        name = msg.DESCRIPTOR.full_name
        resp, err = self.request(name, WF_JSON, CAT_BINARY, protobuf_payload=msg.SerializeToString())
        what = "binary -> JSON"
        if err:
            return self.fail(case, name, self.text_of(msg), f"{what}: {err}")
        if resp.WhichOneof("result") != "json_payload":
            return self.fail(case, name, self.text_of(msg), f"{what}: expected json_payload", self.describe(resp))
        ours = resp.json_payload
        try:
            our_doc = strict_json_loads(ours)
        except (ValueError, JSONFormatError) as exc:
            return self.fail(case, name, self.text_of(msg), f"{what}: output is not valid JSON ({exc})", ours)
        ref_doc = reference_json(msg, self.pool)
        d = diff_json(ref_doc, our_doc)
        if d:
            return self.fail(case, name, self.text_of(msg), f"{what}: JSON differs from reference at {d}", ours)
        if compare_message:
            back = self.schema.new(name)
            try:
                json_format.Parse(ours, back, descriptor_pool=self.pool)
            except Exception as exc:
                return self.fail(case, name, self.text_of(msg), f"{what}: reference cannot parse our JSON ({exc})", ours)
            d = diff_messages(self.schema, msg, back)
            if d:
                return self.fail(case, name, self.text_of(msg), f"{what}: parsed back differently at {d}", ours)
        self.ok()

    def check_json_to_binary(self, case, name, json_text, expected, category=CAT_JSON):
        """Send JSON; the binary answer must parse to `expected`."""
        resp, err = self.request(name, WF_PROTOBUF, category, json_payload=json_text)
        what = "JSON -> binary"
        if err:
            return self.fail(case, name, json_text, f"{what}: {err}")
        if resp.WhichOneof("result") != "protobuf_payload":
            return self.fail(case, name, json_text, f"{what}: expected protobuf_payload", self.describe(resp))
        back = self.schema.new(name)
        try:
            back.ParseFromString(resp.protobuf_payload)
        except Exception as exc:
            return self.fail(case, name, json_text, f"{what}: reference cannot parse our binary ({exc})",
                             resp.protobuf_payload.hex())
        d = diff_messages(self.schema, expected, back)
        if d:
            return self.fail(case, name, json_text, f"{what}: decoded differently at {d}",
                             self.text_of(back))
        self.ok()

    def check_roundtrips(self, case, msg):
        self.check_binary_to_json(case, msg)
        json_text = json_format.MessageToJson(msg, descriptor_pool=self.pool)
        self.check_json_to_binary(case, msg.DESCRIPTOR.full_name, json_text, msg)

    def check_parse_error(self, case, name, label, **payload):
        if "json_payload" in payload:
            resp, err = self.request(name, WF_PROTOBUF, CAT_JSON, **payload)
            shown = payload["json_payload"]
        else:
            resp, err = self.request(name, WF_JSON, CAT_BINARY, **payload)
            shown = "protobuf_payload hex: " + payload["protobuf_payload"].hex()
        if err:
            return self.fail(case, name, shown, f"{label}: {err}")
        if resp.WhichOneof("result") != "parse_error":
            return self.fail(case, name, shown, f"{label}: expected parse_error", self.describe(resp))
        self.ok()

    def check_skipped(self, case, label, output_format, category, **payload):
        resp, err = self.request(PROTO3, output_format, category, **payload)
        if err:
            return self.fail(case, PROTO3, repr(payload), f"{label}: {err}")
        if resp.WhichOneof("result") != "skipped":
            return self.fail(case, PROTO3, repr(payload), f"{label}: expected skipped", self.describe(resp))
        self.ok()

    def check_failure_set(self, case):
        name = "conformance.FailureSet"
        resp, err = self.request(name, WF_PROTOBUF, CAT_BINARY, protobuf_payload=b"")
        if err:
            return self.fail(case, name, "", f"FailureSet: {err}")
        if resp.WhichOneof("result") != "protobuf_payload":
            return self.fail(case, name, "", "FailureSet: expected protobuf_payload", self.describe(resp))
        fs = self.schema.new(name)
        try:
            fs.ParseFromString(resp.protobuf_payload)
        except Exception as exc:
            return self.fail(case, name, "", f"FailureSet: unparseable ({exc})", resp.protobuf_payload.hex())
        if list(fs.failure):
            return self.fail(case, name, "", "FailureSet: expected no listed failures", list(fs.failure))
        self.ok()

    # -- hand cases --
    def hand_cases(self):
        """Fixed cases, run before the random ones. Case ids are 'h<n>'."""
        n = 0

        def cid():
            nonlocal n
            n += 1
            return f"h{n}"

        self.check_failure_set(cid())
        self.check_skipped(cid(), "JSPB request", WF_JSPB, CAT_JSPB, jspb_payload="[]")
        self.check_skipped(cid(), "JSPB output", WF_JSPB, CAT_JSPB, protobuf_payload=b"")
        self.check_skipped(cid(), "TEXT_FORMAT request", WF_TEXT, CAT_TEXT, text_payload="optional_int32: 1")
        self.check_skipped(cid(), "TEXT_FORMAT output", WF_TEXT, CAT_TEXT, protobuf_payload=b"")

        types = [t for t in TARGET_TYPES if self.schema.has(t)]
        for t in types:
            # Empty message.
            self.check_roundtrips(cid(), self.schema.new(t))
            # Every singular scalar / enum field set to its default value.
            m = self.schema.new(t)
            for fd in m.DESCRIPTOR.fields:
                if (not fd.is_repeated and fd.type not in (FD.TYPE_MESSAGE, FD.TYPE_GROUP)
                        and fd.containing_oneof is None):
                    setattr(m, fd.name, fd.default_value)
            self.check_roundtrips(cid(), m)
            # Non-finite floats (NaN only here: random cases avoid it).
            for fname, value in [("optional_float", math.nan), ("optional_double", math.nan),
                                 ("optional_float", math.inf), ("optional_double", -math.inf),
                                 ("optional_float", -0.0), ("optional_double", -0.0),
                                 ("optional_double", 5e-324)]:
                m = self.schema.new(t)
                setattr(m, fname, value)
                self.check_roundtrips(cid(), m)
            # FLT_MAX: Python can print it but not read its own output back,
            # so compare the JSON only, and build the expected binary by hand.
            m = self.schema.new(t)
            m.optional_float = FLT_MAX
            m.repeated_float.extend([-FLT_MAX, FLT_MAX])
            self.check_binary_to_json(cid(), m, compare_message=False)
            if not self.lax_reference:
                self.check_json_to_binary(
                        cid(), t, '{"optionalFloat": 3.4028235e38, "repeatedFloat": [-3.4028234663852886e38, '
                    '"3.4028235e+38"]}', m)
            m = self.schema.new(t)
            m.repeated_float.extend([math.nan, math.inf, -math.inf, -0.0, 1.401298464324817e-45])
            m.repeated_double.extend([math.nan, math.inf, -math.inf, -0.0, 5e-324])
            m.map_int32_double[1] = math.nan
            m.map_int32_float[-1] = -math.inf
            self.check_roundtrips(cid(), m)
            # JSON name fields.
            m = self.schema.new(t)
            for i, fname in enumerate(["field_name1", "fieldName2", "_field_name3", "field__name4_",
                                       "field0name5", "field_0_name6", "FIELD_NAME7", "Field_Name8",
                                       "json_named_int32"]):
                setattr(m, fname, i + 1)
            self.check_roundtrips(cid(), m)
            # Groups and extensions (proto2 flavours).
            if "AllTypesProto2" in t:
                pkg = t.rsplit(".", 1)[0]
                m = self.schema.new(t)
                m.data.group_int32 = -5
                m.data.group_uint32 = 4000000000
                m.repeateddata.add().repeated_group_int32 = 1
                m.repeateddata.add().repeated_group_string = "x"
                m.Extensions[self.pool.FindExtensionByName(pkg + ".extension_int32")] = 7
                m.Extensions[self.pool.FindExtensionByName(pkg + ".extension_foreign_message")].c = 8
                m.Extensions[self.pool.FindExtensionByName(pkg + ".ExtensionScope.scoped_extension_string")] = "s"
                req = m.with_required
                req.required_int32, req.required_string = 0, ""
                req.required_nested_message.SetInParent()
                self.check_roundtrips(cid(), m)

        if self.schema.has(PROTO3):
            wkt = self.wkt_hand_cases()
            for m in wkt:
                self.check_roundtrips(cid(), m)
            # Python's json_format can't read `[null]` back, so this one is
            # only compared as JSON.
            m = self.schema.new(PROTO3)
            m.repeated_null_value.extend([0, 0])
            self.check_binary_to_json(cid(), m, compare_message=False)
            self.valid_json_cases(cid)
            self.invalid_json_cases(cid)
            self.invalid_binary_cases(cid)

    def wkt_hand_cases(self):
        out = []
        new = lambda: self.schema.new(PROTO3)  # noqa: E731
        m = new()
        m.optional_float_wrapper.value = math.nan
        m.optional_double_wrapper.value = math.nan
        out.append(m)
        m = new()
        m.optional_float_wrapper.value = math.inf
        m.optional_double_wrapper.value = -math.inf
        m.repeated_double_wrapper.add().value = math.nan
        m.repeated_float_wrapper.add().value = -math.inf
        out.append(m)
        m = new()  # Wrappers holding default values are still present.
        for w in ["bool", "int32", "int64", "uint32", "uint64", "float", "double", "string", "bytes"]:
            getattr(m, f"optional_{w}_wrapper").SetInParent()
            getattr(m, f"repeated_{w}_wrapper").add()
        m.optional_empty.SetInParent()
        m.optional_struct.SetInParent()
        m.optional_list_value.SetInParent()
        m.optional_field_mask.SetInParent()
        m.optional_timestamp.SetInParent()
        m.optional_duration.SetInParent()
        m.optional_value.null_value = 0
        m.oneof_null_value = 0
        out.append(m)
        m = new()  # Open enums with unknown numbers.
        m.optional_nested_enum = 12345
        m.optional_foreign_enum = -7
        m.repeated_nested_enum.extend([1, 99, -1, 2])
        m.map_string_nested_enum["k"] = 77
        m.oneof_enum = 1000
        out.append(m)
        m = new()  # Enum alias: the first name (BAZ) is the JSON spelling.
        m.optional_nested_enum = 2
        m.repeated_nested_enum.extend([2, -1])
        out.append(m)
        m = new()  # Extreme timestamps and durations.
        m.optional_timestamp.seconds = -62135596800
        m.optional_duration.seconds, m.optional_duration.nanos = -315576000000, 0
        ts = m.repeated_timestamp.add()
        ts.seconds, ts.nanos = 253402300799, 999999999
        du = m.repeated_duration.add()
        du.seconds, du.nanos = 0, -500000000
        du = m.repeated_duration.add()
        du.seconds, du.nanos = 1, 10000
        out.append(m)
        return out

    def valid_json_cases(self, cid):
        """Hand-written JSON inputs; expected result: Python's parse of them."""
        inputs = [
            '{}',
            ' { "optionalInt32" : 1 } ',
            '{"optional_int32": 3, "FIELDNAME7": 1, "field_name1": 2, "customJsonName": 4}',
            '{"json_named_int32": 5, "fieldName1": 6, "FieldName3": 7, "fieldName4": 8}',
            '{"optionalInt64": "-9223372036854775808", "optionalUint64": "18446744073709551615"}',
            '{"optionalInt64": -9007199254740991, "optionalUint32": 4294967295}',
            '{"optionalInt32": "-2147483648", "optionalSint64": "123"}',
            '{"optionalInt32": 1e2, "optionalUint64": 1.0e1}',
            '{"optionalFloat": "1.5", "optionalDouble": "-Infinity", "repeatedFloat": ["NaN", 1, "2e3"]}',
            # "-0.0", not "-0": Python reads the integer token -0 as 0, Darwaza as IEEE -0.0.
            '{"optionalDouble": 1e-400, "optionalFloat": -0.0}',
            '{"optionalBool": true, "optionalString": "\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/"}',
            '{"optionalBytes": "-_8=", "repeatedBytes": ["AQID", "", "/w=="]}',
            '{"optionalNestedEnum": 2, "optionalForeignEnum": "FOREIGN_BAZ", "repeatedNestedEnum": ["NEG", 5]}',
            '{"optionalNestedEnum": "BAZ_ALIAS"}',
            '{"mapInt32Int32": {"-1": 2}, "mapBoolBool": {"true": false}, "mapStringBytes": {"": ""}}',
            '{"oneofNullValue": null}',
            '{"optionalInt32": null, "optionalNestedMessage": null, "repeatedInt32": null, "mapStringString": null}',
            '{"optionalValue": null, "optionalStruct": {"a": [1, "x", null, {"b": true}]}}',
            '{"optionalTimestamp": "1970-01-01T00:00:00.5+01:30", "optionalDuration": "-0.000000001s"}',
            '{"optionalTimestamp": "0001-01-01T00:00:00Z", "repeatedTimestamp": ["9999-12-31T23:59:59.999999999Z"]}',
            '{"optionalFieldMask": "fooBar,baz.quxQuux", "repeatedFieldmask": [""]}',
            '{"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}}',
            '{"optionalAny": {"optionalInt32": 1, "@type": "type.googleapis.com/darwaza.testing.proto3.AllTypesProto3"}}',
            # Empty has no special JSON form, so inside Any it is a plain message.
            '{"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Empty"}}',
            '{"optionalInt32Wrapper": 5, "optionalStringWrapper": "", "optionalBoolWrapper": false}',
            '{"optionalEmpty": {}, "repeatedEmpty": [{}, {}], "optionalListValue": []}',
        ]
        for text in inputs:
            expected = self.schema.new(PROTO3)
            try:
                json_format.Parse(text, expected, descriptor_pool=self.pool)
            except Exception as exc:  # the reference itself disagrees: say so, don't count
                print(f"note: reference rejects hand JSON case {text!r}: {exc}")
                continue
            self.check_json_to_binary(cid(), PROTO3, text, expected)
        # Unknown fields are fine when the category says so.
        text = '{"unknownField": {"x": [1, 2]}, "optionalInt32": 5, "unknownEnum": "NOPE"}'
        expected = self.schema.new(PROTO3)
        expected.optional_int32 = 5
        self.check_json_to_binary(cid(), PROTO3, text, expected, category=CAT_JSON_IGNORE_UNKNOWN)

    def invalid_json_cases(self, cid):
        cases = [
            ("trailing comma", '{"optionalInt32": 1,}'),
            ("leading zero", '{"optionalInt32": 01}'),
            ("duplicate key", '{"optionalInt32": 1, "optionalInt32": 2}'),
            ("duplicate key via proto name", '{"optionalInt32": 1, "optional_int32": 2}'),
            ("two oneof members", '{"oneofUint32": 1, "oneofString": "x"}'),
            ("int32 out of range", '{"optionalInt32": 2147483648}'),
            ("uint32 negative", '{"optionalUint32": -1}'),
            ("int64 out of range", '{"optionalInt64": "9223372036854775808"}'),
            ("fraction for an int", '{"optionalInt32": 1.5}'),
            ("unpaired surrogate", '{"optionalString": "\\ud800"}'),
            ("invalid base64", '{"optionalBytes": "!!!"}'),
            ("timestamp without Z", '{"optionalTimestamp": "1970-01-01T00:00:00"}'),
            ("timestamp lowercase t", '{"optionalTimestamp": "1970-01-01t00:00:00Z"}'),
            ("timestamp lowercase z", '{"optionalTimestamp": "1970-01-01T00:00:00z"}'),
            ("duration without s", '{"optionalDuration": "1"}'),
            ("unknown field", '{"unknownField": 1}'),
            ("unknown enum name", '{"optionalNestedEnum": "NOT_A_VALUE"}'),
            ("int with trailing space", '{"optionalInt32": "1 "}'),
            ("not an object", '[]'),
            ("truncated", '{"optionalInt32": 1'),
            ("bare word", '{"optionalBool": True}'),
            ("NaN literal", '{"optionalDouble": NaN}'),
            ("string for a bool", '{"optionalBool": "true"}'),
            ("single quotes", "{'optionalInt32': 1}"),
        ]
        for label, text in cases:
            if self.lax_reference and label in PYTHON_ACCEPTS:
                print(f"note: skipping invalid JSON ({label}): the Python stand-in accepts it")
                continue
            self.check_parse_error(cid(), PROTO3, f"invalid JSON ({label})", json_payload=text)

    def invalid_binary_cases(self, cid):
        def varint(v):
            out = bytearray()
            while True:
                b = v & 0x7F
                v >>= 7
                if v:
                    out.append(b | 0x80)
                else:
                    out.append(b)
                    return bytes(out)

        cases = [
            (PROTO3, "truncated varint", b"\x08\x80"),
            (PROTO3, "truncated tag", b"\x80"),
            (PROTO3, "length past the end", b"\x72\x05ab"),
            (PROTO3, "truncated fixed64", b"\x41\x00\x00"),
            (PROTO3, "wire type 6", b"\x0e\x00"),
            (PROTO3, "wire type 7", b"\x0f\x00"),
            (PROTO3, "field number 0", b"\x00\x01"),
            (PROTO3, "invalid UTF-8 in a proto3 string", b"\x72\x02\xc3\x28"),
            (PROTO3, "unterminated unknown group", varint((1000 << 3) | 3) + b"\x08\x01"),
            (PROTO3, "11-byte varint", b"\x08" + b"\xff" * 10 + b"\x01"),
            (PROTO3, "stray end group", varint((1000 << 3) | 4)),
        ]
        if self.schema.has(PROTO2):
            cases += [
                (PROTO2, "unterminated group", varint((201 << 3) | 3) + b"\xd0\x0c\x01"),
                (PROTO2, "group closed by wrong number", varint((201 << 3) | 3) + varint((202 << 3) | 4)),
            ]
        for name, label, data in cases:
            self.check_parse_error(cid(), name, f"invalid binary ({label})", protobuf_payload=data)

    # -- random cases --
    def random_cases(self, count, deadline):
        rng = random.Random(self.seed)
        gen = Generator(self.schema, rng)
        types = [t for t in TARGET_TYPES if self.schema.has(t)]
        done = 0
        for i in range(count):
            if time.monotonic() > deadline:
                print(f"stopping after {done} random cases: --max-seconds reached")
                break
            name = rng.choice(types)
            gen.density = rng.choice([0.02, 0.08, 0.2, 0.4])
            msg = gen.fill(self.schema.new(name))
            self.check_roundtrips(i, msg)
            done += 1
        return done


def self_check(schema, seed, count):
    """--python-only: generator output must survive Python's own JSON trip."""
    rng = random.Random(seed)
    gen = Generator(schema, rng)
    types = [t for t in TARGET_TYPES if schema.has(t)]
    bad = 0
    for i in range(count):
        name = rng.choice(types)
        gen.density = rng.choice([0.02, 0.08, 0.2, 0.4])
        msg = gen.fill(schema.new(name))
        try:
            data = msg.SerializeToString()
            text = json_format.MessageToJson(msg, descriptor_pool=schema.pool)
            back = json_format.Parse(text, schema.new(name), descriptor_pool=schema.pool)
            again = schema.new(name)
            again.ParseFromString(back.SerializeToString())
            d = diff_messages(schema, msg, again)
            d = d or diff_messages(schema, msg, schema.cls(name).FromString(data))
        except Exception as exc:
            d = f"exception {type(exc).__name__}: {exc}"
        if d:
            bad += 1
            if bad <= 10:
                print(f"SELF-CHECK FAIL seed={seed} case={i} type={name}: {d}")
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--testee", help="testee command (path, optionally with arguments)")
    ap.add_argument("--descriptors", default=DEFAULT_DESCRIPTORS,
                    help="FileDescriptorSet for Python and the testee (default: %(default)s)")
    ap.add_argument("--cases", type=int, default=3000, help="random cases (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    ap.add_argument("--max-seconds", type=float, default=300.0,
                    help="stop starting new random cases after this long (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="seconds to wait for one answer (default: %(default)s)")
    ap.add_argument("--max-reports", type=int, default=50,
                    help="print details of at most this many failures (default: %(default)s)")
    ap.add_argument("--no-hand-cases", action="store_true", help="only run random cases")
    ap.add_argument("--python-only", action="store_true",
                    help="no testee: check the generator against Python's json_format, and run "
                         "every case against a Python stand-in testee")
    args = ap.parse_args(argv)

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"seed: {seed}")
    sys.stdout.flush()
    schema = Schema(args.descriptors)
    if not schema.has("conformance.ConformanceRequest"):
        ap.error(f"{args.descriptors} lacks conformance.proto")
    started = time.monotonic()
    deadline = started + args.max_seconds

    if args.python_only:
        bad = self_check(schema, seed, args.cases)
        print(f"generator self-check: {args.cases - bad} of {args.cases} messages round-trip in Python")
        testee = PythonTestee(schema)
    else:
        if not args.testee:
            ap.error("--testee is required (or use --python-only)")
        testee = Testee(args.testee, args.descriptors, args.timeout)

    runner = Runner(schema, testee, seed, args.max_reports)
    if not args.no_hand_cases:
        runner.hand_cases()
    hand = runner.passed + runner.failed
    done = runner.random_cases(args.cases, deadline)
    exit_code = testee.stop()
    if exit_code not in (0, None):
        runner.failed += 1
        print(f"FAIL seed={seed}: testee exited with status {exit_code} at end of input")
    elapsed = time.monotonic() - started
    restarts = getattr(testee, "restarts", 0)
    print(f"{hand} hand checks, {done} random cases (2 checks each), {elapsed:.1f}s, "
          f"testee restarts: {restarts}, seed {seed}")
    print(f"{runner.passed} passed, {runner.failed} failed")
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
