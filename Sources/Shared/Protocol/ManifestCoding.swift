import Foundation

/// JSON for manifests and metadata: sorted keys (stable bytes to sign), typed errors on bad input.
///
/// JSON has no infinities or NaN, yet a failed check reports an unbounded `max_residual_ratio`: non-finite
/// numbers are written as the strings "Infinity", "-Infinity" and "NaN" (docs/PROTOCOL.md) and read back.
public enum ManifestCoding {
    static let nonFiniteStrings = (positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")

    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: nonFiniteStrings.positiveInfinity, negativeInfinity: nonFiniteStrings.negativeInfinity,
            nan: nonFiniteStrings.nan)
        // Manifests are plain structs of strings and numbers, non-finite numbers included: encoding cannot fail.
        return Array(try! encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: nonFiniteStrings.positiveInfinity, negativeInfinity: nonFiniteStrings.negativeInfinity,
            nan: nonFiniteStrings.nan)
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw ManifestError.malformed("\(what) lacks field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ManifestError.malformed("\(what) field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            throw ManifestError.malformed("\(what): \(context.debugDescription)")
        } catch {
            throw ManifestError.malformed("\(what) is not valid JSON")
        }
    }
}
