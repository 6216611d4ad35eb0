# Unit tests of the configuration parser (usr/lib/common/conf.c).

check_PROGRAMS += testcases/unit/test-conf
TESTS += testcases/unit/test-conf

testcases_unit_test_conf_SOURCES = \
	testcases/unit/test-conf.c \
	$(NULL)
testcases_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS)
testcases_unit_test_conf_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt
