# The token common layer under injected faults: allocations and reads of
# the token and store code fail on demand (libc wrapped at link time).

check_PROGRAMS += testcases/unit/test-token-faults
TESTS += testcases/unit/test-token-faults
testcases_unit_test_token_faults_SOURCES = \
	testcases/unit/test-token-faults.c \
	$(NULL)
testcases_unit_test_token_faults_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_token_faults_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=read,--wrap=pread
testcases_unit_test_token_faults_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
