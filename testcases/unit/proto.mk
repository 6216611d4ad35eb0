# Unit tests of the byte buffers and the slotd wire-protocol codec.

check_PROGRAMS += testcases/unit/test-buf
TESTS += testcases/unit/test-buf
testcases_unit_test_buf_SOURCES = \
	testcases/unit/test-buf.c \
	$(NULL)
testcases_unit_test_buf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_buf_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt

check_PROGRAMS += testcases/unit/test-proto
TESTS += testcases/unit/test-proto
testcases_unit_test_proto_SOURCES = \
	testcases/unit/test-proto.c \
	$(NULL)
testcases_unit_test_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_proto_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt
