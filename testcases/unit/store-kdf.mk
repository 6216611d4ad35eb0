# Unit test of the PIN key derivation of the token store (store_kdf.c,
# Argon2id) and of the KDF fields of the master-key files (store_mk.c).

check_PROGRAMS += testcases/unit/test-store-kdf
TESTS += testcases/unit/test-store-kdf
testcases_unit_test_store_kdf_SOURCES = \
	testcases/unit/test-store-kdf.c \
	$(NULL)
testcases_unit_test_store_kdf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(ARGON2_CFLAGS)
# The test counts the derivations.
testcases_unit_test_store_kdf_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=argon2id_hash_raw
testcases_unit_test_store_kdf_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
