// Benchmarks, run in release mode: `swift run -c release darwaza-bench codec`.
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "codec":
    CodecBenchmark.run(descriptors: arguments.dropFirst().first ?? "proto/descriptors/payments.binpb")
default:
    print("usage: darwaza-bench codec [DESCRIPTOR_SET]")
    exit(2)
}
