/// One step of a job as `events.log` records it, one per line (`JournalLine` adds the check).
///
/// The text form is space-separated: a keyword, then canonical non-negative decimal integers
/// (no sign, no leading zeros), then for `failed` a free-text reason. `parse` is strict: a line
/// with another keyword, a missing or extra field or a non-canonical number is not an event.
/// To add an event: a case, its `text`, and its clause in `parse`.
enum JournalEvent: Equatable, Sendable {
    /// The blinded model was published, at this time (ms since 1970), the time its manifests name.
    case modelPublished(atMs: Int64)
    /// A batch segment was published to the jobs queue.
    case published(batch: Int, segment: Int)
    /// A batch's final output was verified and written to `batch-<n>.npy`.
    case done(batch: Int)
    /// A batch could not be verified; `reason` is one line.
    case failed(batch: Int, reason: String)

    /// The event as one line of text, without the check and the newline: `done 12`.
    var text: String {
        switch self {
        case .modelPublished(let time): "model \(time)"
        case .published(let batch, let segment): "published \(batch) \(segment)"
        case .done(let batch): "done \(batch)"
        case .failed(let batch, let reason):
            "failed \(batch) \(String(reason.map { $0.isNewline ? " " : $0 }))"
        }
    }

    /// The event whose `text` is `text`, or nil when `text` is not exactly one.
    static func parse(_ text: Substring) -> JournalEvent? {
        let fields = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        switch (fields.first, fields.count) {
        case ("model", 2):
            return canonical(Int64.self, fields[1]).map { .modelPublished(atMs: $0) }
        case ("published", 3):
            guard let batch = canonical(Int.self, fields[1]), let segment = canonical(Int.self, fields[2]) else { return nil }
            return .published(batch: batch, segment: segment)
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
