# Unit test of the completion of a backend's ops table (backend_fill.c).

check_PROGRAMS += testcases/unit/test-backend-fill
TESTS += testcases/unit/test-backend-fill
testcases_unit_test_backend_fill_SOURCES = \
	testcases/unit/test-backend-fill.c \
	$(NULL)
testcases_unit_test_backend_fill_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_backend_fill_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
