# What the unit fragments share: the link line of a test of the token
# common layer (attribute sets, rules, the object store), and of nothing
# above it.

OS_TEST_TOKCOMMON_LIBS = \
	libos_tokcommon.la \
	libos_tokattrs.la \
	libos_common.la \
	$(LIBCRYPTO_LIBS) \
	$(ARGON2_LIBS) \
	$(LIBCONFIG_LIBS) \
	$(CMOCKA_LIBS) \
	-lrt \
	$(NULL)
