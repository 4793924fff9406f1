import SecureNetsMessaging
import Testing

@Suite("Broker URL lists (no broker)")
struct AMQPURLListTests {
    static let node1 = "amqp://worker:pw@10.0.0.1:5672/securenets"
    static let node2 = "amqp://worker:pw@10.0.0.2:5672/securenets"
    static let node3 = "amqps://worker:pw@10.0.0.3/securenets?cacertfile=/etc/ca.pem"

    @Test func oneURLIsAListOfOne() throws {
        let list = try AMQPURLList(AMQPURLListTests.node1)
        #expect(list.urls == [try AMQPURL(AMQPURLListTests.node1)])
        #expect(list.first == (try AMQPURL(AMQPURLListTests.node1)))
    }

    @Test func commasSeparateURLsInOrder() throws {
        let list = try AMQPURLList("\(AMQPURLListTests.node1),\(AMQPURLListTests.node2),\(AMQPURLListTests.node3)")
        #expect(list.urls.map(\.host) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(list.urls[2].tls?.caCertificateFile == "/etc/ca.pem")
    }

    @Test func spacesAroundCommasAreIgnored() throws {
        let list = try AMQPURLList(" \(AMQPURLListTests.node1) , \(AMQPURLListTests.node2) ")
        #expect(list.urls.map(\.host) == ["10.0.0.1", "10.0.0.2"])
    }

    @Test func repeatedFlagsAndCommaListsAddUpInOrder() throws {
        let list = try AMQPURLList(parsing: [AMQPURLListTests.node3, "\(AMQPURLListTests.node1),\(AMQPURLListTests.node2)"])
        #expect(list.urls.map(\.host) == ["10.0.0.3", "10.0.0.1", "10.0.0.2"])
    }

    @Test func aCommaThatStartsNoURLStaysInItsURL() throws {
        let list = try AMQPURLList("amqp://u:pa,ss@h1/v,amqps://u:p@h2/v?cacertfile=/etc/a,b/ca.pem,AMQP://h3")
        #expect(list.urls.map(\.password) == ["pa,ss", "p", "guest"])
        #expect(list.urls[1].tls?.caCertificateFile == "/etc/a,b/ca.pem")
        #expect(list.urls.map(\.host) == ["h1", "h2", "h3"])
    }

    @Test(arguments: ["", " ", "amqp://h1/v,", "amqp://h1/v,,amqp://h2/v", ",amqp://h1/v"])
    func anEmptyEntryIsRefused(_ text: String) {
        #expect {
            try AMQPURLList(text)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .invalidURL && error?.description.contains("empty entry") == true
        }
    }

    @Test func noValueAtAllIsRefused() {
        #expect {
            try AMQPURLList(parsing: [])
        } throws: { error in
            (error as? AMQPError)?.description == "no AMQP URL given"
        }
    }

    @Test func aBadURLInTheListIsNamedWithoutItsPassword() {
        #expect {
            try AMQPURLList("amqp://u:hunter2@h1/v,amqp://u:hunter2@h2:99999/v")
        } throws: { error in
            let text = "\(error)"
            return text.contains("invalid AMQP URL 'amqp://u:***@h2:99999/v'") && !text.contains("hunter2")
        }
    }

    @Test func theDescriptionHidesEveryPassword() throws {
        let list = try AMQPURLList("amqp://u:hunter2@h1/v,amqp://u:hunter2@h2/v")
        #expect(list.description == "amqp://u:***@h1:5672/v,amqp://u:***@h2:5672/v")
    }

    @Test func turnsGoRoundTheList() throws {
        let list = try AMQPURLList("amqp://h1/v,amqp://h2/v,amqp://h3/v")
        #expect((0..<7).map { list[turn: $0].host } == ["h1", "h2", "h3", "h1", "h2", "h3", "h1"])
        #expect(AMQPURLList([]) == nil)
    }
}
