import Foundation
import HTTPRules
import ProtoJSON
import ProtoSchema
import Transcoding

/// Everything computed once from the descriptor files, rules and configuration: the type
/// tables, the compiled routes and the per-method options. Immutable; requests only read it.
public final class GatewaySnapshot: Sendable {
    public let pool: DescriptorPool
    public let codec: ProtoJSONCodec
    public let routes: RouteTable
    public let requests: RequestBuilder
    public let responses: ResponseRenderer
    public let errors: ErrorBody
    private let defaultOptions: TranscodingOptions
    private let methodOptions: [String: TranscodingOptions]

    /// Loads and checks descriptors and rules; throws a one-line reason naming the file.
    /// `embeddedSets` are descriptor sets held in memory, loaded after the configured files.
    public init(configuration: GatewayConfiguration, embeddedSets: [(source: String, bytes: [UInt8])] = []) throws(GatewayError) {
        do throws(SchemaError) {
            var sets: [(source: String, bytes: [UInt8])] = []
            for path in configuration.descriptorSets {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw SchemaError("\(path): cannot read the file")
                }
                sets.append((path, [UInt8](data)))
            }
            pool = try DescriptorPool(descriptorSets: sets + embeddedSets, fallbackSets: [BuiltinDescriptors.set])
        } catch {
            throw GatewayError(error.description)
        }
        codec = ProtoJSONCodec(pool: pool)
        do {
            let rules = try RuleSources.rules(pool: pool, rulesFiles: configuration.httpRules)
            routes = try RouteTable(routes: try RouteBuilder.routes(for: rules, pool: pool))
        } catch {
            throw GatewayError(error.description)
        }
        requests = RequestBuilder(codec: codec)
        responses = ResponseRenderer(codec: codec)
        errors = ErrorBody(codec: codec)
        defaultOptions = Self.options(configuration.json, limits: configuration.limits)
        methodOptions = configuration.methodJSON.mapValues { Self.options($0, limits: configuration.limits) }
    }

    /// The options for a method.
    public func options(for method: String) -> TranscodingOptions { methodOptions[method] ?? defaultOptions }

    private static func options(_ json: GatewayConfiguration.JSONOptions, limits: GatewayConfiguration.Limits) -> TranscodingOptions {
        var options = TranscodingOptions()
        options.output.emitUnpopulated = json.emitUnpopulated
        options.output.useProtoNames = json.useProtoNames
        options.output.enumsAsNumbers = json.enumsAsNumbers
        options.output.indent = json.indent
        options.output.maxDepth = limits.maxJSONDepth
        options.input.ignoreUnknownFields = json.ignoreUnknownFields
        options.input.maxDepth = limits.maxJSONDepth
        options.ignoreUnknownQueryParameters = json.ignoreUnknownQueryParameters
        options.rejectFieldsBoundTwice = json.rejectFieldsBoundTwice
        return options
    }
}

/// A start-up failure: bad configuration, descriptors or rules, with a one-line reason.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
