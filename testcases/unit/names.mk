# unit tests of p11names
