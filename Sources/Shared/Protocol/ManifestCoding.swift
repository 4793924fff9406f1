import Foundation

/// JSON for manifests and metadata: sorted keys (stable bytes to sign), typed errors on bad input.
public enum ManifestCoding {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Manifests are plain structs of strings and numbers: encoding cannot fail.
        return Array(try! encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
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
