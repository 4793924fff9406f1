/// The code of an error in this module: a named value scoped to one error type (`Domain`), so that
/// `MigrationError.Code.applyFailed` cannot be compared with a `PostgresError` code.
///
/// A struct with static members rather than an enum, so codes can be added later without breaking
/// callers' exhaustive switches. Each error type declares its codes in a constrained extension.
public struct ErrorCode<Domain>: Hashable, Sendable, CustomStringConvertible {
    /// A short human-readable name, e.g. "connection failed".
    public let description: String

    init(_ description: String) { self.description = description }
}
