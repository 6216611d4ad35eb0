# Functional tests under the real p11-kit: managed callers, the proxy module,
# call logging, a remote module and the p11-kit command line.  The proxy
# module and the p11-kit program are located with pkg-config at build time;
# the test falls back to the usual places when these are missing.

P11KIT_PROXY_MODULE = $(shell $(PKG_CONFIG) --variable=proxy_module p11-kit-1 2>/dev/null)
P11KIT_MODULE_CONFIGS = $(shell $(PKG_CONFIG) --variable=p11_module_configs p11-kit-1 2>/dev/null)
P11KIT_PROGRAM = $(shell $(PKG_CONFIG) --variable=exec_prefix p11-kit-1 2>/dev/null)/bin/p11-kit

check_PROGRAMS += testcases/func/test-p11kit
TESTS += testcases/func/test-p11kit

testcases_func_test_p11kit_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-p11kit.c \
	$(NULL)
testcases_func_test_p11kit_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(P11KIT_CFLAGS) \
	-DP11KIT_PROXY_MODULE=\"$(P11KIT_PROXY_MODULE)\" \
	-DP11KIT_MODULE_CONFIGS=\"$(P11KIT_MODULE_CONFIGS)\" \
	-DP11KIT_PROGRAM=\"$(P11KIT_PROGRAM)\"
testcases_func_test_p11kit_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) $(P11KIT_LIBS) \
	-lrt -ldl -lpthread

check_PROGRAMS += testcases/func/test-p11kit-churn
TESTS += testcases/func/test-p11kit-churn

testcases_func_test_p11kit_churn_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-p11kit-churn.c \
	$(NULL)
testcases_func_test_p11kit_churn_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(P11KIT_CFLAGS)
testcases_func_test_p11kit_churn_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) \
	$(P11KIT_LIBS) -lrt -ldl -lpthread
