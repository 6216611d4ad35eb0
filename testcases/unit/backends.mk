# Unit tests of the token backends: each built libtoken_<name>.so is loaded
# with dlopen() and driven through its ops table.  The test learns which
# backends this configuration builds from OS_TEST_TOKENS.

check_PROGRAMS += testcases/unit/test-backends
TESTS += testcases/unit/test-backends
testcases_unit_test_backends_SOURCES = \
	testcases/unit/test-backends.c \
	$(NULL)
testcases_unit_test_backends_CPPFLAGS = \
	$(AM_CPPFLAGS) \
	-DOS_TEST_TOKENS=\""$(token_LTLIBRARIES)"\" \
	$(NULL)
if HAVE_TSS2
testcases_unit_test_backends_CPPFLAGS += -DOS_TEST_TPM_TSS2
endif
testcases_unit_test_backends_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_backends_LDADD = $(CMOCKA_LIBS) -ldl
EXTRA_testcases_unit_test_backends_DEPENDENCIES = $(token_LTLIBRARIES)

# The tpm backend's slot options (built with tpm2-tss only).
if HAVE_TSS2
check_PROGRAMS += testcases/unit/test-tpm-opts
TESTS += testcases/unit/test-tpm-opts
endif
testcases_unit_test_tpm_opts_SOURCES = \
	testcases/unit/test-tpm-opts.c \
	usr/lib/tokens/tpm/tpm_opts.c \
	usr/lib/tokens/tpm/tpm_opts.h \
	$(NULL)
testcases_unit_test_tpm_opts_CPPFLAGS = \
	$(AM_CPPFLAGS) \
	-I$(top_srcdir)/usr/lib/tokens/tpm \
	$(NULL)
testcases_unit_test_tpm_opts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_tpm_opts_LDADD = $(CMOCKA_LIBS)

# The tpm backend's RSA-PSS parameter rules (built with tpm2-tss only).
if HAVE_TSS2
check_PROGRAMS += testcases/unit/test-tpm-pss
TESTS += testcases/unit/test-tpm-pss
endif
testcases_unit_test_tpm_pss_SOURCES = \
	testcases/unit/test-tpm-pss.c \
	usr/lib/tokens/tpm/tpm_pss.c \
	usr/lib/tokens/tpm/tpm_pss.h \
	$(NULL)
testcases_unit_test_tpm_pss_CPPFLAGS = \
	$(AM_CPPFLAGS) \
	-I$(top_srcdir)/usr/lib/tokens/tpm \
	$(NULL)
testcases_unit_test_tpm_pss_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(TSS2_CFLAGS)
testcases_unit_test_tpm_pss_LDADD = $(CMOCKA_LIBS)
