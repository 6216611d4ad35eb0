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
