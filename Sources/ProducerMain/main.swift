print("securenets")
