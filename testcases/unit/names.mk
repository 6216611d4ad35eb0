# Unit tests of the PKCS#11 names (usr/lib/common/p11names.c) and of the
# PKCS#11 3.0 header additions (usr/include/openslot/pkcs11_3x.h).

check_PROGRAMS += testcases/unit/test-p11names
TESTS += testcases/unit/test-p11names
testcases_unit_test_p11names_SOURCES = \
	testcases/unit/test-p11names.c \
	$(NULL)
testcases_unit_test_p11names_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_p11names_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt

check_PROGRAMS += testcases/unit/test-pkcs11-3x
TESTS += testcases/unit/test-pkcs11-3x
testcases_unit_test_pkcs11_3x_SOURCES = \
	testcases/unit/test-pkcs11-3x.c \
	$(NULL)
testcases_unit_test_pkcs11_3x_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_pkcs11_3x_LDADD = $(CMOCKA_LIBS)
