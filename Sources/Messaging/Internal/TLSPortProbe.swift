#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether `host:port` answers the AMQP protocol header with a TLS alert record, as a TLS
/// listener does (RabbitMQ's replies `15 03 03 00 02 02 0a`: a fatal "unexpected message").
///
/// Why: rabbitmq-c reads those seven bytes as the header of an AMQP frame, waits for its body and
/// reports only "a socket error occurred" when the broker hangs up; asking again with our own
/// socket lets a plain `amqp://` client on a TLS port say "use amqps://" instead of retrying for
/// ever. Any failure to ask counts as "no".
func answersWithTLSAlert(host: String, port: Int, timeout: Duration) -> Bool {
    guard let fd = try? openTCPConnection(host: host, port: port, timeout: timeout) else { return false }
    defer { closeDescriptor(fd) }
    let header: [UInt8] = [UInt8(ascii: "A"), UInt8(ascii: "M"), UInt8(ascii: "Q"), UInt8(ascii: "P"), 0, 0, 9, 1]
    #if canImport(Glibc)
    let flags = Int32(MSG_NOSIGNAL)
    #else
    let flags: Int32 = 0
    #endif
    guard header.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, flags) }) == header.count else { return false }
    var reply = [UInt8](repeating: 0, count: 3)
    var received = 0
    let deadline = ContinuousClock.now + timeout
    while received < reply.count {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
        guard poll(&poller, 1, Int32(clamping: max(1, milliseconds))) > 0 else { return false }
        let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
        guard count > 0 else { return false }
        received += count
    }
    // Content type 21 (alert), protocol version 3.x (SSL 3.0 to TLS 1.3 all write 03 0x).
    return reply[0] == 0x15 && reply[1] == 0x03 && reply[2] <= 0x04
}
