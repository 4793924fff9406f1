import SecureNetsMessaging
import Testing

@Suite("amqps:// URL parsing (no broker)")
struct AMQPTLSURLTests {
    @Test func amqpsDefaultsToPort5671AndFullVerification() throws {
        let url = try AMQPURL("amqps://u:p@broker.example/securenets")
        #expect(url.port == 5671)
        #expect(url.tls == AMQPTLSOptions(caCertificateFile: nil, certificateFile: nil, keyFile: nil, verifyPeer: true,
                                          serverName: .host))
        #expect(url.scheme == "amqps")
        #expect(try AMQPURL("amqp://u:p@broker.example/securenets").tls == nil)
    }

    @Test func readsRabbitMQsQueryParameters() throws {
        let url = try AMQPURL("amqps://worker:pw@10.0.0.5:5673/securenets?cacertfile=/etc/ssl/ca.pem"
                              + "&certfile=/etc/ssl/worker.pem&keyfile=/etc/ssl/worker%20key.pem"
                              + "&verify=verify_peer&server_name_indication=broker.example.internal")
        #expect(url.host == "10.0.0.5" && url.port == 5673 && url.vhost == "securenets")
        #expect(url.tls == AMQPTLSOptions(caCertificateFile: "/etc/ssl/ca.pem", certificateFile: "/etc/ssl/worker.pem",
                                          keyFile: "/etc/ssl/worker key.pem", verifyPeer: true,
                                          serverName: .name("broker.example.internal")))
    }

    @Test(arguments: [
        ("verify=verify_none", AMQPTLSOptions(verifyPeer: false)),
        ("server_name_indication=disable", AMQPTLSOptions(serverName: .disabled)),
        ("server_name_indication=localhost", AMQPTLSOptions(serverName: .name("localhost"))),
    ])
    func readsEachSetting(query: String, expected: AMQPTLSOptions) throws {
        #expect(try AMQPURL("amqps://h?\(query)").tls == expected)
    }

    @Test func aVhostAndAQueryTogether() throws {
        let url = try AMQPURL("amqps://u:p@h/%2f?cacertfile=/ca.pem")
        #expect(url.vhost == "/" && url.tls?.caCertificateFile == "/ca.pem")
        #expect(try AMQPURL("amqps://u:p@h?cacertfile=/ca.pem").vhost == "/")
    }

    @Test func descriptionShowsTheSettingsButNotThePassword() throws {
        let url = try AMQPURL("amqps://worker:hunter2@h:5671/securenets?cacertfile=/etc/ca.pem&certfile=/etc/w.pem"
                              + "&keyfile=/etc/w.key&verify=verify_none&server_name_indication=disable")
        #expect(url.description == "amqps://worker:***@h:5671/securenets?cacertfile=/etc/ca.pem&certfile=/etc/w.pem"
                + "&keyfile=/etc/w.key&verify=verify_none&server_name_indication=disable")
        #expect(try AMQPURL(url.description.replacingOccurrences(of: "***", with: "hunter2")) == url)
    }

    @Test func aLongPathIsRefused() {
        let path = "/" + String(repeating: "a", count: 4096)
        #expect {
            try AMQPURL("amqps://h?cacertfile=\(path)")
        } throws: { error in
            "\(error)".contains("the cacertfile path is longer than 4096 bytes")
        }
    }

    @Test func errorsDoNotRevealThePasswordEvenWithAnAtInTheQuery() {
        #expect {
            try AMQPURL("amqps://user:hunter2@h/v?cacertfile=/etc/user@host/ca.pem&bogus=1")
        } throws: { error in
            "\(error)".contains("amqps://user:***@h/v") && !"\(error)".contains("hunter2")
        }
    }
}
