import Foundation
import SecureNets

/// How `events.log` frames events so that a damaged line is never applied: each line is the
/// event's text, a space, the first 8 hex digits of the text's SHA-256, and a newline.
///
/// A crash can cut the last line anywhere ("done 12 …" to "done 1"); a cut line has no newline or
/// a check that does not match, and is ignored, so the step it recorded is redone (every step is
/// safe to redo). Journals written before the check existed are not read.
enum JournalLine {
    /// The hex digits of SHA-256 kept as the check: 32 bits, ample to tell a cut or garbled line.
    static let checkLength = 8

    /// The bytes of one line recording `event`.
    static func encoded(_ event: JournalEvent) -> Data {
        let text = event.text
        return Data("\(text) \(check(text))\n".utf8)
    }

    /// The event a line (without its newline) records, or nil when the check does not match or
    /// the text is not an event.
    static func decoded(_ line: Substring) -> JournalEvent? {
        guard let space = line.lastIndex(of: " ") else { return nil }
        let text = line[..<space], stored = line[line.index(after: space)...]
        guard stored == check(text) else { return nil }
        return JournalEvent.parse(text)
    }

    /// The events recorded in the contents of an events log, in order.
    struct Contents {
        var events: [JournalEvent] = []
        /// Complete lines that were not applied (bad check or unknown text).
        var ignoredLines = 0
        /// Bytes up to and including the last newline; anything after it is a cut last line.
        var completeLength = 0
    }

    static func contents(of data: Data) -> Contents {
        var contents = Contents()
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return contents }
        contents.completeLength = lastNewline - data.startIndex + 1
        let text = String(decoding: data[data.startIndex..<lastNewline], as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let event = decoded(line) { contents.events.append(event) } else { contents.ignoredLines += 1 }
        }
        return contents
    }

    private static func check(_ text: Substring) -> String {
        String(Digest.sha256Hex(text.utf8).prefix(checkLength))
    }

    private static func check(_ text: String) -> String { check(text[...]) }
}
