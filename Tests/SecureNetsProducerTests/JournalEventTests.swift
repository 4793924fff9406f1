import Foundation
import Testing
@testable import SecureNetsProducer

@Suite("Journal events and lines")
struct JournalEventTests {
    static let events: [JournalEvent] = [
        .modelPublished(atMs: 1_796_342_400_123), .published(batch: 0, segment: 0), .published(batch: 12, segment: 3),
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
        #expect(JournalEvent.published(batch: 3, segment: 1).text == "published 3 1")
        #expect(JournalEvent.modelPublished(atMs: 5).text == "model 5")
        #expect(JournalEvent.failed(batch: 2, reason: "two\nlines").text == "failed 2 two lines")
        let line = String(decoding: JournalLine.encoded(.done(batch: 12)), as: UTF8.self)
        // "done 12", a space, 8 hex digits of SHA-256("done 12"), a newline.
        #expect(line == "done 12 9bd63616\n")
    }

    @Test(arguments: ["done 012", "done +1", "done -1", "done 1 2", "done", "done ", "published 1", "published 1 2 3",
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
        var line = JournalLine.encoded(.published(batch: 12, segment: 0))
        line[line.startIndex + 11] = UInt8(ascii: "3")  // "published 13 0 <check of 12>"
        #expect(JournalLine.contents(of: line).events.isEmpty)
        #expect(JournalLine.contents(of: line).ignoredLines == 1)
    }
}
