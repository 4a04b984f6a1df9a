#!/usr/bin/env python3
"""Derive `edition = 2023` copies of the all-types test schemas.

Reads the FileDescriptorSet written by scripts/generate-descriptors.sh
(proto/descriptors/all_types.binpb) and writes a new set
(proto/descriptors/all_types_editions.binpb) holding every input file
unchanged plus two extra files:

  darwaza/testing/all_types_editions_from_proto2.proto  (darwaza.testing.editions2)
  darwaza/testing/all_types_editions_from_proto3.proto  (darwaza.testing.editions3)

They are the proto2 / proto3 all-types files rewritten as editions files whose
features reproduce the original semantics exactly, so the codec's editions
code paths can be tested against the same data as the legacy syntaxes:

  from proto3: file field_presence = IMPLICIT; every `optional` field gets
               field_presence = EXPLICIT and its synthetic oneof is dropped;
               `[packed = false]` becomes repeated_field_encoding = EXPANDED.
  from proto2: file enum_type = CLOSED, repeated_field_encoding = EXPANDED,
               utf8_validation = NONE, json_format = LEGACY_BEST_EFFORT;
               `required` becomes field_presence = LEGACY_REQUIRED; groups
               become message fields with message_encoding = DELIMITED;
               `[packed = true]` becomes repeated_field_encoding = PACKED.

The protoc shipped by Debian (3.21) cannot compile editions files, so the
rewrite is done on descriptors. The result is checked by loading it into a
Python descriptor pool and round-tripping an empty message of every type
through binary and JSON.

Usage: python3 scripts/make_editions_variants.py [INPUT.binpb [OUTPUT.binpb]]
"""

import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

FDP = descriptor_pb2.FieldDescriptorProto
FeatureSet = descriptor_pb2.FeatureSet

DEFAULT_INPUT = "proto/descriptors/all_types.binpb"
DEFAULT_OUTPUT = "proto/descriptors/all_types_editions.binpb"

# (source file, new file, old package, new package)
VARIANTS = [
    (
        "darwaza/testing/all_types_proto2.proto",
        "darwaza/testing/all_types_editions_from_proto2.proto",
        "darwaza.testing.proto2",
        "darwaza.testing.editions2",
    ),
    (
        "darwaza/testing/all_types_proto3.proto",
        "darwaza/testing/all_types_editions_from_proto3.proto",
        "darwaza.testing.proto3",
        "darwaza.testing.editions3",
    ),
]


def rename_type(name, old_pkg, new_pkg):
    """Point a fully-qualified reference (".pkg.Type") at the new package."""
    old_prefix = "." + old_pkg + "."
    if name.startswith(old_prefix):
        return "." + new_pkg + "." + name[len(old_prefix):]
    return name


def convert_field(field, syntax, old_pkg, new_pkg):
    if field.type_name:
        field.type_name = rename_type(field.type_name, old_pkg, new_pkg)
    if field.extendee:
        field.extendee = rename_type(field.extendee, old_pkg, new_pkg)

    if syntax == "proto3":
        if field.proto3_optional:
            field.proto3_optional = False
            field.ClearField("oneof_index")  # re-set by the caller if needed
            field.options.features.field_presence = FeatureSet.EXPLICIT
    else:  # proto2
        if field.label == FDP.LABEL_REQUIRED:
            field.label = FDP.LABEL_OPTIONAL
            field.options.features.field_presence = FeatureSet.LEGACY_REQUIRED
        if field.type == FDP.TYPE_GROUP:
            field.type = FDP.TYPE_MESSAGE
            field.options.features.message_encoding = FeatureSet.DELIMITED

    # `packed` is not allowed in editions; say it with a feature instead.
    if field.HasField("options") and field.options.HasField("packed"):
        packed = field.options.packed
        field.options.ClearField("packed")
        field.options.features.repeated_field_encoding = (
            FeatureSet.PACKED if packed else FeatureSet.EXPANDED
        )
    if field.HasField("options") and field.options.ByteSize() == 0:
        field.ClearField("options")


def convert_message(msg, syntax, old_pkg, new_pkg):
    # Which oneofs are synthetic (proto3 `optional`)? Drop them and renumber
    # the real ones (protoc puts synthetic oneofs last, but don't rely on it).
    synthetic = set()
    if syntax == "proto3":
        synthetic = {f.oneof_index for f in msg.field if f.proto3_optional}
    remap = {}
    kept = []
    for i, decl in enumerate(msg.oneof_decl):
        if i not in synthetic:
            remap[i] = len(kept)
            kept.append(decl)

    for field in msg.field:
        old_oneof = field.oneof_index if field.HasField("oneof_index") else None
        convert_field(field, syntax, old_pkg, new_pkg)
        if old_oneof is not None and old_oneof in remap:
            field.oneof_index = remap[old_oneof]

    if synthetic:
        kept_copies = [descriptor_pb2.OneofDescriptorProto() for _ in kept]
        for copy, decl in zip(kept_copies, kept):
            copy.CopyFrom(decl)
        del msg.oneof_decl[:]
        msg.oneof_decl.extend(kept_copies)

    for ext in msg.extension:
        convert_field(ext, syntax, old_pkg, new_pkg)
    for nested in msg.nested_type:
        convert_message(nested, syntax, old_pkg, new_pkg)


def convert_file(src, new_name, old_pkg, new_pkg):
    out = descriptor_pb2.FileDescriptorProto()
    out.CopyFrom(src)
    syntax = src.syntax or "proto2"
    if syntax not in ("proto2", "proto3"):
        raise SystemExit(f"{src.name}: unexpected syntax {syntax!r}")
    if src.package != old_pkg:
        raise SystemExit(f"{src.name}: package {src.package!r}, expected {old_pkg!r}")

    out.name = new_name
    out.package = new_pkg
    out.syntax = "editions"
    out.edition = descriptor_pb2.EDITION_2023
    out.ClearField("source_code_info")

    features = out.options.features
    if syntax == "proto3":
        features.field_presence = FeatureSet.IMPLICIT
    else:
        features.enum_type = FeatureSet.CLOSED
        features.repeated_field_encoding = FeatureSet.EXPANDED
        features.utf8_validation = FeatureSet.NONE
        features.json_format = FeatureSet.LEGACY_BEST_EFFORT

    for msg in out.message_type:
        convert_message(msg, syntax, old_pkg, new_pkg)
    for ext in out.extension:
        convert_field(ext, syntax, old_pkg, new_pkg)
    return out


def _field_semantics(field):
    default = field.default_value
    if isinstance(default, float) and default != default:
        default = "nan"
    return (
        field.number,
        field.name,
        field.json_name,
        field.type,
        field.is_repeated,
        field.is_required,
        field.has_presence,
        field.is_packed,
        default,
        field.containing_oneof.name
        if field.containing_oneof and not _is_synthetic(field.containing_oneof)
        else None,
        field.enum_type.is_closed if field.enum_type else None,
        field.message_type.name if field.message_type else None,
    )


def check_same_semantics(pool, old_desc, new_desc):
    """Every field must behave as in the original (presence, packing, ...)."""
    old_fields = [_field_semantics(f) for f in old_desc.fields]
    new_fields = [_field_semantics(f) for f in new_desc.fields]
    for old, new in zip(old_fields, new_fields):
        if old != new:
            raise SystemExit(f"{new_desc.full_name}: field differs:\n  {old}\n  {new}")
    if len(old_fields) != len(new_fields):
        raise SystemExit(f"{new_desc.full_name}: field count differs")
    old_oneofs = [o.name for o in old_desc.oneofs if not _is_synthetic(o)]
    new_oneofs = [o.name for o in new_desc.oneofs]
    if old_oneofs != new_oneofs:
        raise SystemExit(f"{new_desc.full_name}: oneofs differ: {old_oneofs} vs {new_oneofs}")
    for old_nested in old_desc.nested_types:
        check_same_semantics(pool, old_nested, new_desc.nested_types_by_name[old_nested.name])


def _is_synthetic(oneof):
    return len(oneof.fields) == 1 and oneof.name == "_" + oneof.fields[0].name


def check_extensions(pool, old_fd, new_fd):
    old_exts = sorted(
        [e for e in old_fd.extensions_by_name.values()]
        + [e for m in old_fd.message_types_by_name.values() for e in m.extensions],
        key=lambda e: e.number,
    )
    for old in old_exts:
        new_name = old.full_name.replace(old_fd.package, new_fd.package, 1)
        new = pool.FindExtensionByName(new_name)
        if _field_semantics(old)[1:] != _field_semantics(new)[1:]:
            raise SystemExit(f"{new_name}: extension differs from {old.full_name}")
        if new.containing_type.full_name != old.containing_type.full_name.replace(
            old_fd.package, new_fd.package, 1
        ):
            raise SystemExit(f"{new_name}: wrong extendee {new.containing_type.full_name}")


def check_loads(fds):
    """Load every file into a fresh pool and poke every message type."""
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    count = 0
    for _, _, _, new_pkg in VARIANTS:
        for f in fds.file:
            if f.package != new_pkg:
                continue
            fd = pool.FindFileByName(f.name)
            old_fd = pool.FindFileByName(
                next(src for src, new, _, _ in VARIANTS if new == f.name)
            )
            for name, old_desc in old_fd.message_types_by_name.items():
                check_same_semantics(pool, old_desc, fd.message_types_by_name[name])
            check_extensions(pool, old_fd, fd)
            stack = list(fd.message_types_by_name.values())
            while stack:
                desc = stack.pop()
                stack.extend(desc.nested_types)
                if desc.GetOptions().map_entry:
                    continue
                cls = message_factory.GetMessageClass(desc)
                msg = cls()
                again = cls.FromString(msg.SerializePartialToString())
                json_format.Parse(json_format.MessageToJson(again), cls(), descriptor_pool=pool)
                count += 1
    return count


def main(argv):
    in_path = argv[1] if len(argv) > 1 else DEFAULT_INPUT
    out_path = argv[2] if len(argv) > 2 else DEFAULT_OUTPUT

    fds = descriptor_pb2.FileDescriptorSet()
    with open(in_path, "rb") as fh:
        fds.ParseFromString(fh.read())
    by_name = {f.name: f for f in fds.file}

    out = descriptor_pb2.FileDescriptorSet()
    out.file.extend(fds.file)
    for src_name, new_name, old_pkg, new_pkg in VARIANTS:
        if src_name not in by_name:
            raise SystemExit(f"{in_path}: missing {src_name}")
        if new_name in by_name:
            raise SystemExit(f"{in_path}: already contains {new_name}")
        out.file.append(convert_file(by_name[src_name], new_name, old_pkg, new_pkg))

    count = check_loads(out)
    with open(out_path, "wb") as fh:
        fh.write(out.SerializeToString(deterministic=True))
    print(f"wrote {out_path} ({len(out.file)} files; {count} editions message types checked)")


if __name__ == "__main__":
    main(sys.argv)
