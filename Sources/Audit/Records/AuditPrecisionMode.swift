/// The worker arithmetic an attempt was checked against; every audit row says which one was used.
public enum AuditPrecisionMode: String, Codable, CaseIterable, Sendable {
    /// float64 accumulation rounded to float32: the tight bound; small deviations are caught.
    case exact
    /// Plain float32 products: only gross cheating (zeros, garbage, stale or skipped work) is caught.
    case fast
}
