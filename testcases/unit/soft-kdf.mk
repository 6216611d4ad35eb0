# Unit tests of the soft backend's key derivation functions
# (usr/lib/tokens/soft/kdf*.c): the built libtoken_soft.so is loaded with
# dlopen() and driven through its ops table with published vectors.

if ENABLE_SOFT_TOKEN
check_PROGRAMS += testcases/unit/test-soft-kdf
TESTS += testcases/unit/test-soft-kdf
endif
testcases_unit_test_soft_kdf_SOURCES = \
	testcases/unit/soft-sym-util.c \
	testcases/unit/soft-sym.h \
	testcases/unit/test-soft-kdf.c \
	$(NULL)
testcases_unit_test_soft_kdf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_soft_kdf_LDADD = libos_tokattrs.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS) -ldl
EXTRA_testcases_unit_test_soft_kdf_DEPENDENCIES = $(token_LTLIBRARIES)
