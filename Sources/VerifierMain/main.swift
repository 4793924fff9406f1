import SecureNetsVerifier
import SecureNetsServices

await CommandEntryPoint.run(VerifierCommand.self)
