import CModP

/// A layer's quantized weights W_q (K × N signed integers, row-major, inputs × outputs): all that both
/// pools and the verifier ever see of a masked layer. The scales and the bias stay with the producer.
///
/// Holds the two forms the arithmetic reads, made once: float64 for the pools' `dgemm`
/// (`ModPProduct`) and, for the verifier's check (`ModPFreivaldsCheck`), 16-bit integers — every
/// layer `MaskedBitWidths` chooses has |w| < 2¹⁵, and the check reads half the bytes of residues —
/// or residues mod p for wider weights (which only a hand-made model has).
/// Invariant: every |value| ≤ `maxSupportedMagnitude`.
public struct QuantizedWeights: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let values: [Int32]
    /// max |value|, which sizes the chunks of an exact product.
    public let maxMagnitude: Int32
    let widened: [Double]
    /// The check's form: `.narrow` when every |value| < 2¹⁵, else `.residues`.
    let checkForm: CheckForm

    enum CheckForm: Sendable {
        case narrow([Int16])
        case residues([UInt32])
    }

    /// 2²² − 1: weights of up to 23 bits, the most any layer can use (`MaskedBitWidths`); with
    /// residues below 2³¹, a single product then stays below 2⁵³, so every chunk of an exact product
    /// has at least one term.
    public static let maxSupportedMagnitude: Int32 = (1 << 22) - 1

    /// Throws `MaskedModeError.shape` when the count does not match the shape and
    /// `.weightOutOfRange` when a value exceeds `maxSupportedMagnitude`.
    public init(rows: Int, columns: Int, values: [Int32]) throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 1, columns >= 1, !overflow, values.count == count else {
            throw MaskedModeError.shape("quantized weights are \(rows)×\(columns) but have \(values.count) values")
        }
        let largest = values.lazy.map { $0 == .min ? Int32.max : abs($0) }.max() ?? 0
        guard largest <= Self.maxSupportedMagnitude else {
            throw MaskedModeError.weightOutOfRange("|w| = \(largest) exceeds \(Self.maxSupportedMagnitude)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
        self.maxMagnitude = largest
        widened = [Double](unsafeUninitializedCapacity: count) { target, initialized in
            values.withUnsafeBufferPointer { sn_modp_widen_signed($0.baseAddress!, target.baseAddress!, count) }
            initialized = count
        }
        checkForm = largest <= Int32(Int16.max) ? .narrow(values.map { Int16($0) })
                                                 : .residues(values.map { PrimeField.residue(Int64($0)) })
    }

    /// "rows×columns", for error messages.
    public var shapeDescription: String { "\(rows)×\(columns)" }

    public static func == (lhs: QuantizedWeights, rhs: QuantizedWeights) -> Bool {
        lhs.rows == rhs.rows && lhs.columns == rhs.columns && lhs.values == rhs.values
    }
}
