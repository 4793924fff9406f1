import Foundation

/// A strict parser for the ISO 8601 times a user types (`securenets audit list --since`) and the
/// audit's JSON holds: it accepts exactly
///
/// - a date, `2026-12-04` (midnight UTC), or
/// - a date and time with a zone: `2026-12-04T10:00Z`, `2026-12-04T10:00:00Z`,
///   `2026-12-04T10:00:00.123456+01:00` (seconds optional; 1 to 9 fractional digits after `.` or
///   `,`, rounded to the microsecond; the zone `Z` or `±HH:MM`),
///
/// and refuses anything else with a `ParseError` saying what is wrong, never guessing: a time
/// without a zone, a month 13, February 30th, trailing text.
public enum ISO8601Time {
    /// Why text is not an accepted ISO 8601 time; `description` names the text, the problem and
    /// accepted examples.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        /// What is wrong, in words (`the month 13 is not 01…12`).
        public let problem: String

        public var description: String {
            "'\(text)' is not an ISO 8601 date or time: \(problem); accepted are e.g. \(ISO8601Time.examples)"
        }
    }

    /// Accepted forms, as error messages show them.
    public static let examples = "2026-12-04, 2026-12-04T10:00:00Z, 2026-12-04T10:00:00.5+01:00"

    /// The time `text` denotes.
    ///
    /// - Throws: `ParseError` for anything but the forms above.
    public static func date(_ text: String) throws(ParseError) -> Date {
        AuditTimestamp.date(microseconds: try microseconds(text))
    }

    /// The time `text` denotes, in microseconds since 1970-01-01 UTC (exact: no floating point).
    ///
    /// - Throws: `ParseError` for anything but the forms above.
    public static func microseconds(_ text: String) throws(ParseError) -> Int64 {
        var scanner = Scanner(characters: Array(text.unicodeScalars), text: text)
        let year = try scanner.number(digits: 4, of: "the year")
        try scanner.expect("-", after: "the year")
        let month = try scanner.number(digits: 2, of: "the month")
        guard (1...12).contains(month) else { throw scanner.error("the month \(month) is not 01…12") }
        try scanner.expect("-", after: "the month")
        let day = try scanner.number(digits: 2, of: "the day")
        let monthLength = daysIn(month: month, year: year)
        guard (1...monthLength).contains(day) else {
            throw scanner.error("day \(day) does not exist in \(String(format: "%04d-%02d", year, month)), which has \(monthLength) days")
        }
        var seconds = Int64(daysSinceEpoch(year: year, month: month, day: day)) * 86_400
        guard !scanner.isAtEnd else { return seconds * 1_000_000 }

        guard scanner.current == "T" else {
            throw scanner.error("expected 'T' and a time after the date, found '\(scanner.rest)'")
        }
        scanner.position += 1
        let hour = try scanner.number(digits: 2, of: "the hour")
        guard hour < 24 else { throw scanner.error("the hour \(hour) is not 00…23") }
        try scanner.expect(":", after: "the hour")
        let minute = try scanner.number(digits: 2, of: "the minute")
        guard minute < 60 else { throw scanner.error("the minute \(minute) is not 00…59") }
        var second = 0
        var nanoseconds: Int64 = 0
        if scanner.current == ":" {
            scanner.position += 1
            second = try scanner.number(digits: 2, of: "the second")
            guard second < 60 else { throw scanner.error("the second \(second) is not 00…59") }
            if scanner.current == "." || scanner.current == "," {
                scanner.position += 1
                let digits = scanner.digits()
                guard (1...9).contains(digits.count) else {
                    throw scanner.error(digits.isEmpty ? "expected digits after the decimal point"
                                                       : "more than 9 fractional digits")
                }
                nanoseconds = Int64(digits + String(repeating: "0", count: 9 - digits.count))!
            }
        }
        let offset = try scanner.zoneOffsetSeconds()
        seconds += Int64(hour * 3600 + minute * 60 + second - offset)
        guard scanner.isAtEnd else { throw scanner.error("unexpected '\(scanner.rest)' after the time zone") }
        return seconds * 1_000_000 + (nanoseconds + 500) / 1_000
    }

    private struct Scanner {
        let characters: [Unicode.Scalar]
        let text: String
        var position = 0

        var isAtEnd: Bool { position >= characters.count }
        var current: Unicode.Scalar? { isAtEnd ? nil : characters[position] }
        var rest: String { String(String.UnicodeScalarView(characters[min(position, characters.count)...])) }

        func error(_ problem: String) -> ParseError { ParseError(text: text, problem: problem) }

        mutating func digits() -> String {
            let start = position
            while let c = current, ("0"..."9").contains(c) { position += 1 }
            return String(String.UnicodeScalarView(characters[start..<position]))
        }

        mutating func number(digits count: Int, of what: String) throws(ParseError) -> Int {
            let found = digits()
            guard found.count == count else {
                let seen = found.isEmpty ? (isAtEnd ? "the end" : "'\(rest)'") : "'\(found)'"
                throw error("\(what) must be \(count) digits, found \(seen)")
            }
            return Int(found)!
        }

        mutating func expect(_ separator: Unicode.Scalar, after what: String) throws(ParseError) {
            guard current == separator else {
                throw error("expected '\(separator)' after \(what), found \(isAtEnd ? "the end" : "'\(rest)'")")
            }
            position += 1
        }

        /// `Z` → 0, `+01:00` → 3600; a time without a zone is refused (it would mean local time).
        mutating func zoneOffsetSeconds() throws(ParseError) -> Int {
            switch current {
            case "Z":
                position += 1
                return 0
            case "+", "-":
                let sign = current == "-" ? -1 : 1
                position += 1
                let hours = try number(digits: 2, of: "the zone's hours")
                guard hours < 24 else { throw error("the zone offset's hours \(hours) are not 00…23") }
                try expect(":", after: "the zone's hours")
                let minutes = try number(digits: 2, of: "the zone's minutes")
                guard minutes < 60 else { throw error("the zone offset's minutes \(minutes) are not 00…59") }
                return sign * (hours * 3600 + minutes * 60)
            case nil:
                throw error("the time has no zone; add Z for UTC or an offset such as +01:00")
            default:
                throw error("expected a zone (Z or ±HH:MM) after the time, found '\(rest)'")
            }
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
