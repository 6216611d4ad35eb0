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
