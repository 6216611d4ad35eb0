# Unit tests of the path helpers (usr/lib/common/paths.c).

check_PROGRAMS += testcases/unit/test-paths
TESTS += testcases/unit/test-paths
testcases_unit_test_paths_SOURCES = \
	testcases/unit/test-paths.c \
	$(NULL)
testcases_unit_test_paths_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_paths_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt
