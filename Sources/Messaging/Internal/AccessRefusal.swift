/// "user 'x' may not read queue 'securenets.jobs' (403 ACCESS_REFUSED - ...)": a broker's
/// `403 ACCESS_REFUSED` channel close said as the permission the user lacks.
///
/// RabbitMQ names the object ("access to queue 'q' in vhost 'v' refused for user 'u'"); the
/// operation tells which permission it checked: consuming needs read, publishing write, declaring
/// and deleting configure.
func accessRefusedDescription(user: String, operation: String, brokerText: String) -> String {
    let verb: String
    if operation.hasPrefix("basic.consume") || operation.hasPrefix("the wait for a delivery") {
        verb = "read"
    } else if operation.hasPrefix("basic.publish") || operation.hasPrefix("the wait for the broker to confirm") {
        verb = "write to"
    } else if operation.hasPrefix("queue.bind") {
        verb = "bind"
    } else if operation.hasPrefix("exchange.") || operation.hasPrefix("queue.") {
        verb = "configure"
    } else {
        verb = "use"
    }
    return "user '\(user)' may not \(verb) \(refusedObject(in: brokerText) ?? "what \(operation) needs") "
        + "(\(brokerText))"
}

/// "queue 'q'" out of "... access to queue 'q' in vhost ...", or nil.
private func refusedObject(in text: String) -> String? {
    guard let start = text.firstRange(of: "access to ")?.upperBound else { return nil }
    let rest = text[start...]
    guard let kindEnd = rest.firstIndex(of: " ") else { return nil }
    let kind = rest[..<kindEnd]
    guard kind == "queue" || kind == "exchange",
          let open = rest[kindEnd...].firstIndex(of: "'"),
          let close = rest[rest.index(after: open)...].firstIndex(of: "'") else { return nil }
    return "\(kind) \(rest[open...close])"
}
