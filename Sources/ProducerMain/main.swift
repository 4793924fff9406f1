import SecureNetsProducer
import SecureNetsServices

await CommandEntryPoint.run(SecureNetsCommand.self)
