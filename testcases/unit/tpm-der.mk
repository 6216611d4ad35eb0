# The tpm backend's DigestInfo (usr/lib/tokens/tpm/tpm_der.c) and the curve
# OIDs it reads and writes through the shared der.c, linked in (built with
# tpm2-tss only, as the backend is).

if HAVE_TSS2
check_PROGRAMS += testcases/unit/test-tpm-der
TESTS += testcases/unit/test-tpm-der
endif
testcases_unit_test_tpm_der_SOURCES = \
	testcases/unit/test-tpm-der.c \
	usr/lib/tokens/tpm/tpm_der.c \
	usr/lib/tokens/tpm/tpm_der.h \
	usr/lib/tokens/common/der/der.c \
	$(NULL)
testcases_unit_test_tpm_der_CPPFLAGS = \
	$(AM_CPPFLAGS) \
	-I$(top_srcdir)/usr/lib/tokens/tpm \
	$(NULL)
testcases_unit_test_tpm_der_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_tpm_der_LDADD = $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS)
