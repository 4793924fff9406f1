import SecureNets
