import NIOHPACK
import Transcoding

/// Receives what a backend call produces, always on the call's event loop: the response
/// headers, each message, and exactly one `finished`.
public protocol UpstreamCallObserver: AnyObject {
    /// The backend's response headers (its initial metadata).
    func upstreamReceived(headers: HPACKHeaders)
    /// One response message.
    func upstreamReceived(message: [UInt8])
    /// The end of the call: OK or an error, and the trailers (empty for local failures).
    func upstreamFinished(status: RPCStatus, trailers: HPACKHeaders)
}
