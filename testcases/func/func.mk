# Functional tests: a real slotd on a private directory per test.

check_PROGRAMS += testcases/func/test-slotd
TESTS += testcases/func/test-slotd

testcases_func_test_slotd_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-slotd.c \
	$(NULL)
testcases_func_test_slotd_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_slotd_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt

check_PROGRAMS += testcases/func/test-slotd-limits
TESTS += testcases/func/test-slotd-limits
testcases_func_test_slotd_limits_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-slotd-limits.c \
	$(NULL)
testcases_func_test_slotd_limits_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_slotd_limits_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt

check_PROGRAMS += testcases/func/test-api
TESTS += testcases/func/test-api
testcases_func_test_api_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-api.c \
	$(NULL)
testcases_func_test_api_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_api_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

check_PROGRAMS += testcases/func/test-token
TESTS += testcases/func/test-token
testcases_func_test_token_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-token.c \
	$(NULL)
testcases_func_test_token_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_token_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread
