# pkcsconf against a private openslot instance: golden files of its text
# and JSON output, and the token and key actions end to end (see
# run-golden.sh; UPDATE_GOLDEN=1 rewrites the golden files).

TESTS += testcases/pkcsconf/run-golden.sh
EXTRA_DIST += \
	testcases/pkcsconf/run-golden.sh \
	testcases/pkcsconf/steps.sh \
	testcases/pkcsconf/golden \
	$(NULL)

# Unit tests of the parts of pkcsconf that stand alone.
check_PROGRAMS += testcases/pkcsconf/test-json
TESTS += testcases/pkcsconf/test-json
testcases_pkcsconf_test_json_SOURCES = \
	testcases/pkcsconf/test-json.c \
	usr/sbin/pkcsconf/json.c \
	usr/sbin/pkcsconf/json.h \
	$(NULL)
testcases_pkcsconf_test_json_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/usr/sbin/pkcsconf
testcases_pkcsconf_test_json_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_pkcsconf_test_json_LDADD = $(CMOCKA_LIBS)

check_PROGRAMS += testcases/pkcsconf/test-keys-ec
TESTS += testcases/pkcsconf/test-keys-ec
testcases_pkcsconf_test_keys_ec_SOURCES = \
	testcases/pkcsconf/test-keys-ec.c \
	usr/sbin/pkcsconf/keys_ec.c \
	usr/sbin/pkcsconf/keys.h \
	usr/sbin/pkcsconf/pkcsconf.h \
	$(NULL)
testcases_pkcsconf_test_keys_ec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/usr/sbin/pkcsconf
testcases_pkcsconf_test_keys_ec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_pkcsconf_test_keys_ec_LDADD = libos_tokder.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS)
