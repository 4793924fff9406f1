import SecureNetsVerifier

await VerifierCommand.main()
