import Foundation

/// Exact conversions between PostgreSQL's `timestamptz` (integer microseconds since 1970-01-01 UTC),
/// `Date` and ISO 8601 text.
///
/// Why integers: audit row hashes cover `created_at`, so the value must survive every round trip
/// bit for bit. The conversions go through microseconds since 2001 (Date's own reference), whose
/// magnitude keeps the double's rounding error far below half a microsecond.
enum AuditTimestamp {
    /// Microseconds from 1970-01-01 to 2001-01-01, Date's reference date.
    private static let referenceOffset: Int64 = 978_307_200 * 1_000_000

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(microseconds - referenceOffset) / 1_000_000)
    }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSinceReferenceDate * 1_000_000).rounded()) + referenceOffset
    }

    /// `2026-01-02T03:04:05.123456Z`: UTC, always six fractional digits.
    static func iso8601(microseconds: Int64) -> String {
        let (seconds, fraction) = floorDivide(microseconds, 1_000_000)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(fraction))
    }

    static func iso8601(_ date: Date) -> String { iso8601(microseconds: microseconds(date)) }

    /// Parses ISO 8601 as `ISO8601Time` accepts it (a `Z` or `±hh:mm` offset, zero to nine
    /// fractional digits rounded to the microsecond). Returns nil for anything else.
    static func parse(_ text: String) -> Date? {
        (try? ISO8601Time.microseconds(text)).map(date(microseconds:))
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
