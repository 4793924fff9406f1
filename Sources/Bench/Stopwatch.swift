import Glibc

/// Wall time from the monotonic clock, in seconds.
///
/// `CLOCK_MONOTONIC` never jumps with NTP or date changes, unlike wall-clock time, and counts the time
/// other processes take the cores from us — which on a shared machine is part of what we measure.
enum Stopwatch {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    /// Runs `body` once and returns how long it took.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return now() - start
    }
}

/// The timings of one measured operation over the repeats.
struct Samples: Sendable {
    private(set) var seconds: [Double] = []

    mutating func append(_ value: Double) { seconds.append(value) }

    /// The median: robust to the occasional repeat that another process slowed down.
    var median: Double? {
        guard !seconds.isEmpty else { return nil }
        let sorted = seconds.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
