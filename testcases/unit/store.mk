# Tests of the token object store: the unit test, and a crash test that
# kills a writer with SIGKILL at random moments and checks what it leaves.

check_PROGRAMS += testcases/unit/test-store
TESTS += testcases/unit/test-store
testcases_unit_test_store_SOURCES = \
	testcases/unit/test-store.c \
	$(NULL)
testcases_unit_test_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_store_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

check_PROGRAMS += testcases/func/test-store-crash
TESTS += testcases/func/test-store-crash
testcases_func_test_store_crash_SOURCES = \
	testcases/func/test-store-crash.c \
	$(NULL)
testcases_func_test_store_crash_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_store_crash_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
