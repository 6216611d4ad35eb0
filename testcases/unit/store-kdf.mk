# Unit test of the PIN key derivation of the token store (store_kdf.c)
# and of the KDF fields of the master-key files (store_pin.c).

check_PROGRAMS += testcases/unit/test-store-kdf
TESTS += testcases/unit/test-store-kdf
testcases_unit_test_store_kdf_SOURCES = \
	testcases/unit/test-store-kdf.c \
	$(NULL)
testcases_unit_test_store_kdf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
# The test counts the threads of the KDF and makes their creation fail.
testcases_unit_test_store_kdf_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=pthread_create
testcases_unit_test_store_kdf_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
