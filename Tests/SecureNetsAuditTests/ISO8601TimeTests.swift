import Foundation
import SecureNetsAudit
import Testing

/// `securenets audit list --since` takes exactly these forms; expected values computed with
/// Python's datetime (microseconds since 1970-01-01 UTC).
@Suite("ISO 8601 times for --since")
struct ISO8601TimeTests {
    @Test(arguments: [
        ("2026-12-04", 1_796_342_400_000_000),
        ("2026-12-04T10:00Z", 1_796_378_400_000_000),
        ("2026-12-04T10:00:00Z", 1_796_378_400_000_000),
        ("2026-12-04T10:00:00.5+01:00", 1_796_374_800_500_000),
        ("2026-12-04T10:00:00,5+01:00", 1_796_374_800_500_000),
        ("2024-02-29T23:59-05:30", 1_709_270_940_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("2026-01-02T03:04:05.1234565Z", 1_767_323_045_123_457),  // rounded to the microsecond
        ("2000-03-01", 951_868_800_000_000),
    ] as [(String, Int64)])
    func acceptedFormsGiveTheExactTime(text: String, microseconds: Int64) throws {
        #expect(try ISO8601Time.microseconds(text) == microseconds)
    }

    @Test(arguments: [
        ("2026-12-4", "the day must be 2 digits, found '4'"),
        ("2026-13-01", "the month 13 is not 01…12"),
        ("2026-02-29", "day 29 does not exist in 2026-02, which has 28 days"),
        ("2026-12-04T10:00:00", "the time has no zone; add Z for UTC or an offset such as +01:00"),
        ("2026-12-04 10:00:00Z", "expected 'T' and a time after the date, found ' 10:00:00Z'"),
        ("2026-12-04T24:00:00Z", "the hour 24 is not 00…23"),
        ("2026-12-04T10:60Z", "the minute 60 is not 00…59"),
        ("2026-12-04T10:00:60Z", "the second 60 is not 00…59"),
        ("2026-12-04T10:00:00.Z", "expected digits after the decimal point"),
        ("2026-12-04T10:00:00.1234567890Z", "more than 9 fractional digits"),
        ("2026-12-04T10:00.5Z", "expected a zone (Z or ±HH:MM) after the time, found '.5Z'"),
        ("2026-12-04T10:00:00+0100", "the zone's hours must be 2 digits, found '0100'"),
        ("2026-12-04T10:00:00Zjunk", "unexpected 'junk' after the time zone"),
        ("2026-12-04x", "expected 'T' and a time after the date, found 'x'"),
        ("yesterday", "the year must be 4 digits, found 'yesterday'"),
        ("", "the year must be 4 digits, found the end"),
    ])
    func everythingElseIsRefusedSayingWhatIsWrong(text: String, problem: String) throws {
        let error = try #require(throws: ISO8601Time.ParseError.self) { try ISO8601Time.microseconds(text) }
        #expect(error.problem == problem)
        #expect(error.description == "'\(text)' is not an ISO 8601 date or time: \(problem); accepted are e.g. 2026-12-04, 2026-12-04T10:00:00Z, 2026-12-04T10:00:00.5+01:00")
    }

    @Test func dateMatchesMicroseconds() throws {
        #expect(try ISO8601Time.date("1970-01-02T00:00:00.25Z") == Date(timeIntervalSince1970: 86_400.25))
    }
}
