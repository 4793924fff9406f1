/// The URLs of one broker — one per node of a RabbitMQ cluster — in the order a client tries them.
///
/// Written as a repeatable `--amqp-url` flag or as one comma-separated string
/// (`SECURENETS_AMQP_URL="amqp://u:p@node1/securenets,amqp://u:p@node2/securenets"`). A comma
/// separates two URLs only where the next one's scheme follows it (`,amqp://` or `,amqps://`), so
/// a comma inside a password or a certificate path stays part of its URL. Every URL is parsed as
/// ``AMQPURL`` parses one; a single URL is a list of one.
///
/// ``description`` never shows a password, so a list can be logged.
public struct AMQPURLList: Hashable, Sendable, CustomStringConvertible {
    /// At least one URL, in the order given.
    public let urls: [AMQPURL]

    /// A list of `urls`; nil when it is empty.
    public init?(_ urls: [AMQPURL]) {
        guard !urls.isEmpty else { return nil }
        self.urls = urls
    }

    /// A list of one.
    public init(_ url: AMQPURL) { urls = [url] }

    /// Parses one string of comma-separated URLs.
    ///
    /// - Throws: ``AMQPError`` with code ``AMQPError/Code/invalidURL``: the error of the first URL
    ///   that does not parse (its message names it, without its password), or "no AMQP URL" for an
    ///   empty string or an empty place between two commas.
    public init(_ string: String) throws {
        try self.init(parsing: [string])
    }

    /// Parses the values of a repeatable flag, each of which may hold several comma-separated URLs,
    /// in order.
    ///
    /// - Throws: as ``init(_:)-(String)``; also when `values` is empty.
    public init(parsing values: [String]) throws {
        var urls: [AMQPURL] = []
        for value in values {
            for piece in AMQPURLList.split(value) {
                let trimmed = piece.trimmingSpaces
                guard !trimmed.isEmpty else {
                    throw AMQPError(.invalidURL, "no AMQP URL in '\(AMQPURLList.redacted(value))': an empty "
                                    + "entry in a comma-separated list (write amqp://user:password@host:port/vhost,"
                                    + "amqp://… with nothing between the commas)")
                }
                urls.append(try AMQPURL(trimmed))
            }
        }
        guard let list = AMQPURLList(urls) else { throw AMQPError(.invalidURL, "no AMQP URL given") }
        self = list
    }

    /// The URL tried first.
    public var first: AMQPURL { urls[0] }

    /// How many URLs there are (at least one).
    public var count: Int { urls.count }

    /// The URL in turn `turn` of the rotation: the first for 0, the next for 1, …, the first again
    /// after the last.
    public subscript(turn turn: Int) -> AMQPURL { urls[((turn % urls.count) + urls.count) % urls.count] }

    /// The URLs without their passwords, comma-separated.
    public var description: String { urls.map(\.description).joined(separator: ",") }

    /// The pieces of `value` between the commas that start a new URL.
    static func split(_ value: String) -> [Substring] {
        var pieces: [Substring] = []
        var start = value.startIndex
        var index = value.startIndex
        while index < value.endIndex {
            if value[index] == ",", startsURL(value[value.index(after: index)...]) || isBlank(value[value.index(after: index)...]) {
                pieces.append(value[start..<index])
                start = value.index(after: index)
            }
            index = value.index(after: index)
        }
        pieces.append(value[start...])
        return pieces
    }

    /// Whether `text`, after spaces, begins with `amqp://` or `amqps://` (case-insensitive).
    private static func startsURL(_ text: Substring) -> Bool {
        let rest = text.trimmingSpaces.lowercased()
        return rest.hasPrefix("amqp://") || rest.hasPrefix("amqps://")
    }

    /// Whether `text` is empty or spaces, or begins with another comma: an empty entry.
    private static func isBlank(_ text: Substring) -> Bool {
        let rest = text.trimmingSpaces
        return rest.isEmpty || rest.hasPrefix(",")
    }

    /// `value` with every URL's password replaced, for messages about the whole value.
    private static func redacted(_ value: String) -> String {
        split(value).map { piece in
            (try? AMQPURL(String(piece.trimmingSpaces)).description) ?? (piece.trimmingSpaces.isEmpty ? "" : "…")
        }.joined(separator: ",")
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
