import SecureNets

/// Whether an authenticated result is new work, a redelivery of one already handled, or a replay —
/// decided from the two ledger rows that can exist for it. Pure, so every case is unit-tested.
///
/// A redelivery (the broker's `redelivered` flag, or a retry after a lost database answer) carrying the
/// output recorded for this very attempt repeats that row's outcome and adds no row. Any other result
/// for a batch segment that already passed, or a second result for an attempt already verified, is a
/// replay: recorded as `rejected`.
public enum ReplayCheck {
    public enum Decision: Equatable, Sendable {
        /// Verify it.
        case verify
        /// Send the reply of the recorded `passed` row again.
        case resendPassed(LedgerEntry)
        /// Send the reply of the recorded `failed` row again.
        case resendFailed(LedgerEntry)
        /// Record and answer as rejected, for this reason.
        case replay(String)
    }

    public static func decide(batch: Int, segment: Int, attempt: Int, outputDigest: String, redelivered: Bool,
                              passed: LedgerEntry?, sameAttempt: LedgerEntry?) -> Decision {
        if let passed {
            if redelivered, passed.attempt == attempt, passed.outputDigest == outputDigest { return .resendPassed(passed) }
            return .replay("replayed result: batch \(batch) segment \(segment) already passed (row \(passed.id))")
        }
        if let earlier = sameAttempt {
            if redelivered, earlier.outputDigest == outputDigest { return .resendFailed(earlier) }
            return .replay("duplicate result: attempt \(attempt) was already verified (row \(earlier.id))")
        }
        return .verify
    }
}
