# Unit tests of the soft backend's DES family (usr/lib/tokens/soft/des*.c)
# and of the layouts of the AEAD parameters it accepts (aes_aead.c): the
# built libtoken_soft.so driven through its ops table with published
# vectors, sharing the harness of the symmetric test (soft-sym-util.c).

if ENABLE_SOFT_TOKEN
check_PROGRAMS += testcases/unit/test-soft-des testcases/unit/test-soft-params
TESTS += testcases/unit/test-soft-des testcases/unit/test-soft-params
TESTS += testcases/unit/test-soft-des-nolegacy.sh
endif
EXTRA_DIST += testcases/unit/test-soft-des-nolegacy.sh
testcases_unit_test_soft_des_SOURCES = \
	testcases/unit/soft-sym-util.c \
	testcases/unit/soft-sym.h \
	testcases/unit/test-soft-des.c \
	$(NULL)
testcases_unit_test_soft_des_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_soft_des_LDADD = libos_tokattrs.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS) -ldl
EXTRA_testcases_unit_test_soft_des_DEPENDENCIES = $(token_LTLIBRARIES)

testcases_unit_test_soft_params_SOURCES = \
	testcases/unit/soft-sym-util.c \
	testcases/unit/soft-sym.h \
	testcases/unit/test-soft-params.c \
	$(NULL)
testcases_unit_test_soft_params_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_soft_params_LDADD = libos_tokattrs.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS) -ldl
EXTRA_testcases_unit_test_soft_params_DEPENDENCIES = $(token_LTLIBRARIES)
