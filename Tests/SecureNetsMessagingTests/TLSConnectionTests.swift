import Foundation
import Logging
import SecureNetsMessaging
import Testing

/// `amqps://` against the real broker's TLS listener (infra/local/up opens it with the local CA's
/// certificates, and requires a client certificate), and against `openssl s_server` for a
/// certificate the broker cannot be given without a restart.
@Suite("TLS to the broker", .serialized)
struct TLSConnectionTests {
    @Test func aVerifiedConnectionCarriesMessages() throws {
        let connection = try AMQPConnection(url: try TLSBroker.url, connectionName: "TLS round trip", logger: Broker.logger)
        defer { connection.close() }
        let queue = Broker.uniqueName("tls")
        try connection.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        try connection.enablePublisherConfirms()
        try connection.publish(routingKey: queue, body: Data("over TLS".utf8))
        try connection.consume(queue: queue)
        let delivery = try #require(try connection.nextDelivery(timeout: .seconds(10)))
        #expect(delivery.body == Array("over TLS".utf8))
        let listed = try OpenSSLTool.run(TLSBroker.repositoryRoot.appendingPathComponent("infra/local/rabbitmq").path,
                                         ["connections", connection.url.vhost])
        let line = listed.split(separator: "\n").first { $0.hasPrefix("TLS round trip\t") }
        #expect(line?.contains("\ttrue\t") == true && line?.contains("CN=securenets-client") == true,
                "the broker sees a TLS connection with our client certificate: \(listed)")
    }

    @Test func theHostMayBeANameTheCertificateHolds() throws {
        var url = try TLSBroker.url
        url.host = "localhost"
        let connection = try AMQPConnection(url: url, connectionName: "TLS by name", logger: Broker.logger)
        connection.close()
        url.host = "127.0.0.1"
        url.tls?.serverName = .name("localhost")
        let bySNI = try AMQPConnection(url: url, connectionName: "TLS by SNI", logger: Broker.logger)
        bySNI.close()
    }

    @Test func anUnknownCAIsRefused() throws {
        let factory = try CertificateFactory()
        let stranger = try factory.authority("stranger-ca")
        var url = try TLSBroker.url
        url.tls?.caCertificateFile = stranger.certificate
        expectRefusal(url, code: .tlsHandshakeFailed, containing: ["unknown CA", "cacertfile \(stranger.certificate)",
                                                                   "CN=SecureNets local CA"])
    }

    @Test func aNameTheCertificateDoesNotHoldIsRefused() throws {
        var url = try TLSBroker.url
        url.tls?.serverName = .name("broker.example.invalid")
        expectRefusal(url, code: .tlsHandshakeFailed, containing: ["name mismatch", "DNS:localhost, IP:127.0.0.1",
                                                                   "'broker.example.invalid'"])
    }

    @Test func anExpiredCertificateIsRefused() throws {
        let factory = try CertificateFactory()
        let authority = try factory.authority("expired-test-ca")
        let expired = try factory.leaf("expired", commonName: "localhost", signedBy: authority, client: false,
                                       subjectAltName: "IP:127.0.0.1", expired: true)
        let server = try OpenSSLServer(certificate: expired)
        let url = AMQPURL(host: "127.0.0.1", port: server.port, vhost: "securenets",
                          tls: AMQPTLSOptions(caCertificateFile: authority.certificate))
        expectRefusal(url, code: .tlsHandshakeFailed, containing: ["expired on 2020-02-01 00:00:00 UTC"])
    }

    @Test func aPlainClientOnTheTLSPortIsToldToUseAMQPS() throws {
        var url = try TLSBroker.url
        url.tls = nil
        expectRefusal(url, code: .protocolViolation, containing: ["speaks TLS, not plain AMQP", "use an amqps:// URL"])
    }

    @Test func aTLSClientOnThePlainPortIsToldItIsNotTLS() throws {
        expectRefusal(try TLSBroker.plainPortWithTLS, code: .tlsHandshakeFailed,
                      containing: ["does not speak TLS", "plain AMQP port"])
    }

    @Test func theBrokerRequiresAClientCertificate() throws {
        var url = try TLSBroker.url
        url.tls?.certificateFile = nil
        url.tls?.keyFile = nil
        expectRefusal(url, code: .tlsHandshakeFailed, containing: ["requires a client certificate", "certfile and keyfile"])
    }

    @Test func theBrokerRefusesAClientCertificateFromAnotherCA() throws {
        let factory = try CertificateFactory()
        let stranger = try factory.authority("stranger-client-ca")
        let client = try factory.leaf("client", commonName: "intruder", signedBy: stranger, client: true)
        var url = try TLSBroker.url
        url.tls?.certificateFile = client.certificate
        url.tls?.keyFile = client.key
        expectRefusal(url, code: .tlsHandshakeFailed, containing: ["does not trust our client certificate",
                                                                   "certfile \(client.certificate)", "unknown CA"])
    }

    @Test func theBrokerRefusesAnExpiredClientCertificate() throws {
        let local = try TLSBroker.localCADirectory
        let factory = try CertificateFactory()
        let authority = CertificateFactory.Issued(certificate: local.appendingPathComponent("ca.pem").path,
                                                  key: local.appendingPathComponent("ca.key").path)
        let client = try factory.leaf("client", commonName: "securenets-client", signedBy: authority, client: true,
                                      expired: true)
        var url = try TLSBroker.url
        url.tls?.certificateFile = client.certificate
        url.tls?.keyFile = client.key
        expectRefusal(url, code: .tlsHandshakeFailed, containing: ["refused our client certificate", "expired"])
    }

    @Test func verifyNoneConnectsWithAWarning() throws {
        let factory = try CertificateFactory()
        var url = try TLSBroker.url
        url.tls?.caCertificateFile = try factory.authority("ignored-ca").certificate
        url.tls?.verifyPeer = false
        let recorder = LogRecorder()
        let logger = Logger(label: "tls") { _ in recorder }
        let connection = try AMQPConnection(url: url, connectionName: "TLS unverified", logger: logger)
        connection.close()
        #expect(recorder.messages.contains { $0.contains("without verifying the broker (verify=verify_none)") })
    }

    // MARK: - Files named in the URL

    @Test func aMissingFileIsNamed() throws {
        var url = try TLSBroker.url
        url.tls?.caCertificateFile = "/nonexistent/ca.pem"
        expectRefusal(url, code: .tlsConfigurationInvalid, containing: ["cacertfile /nonexistent/ca.pem: no such file"])
    }

    @Test func aKeyOthersMayReadIsRefused() throws {
        let factory = try CertificateFactory()
        let local = try TLSBroker.localCADirectory
        let key = factory.path("client.key")
        try FileManager.default.copyItem(atPath: local.appendingPathComponent("client.key").path, toPath: key)
        chmod(key, 0o644)
        var url = try TLSBroker.url
        url.tls?.keyFile = key
        expectRefusal(url, code: .tlsConfigurationInvalid, containing: ["keyfile \(key) may be read by other users",
                                                                        "mode 0644", "chmod 600"])
    }

    @Test func aKeyWithAPassphraseIsRefused() throws {
        let factory = try CertificateFactory()
        let local = try TLSBroker.localCADirectory
        let key = factory.path("encrypted.key")
        try OpenSSLTool.run("openssl", ["pkey", "-in", local.appendingPathComponent("client.key").path, "-aes256",
                                        "-passout", "pass:Passphrase123", "-out", key])
        chmod(key, 0o600)
        var url = try TLSBroker.url
        url.tls?.keyFile = key
        expectRefusal(url, code: .tlsConfigurationInvalid, containing: ["keyfile \(key) is protected by a passphrase"],
                      notContaining: ["Passphrase123", "BEGIN"])
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let factory = try CertificateFactory()
        let stranger = try factory.authority("other")
        var url = try TLSBroker.url
        url.tls?.keyFile = stranger.key
        expectRefusal(url, code: .tlsConfigurationInvalid, containing: ["keyfile \(stranger.key) is not the key of certfile"])
    }

    /// Connecting to `url` fails at once with `code`, permanently, with a description holding every
    /// phrase of `containing` and none of `notContaining`.
    private func expectRefusal(_ url: AMQPURL, code: AMQPError.Code? = nil, containing phrases: [String],
                               notContaining secrets: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let connection = try AMQPConnection(url: url, connectionName: "TLS refusal", timeout: .seconds(10),
                                                logger: Broker.logger)
            connection.close()
            Issue.record("connected to \(url), expected a refusal", sourceLocation: sourceLocation)
        } catch let error as AMQPError {
            if let code {
                #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
                #expect(error.isPermanent(connectedBefore: true), "\(error)", sourceLocation: sourceLocation)
            }
            for phrase in phrases {
                #expect(error.description.contains(phrase), "missing '\(phrase)' in: \(error)", sourceLocation: sourceLocation)
            }
            for secret in secrets {
                #expect(!error.description.contains(secret), "'\(secret)' leaked: \(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
