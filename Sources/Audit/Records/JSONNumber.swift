/// A Double that JSON can always carry: finite values as numbers, NaN and ±infinity as the strings
/// `"NaN"`, `"Infinity"` and `"-Infinity"` (JSON has no literal for them, and JSONEncoder refuses them).
struct JSONNumber: Codable, Sendable {
    let value: Double

    init(_ value: Double) { self.value = value }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        switch text {
        case "NaN": value = .nan
        case "Infinity": value = .infinity
        case "-Infinity": value = -.infinity
        default:
            throw DecodingError.dataCorruptedError(in: container,
                                                   debugDescription: "'\(text)' is neither a number nor NaN/Infinity/-Infinity")
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite {
            try container.encode(value)
        } else {
            try container.encode(value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
        }
    }

    /// The same spelling as JSON and PostgreSQL use, for text output (tables, CSV).
    static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }
}
