/// The prime field Z_p of masked mode, p = 2³¹ − 1 (a Mersenne prime, so reduction is two folds).
///
/// Residues are `UInt32` values in `0..<p`. A signed value v with |v| ≤ (p − 1)/2 is represented by
/// v mod p and recovered by `centred`, which maps residues to (−p/2, p/2]: the range the no-wrap
/// bound of `MaskedBitWidths` keeps every true layer product in. These scalar functions use plain `%`
/// and are the reference the C kernels (`CModP`) are tested against.
public enum PrimeField {
    /// p = 2³¹ − 1.
    public static let modulus: UInt32 = 0x7FFF_FFFF

    /// (p − 1)/2 = 2³⁰ − 1: the largest magnitude a centred residue stands for.
    public static let maxCentredMagnitude: Int64 = Int64(modulus / 2)

    /// `x mod p`.
    @inlinable
    public static func reduce(_ x: UInt64) -> UInt32 { UInt32(x % UInt64(modulus)) }

    /// The residue of any signed integer: `x mod p` in `0..<p`.
    @inlinable
    public static func residue(_ x: Int64) -> UInt32 {
        let remainder = x % Int64(modulus)
        return UInt32(remainder < 0 ? remainder + Int64(modulus) : remainder)
    }

    /// The representative of `r` in (−p/2, p/2]: `r` itself up to (p − 1)/2, `r − p` above.
    /// Precondition: `r < p`.
    @inlinable
    public static func centred(_ r: UInt32) -> Int64 {
        Int64(r) > maxCentredMagnitude ? Int64(r) - Int64(modulus) : Int64(r)
    }

    /// `(a + b) mod p` for residues.
    @inlinable
    public static func add(_ a: UInt32, _ b: UInt32) -> UInt32 { reduce(UInt64(a) + UInt64(b)) }

    /// `(a − b) mod p` for residues.
    @inlinable
    public static func subtract(_ a: UInt32, _ b: UInt32) -> UInt32 {
        reduce(UInt64(a) + UInt64(modulus) - UInt64(b))
    }

    /// `a · b mod p` for residues.
    @inlinable
    public static func multiply(_ a: UInt32, _ b: UInt32) -> UInt32 { reduce(UInt64(a) * UInt64(b)) }

    /// The residue a 32-bit word gives under rejection sampling: its low 31 bits, unless they are all
    /// ones (that is p itself, which is rejected, `nil`). Accepted values are uniform in `0..<p` when
    /// the words are uniform: each of the p candidates 0 … p − 1 has probability 2⁻³¹, and a rejected
    /// word (probability 2⁻³¹) is simply skipped.
    @inlinable
    public static func acceptedCandidate(_ word: UInt32) -> UInt32? {
        let candidate = word & modulus
        return candidate == modulus ? nil : candidate
    }
}
