import ProtoJSON

/// The descriptor set that every gateway pool falls back on: `google.api` (rules, HttpBody)
/// and `google.rpc` (Status and the error details), so that error details always render and
/// annotations always decode, whatever the user's sets include.
public enum BuiltinDescriptors {
    /// The set, named `built-in google.api and google.rpc` in errors.
    public static let set: (source: String, bytes: [UInt8]) = (
        "built-in google.api and google.rpc",
        Base64.decode(BuiltinDescriptorData.base64.filter { !$0.isNewline }) ?? []
    )
}
