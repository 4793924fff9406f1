/// How the producer hides a batch from the workers.
///
/// - `masked`: a one-time pad mod p over two non-colluding pools (docs/MASKED.md); the data pool
///   sees only X̂ = X_q + R, the mask pool only seeds. Exact mod-p verification.
/// - `blinded`: monomial blinding (the seed paper's scheme). Measured to protect almost nothing of
///   the inputs (docs/SECURITY.md); kept for compatibility and for its float verification.
public enum PrivacyMode: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case masked
    case blinded

    public var description: String { rawValue }
}
