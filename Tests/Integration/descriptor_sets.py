"""Loading a FileDescriptorSet file into a Python protobuf descriptor pool (no generated code)."""

from google.protobuf import descriptor_pb2, descriptor_pool


def load_pool(path):
    """A descriptor pool holding every file of the set at `path`."""
    with open(path, "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in fds.file:  # --include_imports lists dependencies first
        pool.AddSerializedFile(file.SerializeToString())
    return pool
