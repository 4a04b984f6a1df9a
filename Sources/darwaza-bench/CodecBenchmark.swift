import CMallocCounter
import ProtoJSON
import ProtoSchema

#if canImport(Glibc)
import Glibc
#endif

/// Measures the codec on realistic payment messages: MB/s of JSON and ns per message in each
/// direction, and heap allocations per message.
enum CodecBenchmark {
    static func run(descriptors: String) {
        let pool: DescriptorPool
        do {
            pool = try DescriptorPool(paths: [descriptors])
        } catch {
            print("darwaza-bench: \(error)")
            exit(2)
        }
        guard let index = pool.messageIndex(named: "payments.v1.Payment") else {
            print("darwaza-bench: \(descriptors) lacks payments.v1.Payment")
            exit(2)
        }
        let codec = ProtoJSONCodec(pool: pool)
        print("message                   direction       JSON bytes     MB/s    ns/msg  allocs/msg")
        for (name, lineItems) in [("payment-0-items", 0), ("payment-3-items", 3), ("payment-45-items", 45)] {
            let json = PaymentCorpus.json(lineItems: lineItems)
            let binary: [UInt8]
            do {
                binary = try codec.binary(fromJSON: json, messageIndex: index)
            } catch {
                print("darwaza-bench: corpus message rejected: \(error)")
                exit(1)
            }
            measure(name, "JSON->binary", jsonBytes: json.count) {
                _ = try? codec.binary(fromJSON: json, messageIndex: index)
            }
            measure(name, "binary->JSON", jsonBytes: json.count) {
                _ = try? codec.json(fromBinary: binary, messageIndex: index)
            }
        }
    }

    /// Runs `body` for about a second after a warm-up and prints one result line.
    private static func measure(_ name: String, _ direction: String, jsonBytes: Int, _ body: () -> Void) {
        for _ in 0..<1000 { body() }
        var iterations = 0
        let start = now()
        let allocationsBefore = darwaza_allocation_count()
        var elapsed = 0.0
        repeat {
            for _ in 0..<200 { body() }
            iterations += 200
            elapsed = now() - start
        } while elapsed < 1.0
        let allocations = Double(darwaza_allocation_count() - allocationsBefore) / Double(iterations)
        let nanos = elapsed * 1e9 / Double(iterations)
        let megabytes = Double(jsonBytes) * Double(iterations) / elapsed / 1e6
        print(
            pad(name, 26) + pad(direction, 14) + pad(String(jsonBytes), 12, left: true)
                + pad(String(format1(megabytes)), 9, left: true) + pad(String(Int(nanos)), 10, left: true)
                + pad(format1(allocations), 12, left: true))
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }
}
