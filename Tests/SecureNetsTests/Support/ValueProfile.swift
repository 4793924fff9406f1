import Foundation
@testable import SecureNets

/// How the numbers of a generated matrix are spread: the value ranges a user's inputs and weights
/// may have, from unit-sized to six and more orders of magnitude apart.
enum ValueProfile: String, CaseIterable, Sendable {
    /// Uniform in [−1, 1).
    case unit
    /// Random sign, magnitude log-uniform in [1e-4, 1e4]: eight orders of magnitude in one matrix.
    case wideSpread
    /// Uniform in [−1, 1) times one scale 10^e, e uniform in [−4, 4]: small or large, not spread.
    case scaled
    /// Each row uniform in [−1, 1) times its own scale 10^e, e uniform in [−4, 4].
    case rowScaled
    /// Half the entries exactly zero, the rest uniform in [−1, 1) (what ReLU outputs look like).
    case sparse

    /// A `rows × columns` matrix of this profile drawn from `rng`.
    func matrix<G: RandomNumberGenerator>(rows: Int, columns: Int, using rng: inout G) -> Matrix {
        let scale = Self.powerOfTen(rng.next())
        var elements = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            let rowScale = self == .rowScaled ? Self.powerOfTen(rng.next()) : 1
            for column in 0..<columns {
                // One 64-bit draw per entry: 24 bits for a value in [−1, 1), one for a sign or a zero.
                let bits = rng.next()
                let unit = Float(bits >> 40) * 0x1p-23 - 1
                let value: Float
                switch self {
                case .unit: value = unit
                case .wideSpread: value = (bits & 1 == 0 ? 1 : -1) * Self.powerOfTen(bits)
                case .scaled: value = unit * scale
                case .rowScaled: value = unit * rowScale
                case .sparse: value = bits & 1 == 0 ? 0 : unit
                }
                elements[row * columns + column] = value
            }
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }

    /// 10^e with e uniform in [−4, 4], from the top 53 bits of `bits`.
    private static func powerOfTen(_ bits: UInt64) -> Float {
        Float(pow(10, Double(bits >> 11) * 0x1p-53 * 8 - 4))
    }
}
