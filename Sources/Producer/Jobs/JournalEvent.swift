import SecureNets

/// One step of a job as `events.log` records it, one per line (`JournalLine` adds the check).
///
/// The text form is space-separated: a keyword, then canonical non-negative decimal integers
/// (no sign, no leading zeros), then for `dispatched` a manifest digest (64 lowercase hex), for
/// `late` a verdict word, and for `failed` and `counted` a free-text reason. `parse` is strict: a line
/// with another keyword, a missing or extra field or a non-canonical number is not an event.
/// To add an event: a case, its `text`, and its clause in `parse`.
enum JournalEvent: Equatable, Sendable {
    /// The blinded model was published, at this time (ms since 1970), the time its manifests name.
    case modelPublished(atMs: Int64)
    /// An attempt of a batch segment was published to the jobs queue under this signed manifest.
    case dispatched(batch: Int, segment: Int, attempt: Int, manifestSHA256: String)
    /// A failed or rejected verdict about that attempt, counted against the batch segment's budget.
    case counted(batch: Int, segment: Int, attempt: Int, reason: String)
    /// A reply that changed nothing (a superseded attempt's, a duplicate, or a verdict already counted).
    case late(batch: Int, segment: Int, attempt: Int, verdict: String)
    /// A batch's final output was verified and written to `batch-<n>.npy`.
    case done(batch: Int)
    /// A batch could not be verified; `reason` is one line.
    case failed(batch: Int, reason: String)

    /// The event as one line of text, without the check and the newline: `done 12`.
    var text: String {
        switch self {
        case .modelPublished(let time): "model \(time)"
        case .dispatched(let batch, let segment, let attempt, let digest): "dispatched \(batch) \(segment) \(attempt) \(digest)"
        case .counted(let batch, let segment, let attempt, let reason):
            "counted \(batch) \(segment) \(attempt) \(JournalEvent.oneLine(reason))"
        case .late(let batch, let segment, let attempt, let verdict): "late \(batch) \(segment) \(attempt) \(verdict)"
        case .done(let batch): "done \(batch)"
        case .failed(let batch, let reason):
            "failed \(batch) \(JournalEvent.oneLine(reason))"
        }
    }

    /// A reason on one line: newlines become spaces.
    private static func oneLine(_ text: String) -> String { String(text.map { $0.isNewline ? " " : $0 }) }

    /// The event whose `text` is `text`, or nil when `text` is not exactly one.
    static func parse(_ text: Substring) -> JournalEvent? {
        let keyword = text.prefix(while: { $0 != " " })
        // `failed` and `counted` end in free text, which may hold spaces.
        let fixedFields = ["failed": 2, "counted": 4][String(keyword)] ?? Int.max
        let fields = text.split(separator: " ", maxSplits: fixedFields, omittingEmptySubsequences: false)
        func numbers(_ range: ClosedRange<Int>) -> [Int]? {
            let values = range.compactMap { canonical(Int.self, fields[$0]) }
            return values.count == range.count ? values : nil
        }
        switch (fields.first, fields.count) {
        case ("model", 2):
            return canonical(Int64.self, fields[1]).map { .modelPublished(atMs: $0) }
        case ("dispatched", 5):
            guard let n = numbers(1...3), Digest.isHex(String(fields[4])) else { return nil }
            return .dispatched(batch: n[0], segment: n[1], attempt: n[2], manifestSHA256: String(fields[4]))
        case ("counted", 5):
            guard let n = numbers(1...3) else { return nil }
            return .counted(batch: n[0], segment: n[1], attempt: n[2], reason: String(fields[4]))
        case ("late", 5):
            guard let n = numbers(1...3), ["passed", "failed", "rejected"].contains(fields[4]) else { return nil }
            return .late(batch: n[0], segment: n[1], attempt: n[2], verdict: String(fields[4]))
        case ("done", 2):
            return canonical(Int.self, fields[1]).map { .done(batch: $0) }
        case ("failed", 3):
            return canonical(Int.self, fields[1]).map { .failed(batch: $0, reason: String(fields[2])) }
        default:
            return nil
        }
    }

    /// `field` as a non-negative integer written the one way `text` writes it, or nil.
    private static func canonical<Number: FixedWidthInteger>(_ type: Number.Type, _ field: Substring) -> Number? {
        guard let value = Number(field), value >= 0, String(value) == field else { return nil }
        return value
    }
}
