# Unit tests of the soft backend's symmetric mechanisms, digests and MACs
# (usr/lib/tokens/soft/{aes,aes_*,digest,mac,secret,fetch}.c): the built
# libtoken_soft.so is loaded with dlopen() and driven through its ops
# table with published test vectors and a cross-check against the openssl
# command.  OS_TEST_PERF=1 in the environment adds the performance targets.

if ENABLE_SOFT_TOKEN
check_PROGRAMS += testcases/unit/test-soft-sym
TESTS += testcases/unit/test-soft-sym
endif
testcases_unit_test_soft_sym_SOURCES = \
	testcases/unit/soft-sym-aead.c \
	testcases/unit/soft-sym-mac.c \
	testcases/unit/soft-sym-util.c \
	testcases/unit/soft-sym.h \
	testcases/unit/test-soft-sym.c \
	$(NULL)
testcases_unit_test_soft_sym_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_soft_sym_LDADD = libos_tokattrs.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS) -ldl
EXTRA_testcases_unit_test_soft_sym_DEPENDENCIES = $(token_LTLIBRARIES)

# Saved operation state of the soft backend (usr/lib/tokens/soft/state.c).
if ENABLE_SOFT_TOKEN
check_PROGRAMS += testcases/unit/test-soft-state
TESTS += testcases/unit/test-soft-state
endif
testcases_unit_test_soft_state_SOURCES = \
	testcases/unit/soft-sym-util.c \
	testcases/unit/soft-sym.h \
	testcases/unit/test-soft-state.c \
	$(NULL)
testcases_unit_test_soft_state_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_unit_test_soft_state_LDADD = libos_tokattrs.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS) -ldl
EXTRA_testcases_unit_test_soft_state_DEPENDENCIES = $(token_LTLIBRARIES)
