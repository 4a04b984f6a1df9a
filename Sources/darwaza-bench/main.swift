// Benchmarks, run in release mode: `swift run -c release darwaza-bench codec`; and a canned
// gRPC backend for the gateway benchmark: `darwaza-bench backend [PORT]`.
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "codec":
    CodecBenchmark.run(descriptors: arguments.dropFirst().first ?? "proto/descriptors/payments.binpb")
case "backend":
    try await BenchBackend.run(port: arguments.dropFirst().first.flatMap { Int($0) } ?? 0)
default:
    print("usage: darwaza-bench codec [DESCRIPTOR_SET] | darwaza-bench backend [PORT]")
    exit(2)
}
