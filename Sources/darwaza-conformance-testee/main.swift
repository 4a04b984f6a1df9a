// The protobuf conformance testee: length-prefixed ConformanceRequests on standard input,
// ConformanceResponses on standard output. Every message it reads or writes, the protocol's
// own included, is handled through descriptors from DARWAZA_TESTEE_DESCRIPTORS alone.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProtoJSON
import ProtoSchema

/// Prints a one-line reason on standard error and exits with status 2.
func fail(_ reason: String) -> Never {
    let line = Array("darwaza-conformance-testee: \(reason)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

guard let path = getenv("DARWAZA_TESTEE_DESCRIPTORS").map({ String(cString: $0) }) else {
    fail("set DARWAZA_TESTEE_DESCRIPTORS to a FileDescriptorSet file")
}
let testee: ConformanceTestee
do {
    testee = try ConformanceTestee(pool: DescriptorPool(paths: [path]))
} catch {
    fail("\(error)")
}
while let request = FramedIO.readFrame() {
    FramedIO.writeFrame(testee.respond(to: request))
}
exit(0)
