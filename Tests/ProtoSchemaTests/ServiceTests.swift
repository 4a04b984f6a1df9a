import ProtoSchema
import SwiftProtobuf
import Testing

/// Services and methods: message types, streaming shape, gRPC path and raw options.
@Suite("Services")
struct ServiceTests {
    /// The payments service and its methods in declaration order.
    @Test func paymentService() throws {
        let pool = try SchemaFixtures.payments.get()
        let service = try #require(pool.service(named: "payments.v1.PaymentService"))
        #expect(service.fileName == "payments/v1/payments.proto")
        #expect(service.methods.map(\.name) == ["CreatePayment", "GetPayment", "ListPayments", "CapturePayment", "RefundPayment", "WatchPayment"])
        #expect(pool.services.map(\.fullName) == ["payments.v1.PaymentService"])
        #expect(pool.service(named: "PaymentService") == nil)
    }

    /// A method's types, flags, names and path.
    @Test(arguments: [
        ("CreatePayment", "payments.v1.CreatePaymentRequest", "payments.v1.Payment", false, "82d3e4930217220c2f76312f7061796d656e74733a077061796d656e74"),
        ("ListPayments", "payments.v1.ListPaymentsRequest", "payments.v1.ListPaymentsResponse", false, "82d3e493020e120c2f76312f7061796d656e7473"),
        ("WatchPayment", "payments.v1.WatchPaymentRequest", "payments.v1.PaymentEvent", true, "82d3e493021d121b2f76312f7b6e616d653d7061796d656e74732f2a7d3a7761746368"),
    ])
    func method(name: String, input: String, output: String, serverStreaming: Bool, options: String) throws {
        let pool = try SchemaFixtures.payments.get()
        let method = try #require(pool.method(named: "payments.v1.PaymentService.\(name)"))
        #expect(method.name == name)
        #expect(method.fullName == "payments.v1.PaymentService.\(name)")
        #expect(method.serviceName == "payments.v1.PaymentService")
        #expect(method.path == "/payments.v1.PaymentService/\(name)")
        #expect(pool.messages[method.inputIndex].fullName == input)
        #expect(pool.messages[method.outputIndex].fullName == output)
        #expect(!method.clientStreaming)
        #expect(method.serverStreaming == serverStreaming)
        #expect(method.optionsBytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() == options)
    }

    /// Unknown method names find nothing.
    @Test func unknownMethods() throws {
        let pool = try SchemaFixtures.payments.get()
        #expect(pool.method(named: "payments.v1.PaymentService.Nope") == nil)
        #expect(pool.method(named: "CreatePayment") == nil)
        #expect(pool.method(named: "/payments.v1.PaymentService/CreatePayment") == nil)
    }

    /// Client and bidirectional streaming, relative type names, no package and no options.
    @Test func streamingShapes() throws {
        var service = Google_Protobuf_ServiceDescriptorProto()
        service.name = "Chat"
        service.method = [("Upload", true, false), ("Talk", true, true), ("Ping", false, false)].map { name, client, server in
            var method = Google_Protobuf_MethodDescriptorProto()
            method.name = name
            method.inputType = "Note"  // relative to the service's scope
            method.outputType = ".Note"
            method.clientStreaming = client
            method.serverStreaming = server
            return method
        }
        let pool = try SchemaFixtures.pool([
            SchemaFixtures.file("chat.proto", package: "", messages: [SchemaFixtures.message("Note")], services: [service])
        ])
        let methods = try #require(pool.service(named: "Chat")?.methods)
        #expect(methods.map(\.clientStreaming) == [true, true, false])
        #expect(methods.map(\.serverStreaming) == [false, true, false])
        #expect(methods.map(\.path) == ["/Chat/Upload", "/Chat/Talk", "/Chat/Ping"])
        #expect(methods.map { pool.messages[$0.inputIndex].fullName } == ["Note", "Note", "Note"])
        #expect(methods.map(\.outputIndex) == methods.map(\.inputIndex))
        #expect(methods.map(\.optionsBytes) == [[], [], []])
        #expect(pool.method(named: "Chat.Talk") === methods[1])
    }
}
