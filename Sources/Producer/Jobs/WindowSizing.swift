/// The default `--window`: how many batches a job keeps published and unanswered, derived from the
/// workers present and a byte budget for the broker's backlog (docs/RELIABILITY.md, "Flow control").
///
/// Two batches per consumer of the job's jobs queue (in masked mode, of the pool with fewer) keep
/// every worker busy — one computing, one waiting in its prefetch — and queue nothing more; the
/// budget caps the bytes a job parks in the broker whatever the fleet. Never below `minimum`, so a job
/// starts before any worker is seen and keeps a little work queued for a worker that joins.
public enum WindowSizing {
    /// At most this many bytes of one job's messages wait in the broker (the jobs' inputs).
    public static let backlogBudgetBytes = 256 << 20
    public static let minimum = 2
    public static let maximum = 1024

    /// The window for `consumers` workers (nil: not known yet) and jobs of `messageBytes` each.
    public static func window(consumers: Int?, messageBytes: Int) -> Int {
        let byBudget = max(minimum, backlogBudgetBytes / max(messageBytes, 1))
        let byWorkers = max(minimum, 2 * (consumers ?? 0))
        return min(maximum, byBudget, byWorkers)
    }
}
