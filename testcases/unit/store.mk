# Tests of the token object store: the unit test, and a crash test that
# kills a writer with SIGKILL at random moments and checks what it leaves.

check_PROGRAMS += testcases/unit/test-store
TESTS += testcases/unit/test-store
testcases_unit_test_store_SOURCES = \
	testcases/unit/test-store.c \
	$(NULL)
testcases_unit_test_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_store_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

# The token record NVTOK.DAT and the token's own KDF parameters for new PINs.
check_PROGRAMS += testcases/unit/test-store-nv
TESTS += testcases/unit/test-store-nv
testcases_unit_test_store_nv_SOURCES = \
	testcases/unit/test-store-nv.c \
	$(NULL)
testcases_unit_test_store_nv_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_store_nv_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

check_PROGRAMS += testcases/func/test-store-crash
TESTS += testcases/func/test-store-crash
testcases_func_test_store_crash_SOURCES = \
	testcases/func/test-store-crash.c \
	$(NULL)
testcases_func_test_store_crash_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_store_crash_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

# The store as slotd and its clients use it: concurrent PIN attempts,
# modes, reader handles, locks held by others, a lock-free reader against a
# busy writer, group commit.  argon2id_hash_raw is wrapped to count the
# derivations.
check_PROGRAMS += testcases/unit/test-store-rw
TESTS += testcases/unit/test-store-rw
testcases_unit_test_store_rw_SOURCES = \
	testcases/unit/test-store-rw.c \
	$(NULL)
testcases_unit_test_store_rw_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_store_rw_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=argon2id_hash_raw
testcases_unit_test_store_rw_LDADD = $(OS_TEST_TOKCOMMON_LIBS) -lpthread

# A store whose PINs a device keeps (tok_store_set_sealer), with a mock sealer.
check_PROGRAMS += testcases/unit/test-store-sealer
TESTS += testcases/unit/test-store-sealer
testcases_unit_test_store_sealer_SOURCES = \
	testcases/unit/test-store-sealer.c \
	$(NULL)
testcases_unit_test_store_sealer_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_store_sealer_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
