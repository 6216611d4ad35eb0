# Unit tests of the token common layer's attribute sets, their encoding
# (usr/lib/tokens/common/objects/attrs.c, attrs_codec.c) and the PKCS#11 attribute
# rules (rules.c, rules_table.c).

check_PROGRAMS += testcases/unit/test-attrs
TESTS += testcases/unit/test-attrs
testcases_unit_test_attrs_SOURCES = \
	testcases/unit/test-attrs.c \
	$(NULL)
testcases_unit_test_attrs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_attrs_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

check_PROGRAMS += testcases/unit/test-rules
TESTS += testcases/unit/test-rules
testcases_unit_test_rules_SOURCES = \
	testcases/unit/test-rules.c \
	$(NULL)
testcases_unit_test_rules_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_unit_test_rules_LDADD = $(OS_TEST_TOKCOMMON_LIBS)
