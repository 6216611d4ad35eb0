# PKCS#11 library
