# Unit tests of the soft backend's asymmetric mechanisms
# (usr/lib/tokens/soft/{rsa,rsa_*,ec,ec_*,asym,asym_*}.c): the built
# libtoken_soft.so is loaded with dlopen() and driven through its ops
# table, with published test vectors and cross-checks against the openssl
# command.

if ENABLE_SOFT_TOKEN
check_PROGRAMS += testcases/unit/test-soft-asym
TESTS += testcases/unit/test-soft-asym
endif
testcases_unit_test_soft_asym_SOURCES = \
	testcases/unit/soft-asym-cross.c \
	testcases/unit/soft-asym-curves.c \
	testcases/unit/soft-asym-dh.c \
	testcases/unit/soft-asym-ec.c \
	testcases/unit/soft-asym-util.c \
	testcases/unit/soft-asym.h \
	testcases/unit/test-soft-asym.c \
	$(NULL)
testcases_unit_test_soft_asym_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_soft_asym_LDADD = \
	libos_tokattrs.la \
	$(LIBCRYPTO_LIBS) \
	$(CMOCKA_LIBS) \
	-ldl \
	-lpthread \
	$(NULL)
EXTRA_testcases_unit_test_soft_asym_DEPENDENCIES = $(token_LTLIBRARIES)

# The soft backend's DER conversions (usr/lib/tokens/common/der/der.c), linked in.
if ENABLE_SOFT_TOKEN
check_PROGRAMS += testcases/unit/test-soft-der
TESTS += testcases/unit/test-soft-der
endif
testcases_unit_test_soft_der_SOURCES = \
	testcases/unit/test-soft-der.c \
	usr/lib/tokens/common/der/der.c \
	$(NULL)
testcases_unit_test_soft_der_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS) \
	-I$(srcdir)/usr/lib/tokens/soft
testcases_unit_test_soft_der_LDADD = $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS)
