# Unit tests of the layers below the token backends: the hash table
# (usr/lib/common/htab.c), a token's object set
# (usr/lib/tokens/common/objects/objects.c) and the library's session table
# (usr/lib/api/sessions.c).  The first two wrap the allocator to make it
# fail on demand.

check_PROGRAMS += testcases/unit/test-htab
TESTS += testcases/unit/test-htab
testcases_unit_test_htab_SOURCES = \
	testcases/unit/test-htab.c \
	$(NULL)
testcases_unit_test_htab_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_htab_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc -Wl,--wrap=calloc
testcases_unit_test_htab_LDADD = libos_common.la $(CMOCKA_LIBS)

check_PROGRAMS += testcases/unit/test-objects
TESTS += testcases/unit/test-objects
testcases_unit_test_objects_SOURCES = \
	testcases/unit/test-objects.c \
	$(NULL)
testcases_unit_test_objects_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_objects_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
testcases_unit_test_objects_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

# sessions.c built alone: the functions of the library and the token it
# calls are stubs in the test.
check_PROGRAMS += testcases/unit/test-sessions
TESTS += testcases/unit/test-sessions
testcases_unit_test_sessions_SOURCES = \
	testcases/unit/test-sessions.c \
	usr/lib/api/sessions.c \
	$(NULL)
testcases_unit_test_sessions_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/usr/lib/api
testcases_unit_test_sessions_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
testcases_unit_test_sessions_LDADD = $(OS_TEST_TOKCOMMON_LIBS) -lpthread
