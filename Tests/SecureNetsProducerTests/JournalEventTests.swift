import Foundation
import Testing
@testable import SecureNetsProducer

@Suite("Journal events and lines")
struct JournalEventTests {
    static let digest = String(repeating: "0f", count: 32)
    static let events: [JournalEvent] = [
        .modelPublished(atMs: 1_796_342_400_123), .dispatched(batch: 0, segment: 0, attempt: 1, manifestSHA256: digest),
        .dispatched(batch: 12, segment: 3, attempt: 7, manifestSHA256: digest),
        .counted(batch: 12, segment: 3, attempt: 7, reason: "rejected: input does not match the signed input_sha256"),
        .late(batch: 12, segment: 3, attempt: 2, verdict: "passed"),
        .done(batch: 12), .failed(batch: 7, reason: "residual 3.2× its bound in layer 2 (Gemm 'fc2')"),
    ]

    @Test(arguments: events)
    func everyEventRoundTripsThroughItsText(event: JournalEvent) {
        #expect(JournalEvent.parse(event.text[...]) == event)
        let line = JournalLine.encoded(event)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(JournalLine.decoded(String(decoding: line.dropLast(), as: UTF8.self)[...]) == event)
    }

    @Test func textIsTheDocumentedFormat() {
        #expect(JournalEvent.done(batch: 12).text == "done 12")
        #expect(JournalEvent.dispatched(batch: 3, segment: 1, attempt: 2, manifestSHA256: Self.digest).text
                == "dispatched 3 1 2 \(Self.digest)")
        #expect(JournalEvent.counted(batch: 3, segment: 1, attempt: 2, reason: "failed: a\nb").text == "counted 3 1 2 failed: a b")
        #expect(JournalEvent.late(batch: 3, segment: 1, attempt: 2, verdict: "failed").text == "late 3 1 2 failed")
        #expect(JournalEvent.modelPublished(atMs: 5).text == "model 5")
        #expect(JournalEvent.failed(batch: 2, reason: "two\nlines").text == "failed 2 two lines")
        let line = String(decoding: JournalLine.encoded(.done(batch: 12)), as: UTF8.self)
        // "done 12", a space, 8 hex digits of SHA-256("done 12"), a newline.
        #expect(line == "done 12 9bd63616\n")
    }

    @Test(arguments: ["done 012", "done +1", "done -1", "done 1 2", "done", "done ", "published 1 0", "dispatched 1 0 1", "dispatched 1 0 1 abc", "dispatched 1 0 x \(String(repeating: "0f", count: 32))",
                      "counted 1 0 1", "late 1 0 1 maybe", "late 1 0 1",
                      "model -5", "model 1.5", "failed x why", "failed 1", "Done 1", "unknown 1", "", "done 99999999999999999999"])
    func malformedTextIsNoEvent(text: String) {
        #expect(JournalEvent.parse(text[...]) == nil)
    }

    @Test func aCutLineIsNeverAppliedAsAnotherEvent() {
        // "done 12 <check>\n" cut anywhere: no prefix is an event, in particular not "done 1".
        let line = JournalLine.encoded(.done(batch: 12))
        for length in 0..<line.count {
            let contents = JournalLine.contents(of: line.prefix(length))
            #expect(contents.events.isEmpty, "cut to \(length) bytes")
            #expect(contents.completeLength == 0)
        }
        // A cut that kept the text but lost the check, followed by more lines, is ignored too.
        let spliced = Data("done 1\n".utf8) + JournalLine.encoded(.done(batch: 13))
        let contents = JournalLine.contents(of: spliced)
        #expect(contents.events == [.done(batch: 13)])
        #expect(contents.ignoredLines == 1)
    }

    @Test func aChangedCharacterFailsTheCheck() {
        var line = JournalLine.encoded(.done(batch: 12))
        line[line.startIndex + 6] = UInt8(ascii: "3")  // "done 13 <check of 12>"
        #expect(JournalLine.contents(of: line).events.isEmpty)
        #expect(JournalLine.contents(of: line).ignoredLines == 1)
    }
}
