/// Deterministic payment messages in JSON: nested messages, repeated line items, a map,
/// Timestamps, enums and 64-bit integers, sized by the number of line items.
enum PaymentCorpus {
    static func json(lineItems: Int) -> [UInt8] {
        var items: [String] = []
        for item in 0..<lineItems {
            items.append(
                """
                {"sku":"SKU-\(10_000 + item)","description":"Item \(item): stainless steel bottle, 750 ml",\
                "quantity":\(item % 5 + 1),"unitPrice":{"currencyCode":"EUR","units":"\(12 + item)","nanos":990000000},\
                "tax":{"currencyCode":"EUR","units":"2","nanos":470000000}}
                """)
        }
        var history: [String] = []
        for (step, status) in ["CREATED", "AUTHORIZED", "CAPTURED"].enumerated() {
            history.append(
                """
                {"status":"\(status)","time":"2026-11-27T10:0\(step):1\(step).123456Z","reason":"step \(step)"}
                """)
        }
        let text = """
            {"name":"payments/pay_7Hq2xK9mZ","id":"pay_7Hq2xK9mZ",\
            "amount":{"currencyCode":"EUR","units":"1249","nanos":500000000},"status":"CAPTURED",\
            "customer":{"name":"Ada Lovelace","email":"ada@example.com",\
            "address":{"lines":["12 Analytical Way","Flat 3"],"city":"London","postalCode":"N1 9GU","countryCode":"GB"}},\
            "lineItems":[\(items.joined(separator: ","))],\
            "metadata":{"order_id":"ord_5512","channel":"web","campaign":"winter-sale"},\
            "createTime":"2026-11-27T10:00:00Z","updateTime":"2026-11-27T10:02:12.500Z",\
            "version":"9007199254740993","history":[\(history.joined(separator: ","))],\
            "card":{"brand":"visa","last4":"4242","expMonth":12,"expYear":2029},\
            "idempotencyKey":"idem-3f1c2a","livemode":true,"fxRate":1.0832}
            """
        return Array(text.utf8)
    }
}
