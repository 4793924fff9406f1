import SecureNetsProducer

await SecureNetsCommand.main()
