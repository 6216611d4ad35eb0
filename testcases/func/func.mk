# Functional tests: a real slotd on a private directory per test.

check_PROGRAMS += testcases/func/test-slotd
TESTS += testcases/func/test-slotd

testcases_func_test_slotd_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-slotd.c \
	$(NULL)
testcases_func_test_slotd_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_slotd_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt

check_PROGRAMS += testcases/func/test-slotd-limits
TESTS += testcases/func/test-slotd-limits
testcases_func_test_slotd_limits_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-slotd-limits.c \
	$(NULL)
testcases_func_test_slotd_limits_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_slotd_limits_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt

check_PROGRAMS += testcases/func/test-api
TESTS += testcases/func/test-api
testcases_func_test_api_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-api.c \
	$(NULL)
testcases_func_test_api_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_api_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

check_PROGRAMS += testcases/func/test-token
TESTS += testcases/func/test-token
testcases_func_test_token_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-token.c \
	$(NULL)
testcases_func_test_token_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_token_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# Operation rules: legacy functions, errors that end operations, dual updates.
check_PROGRAMS += testcases/func/test-ops
TESTS += testcases/func/test-ops
testcases_func_test_ops_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-ops.c \
	$(NULL)
testcases_func_test_ops_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_ops_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# Every mechanism of the soft token against the PKCS#11 rules, from its flags.
check_PROGRAMS += testcases/func/test-conformance
TESTS += testcases/func/test-conformance
testcases_func_test_conformance_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/conformance.h \
	testcases/func/conformance_keys.c \
	testcases/func/conformance_params.c \
	testcases/func/conformance_ops.c \
	testcases/func/test-conformance.c \
	$(NULL)
testcases_func_test_conformance_CFLAGS = $(AM_CFLAGS)
testcases_func_test_conformance_LDADD = libos_common.la $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# The soft token's further EC curves and Diffie-Hellman through the library.
check_PROGRAMS += testcases/func/test-keyagree
TESTS += testcases/func/test-keyagree
testcases_func_test_keyagree_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-keyagree.c \
	$(NULL)
testcases_func_test_keyagree_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_keyagree_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# A token's own KDF parameters, set by its SO with pkcsconf --kdf.
check_PROGRAMS += testcases/func/test-kdf
TESTS += testcases/func/test-kdf
testcases_func_test_kdf_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-kdf.c \
	$(NULL)
testcases_func_test_kdf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_kdf_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# The PIN state flags of CK_TOKEN_INFO, seen from two processes.
check_PROGRAMS += testcases/func/test-pin-flags
TESTS += testcases/func/test-pin-flags
testcases_func_test_pin_flags_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/test-pin-flags.c \
	$(NULL)
testcases_func_test_pin_flags_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_pin_flags_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl

# C_CopyObject walked over the attribute rules table, checked against the specification.
check_PROGRAMS += testcases/func/test-copy
TESTS += testcases/func/test-copy
testcases_func_test_copy_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/test-copy.c \
	usr/lib/tokens/common/rules/rules_table.c \
	$(NULL)
testcases_func_test_copy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_copy_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl

check_PROGRAMS += testcases/func/test-policy
TESTS += testcases/func/test-policy
testcases_func_test_policy_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-policy.c \
	$(NULL)
testcases_func_test_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_policy_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

check_PROGRAMS += testcases/func/test-hangs
TESTS += testcases/func/test-hangs
testcases_func_test_hangs_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-hangs.c \
	$(NULL)
testcases_func_test_hangs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_hangs_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

check_PROGRAMS += testcases/func/test-multiuser
TESTS += testcases/func/test-multiuser
testcases_func_test_multiuser_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/users.c \
	testcases/func/users.h \
	testcases/func/test-multiuser.c \
	$(NULL)
testcases_func_test_multiuser_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_multiuser_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl

check_PROGRAMS += testcases/func/test-login-burst
TESTS += testcases/func/test-login-burst
testcases_func_test_login_burst_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/test-login-burst.c \
	$(NULL)
testcases_func_test_login_burst_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_login_burst_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# Many processes and threads writing one token; OPENSLOT_STRESS_SECONDS sets
# the length (make check-long: a minute).
check_PROGRAMS += testcases/func/test-stress
TESTS += testcases/func/test-stress
testcases_func_test_stress_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/test-stress.c \
	$(NULL)
testcases_func_test_stress_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_stress_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# The attacks of a group member against a slotd running as its own user.
check_PROGRAMS += testcases/func/test-attacks
TESTS += testcases/func/test-attacks
testcases_func_test_attacks_SOURCES = \
	testcases/func/attacker.c \
	testcases/func/attacker.h \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/users.c \
	testcases/func/users.h \
	testcases/func/test-attacks.c \
	$(NULL)
testcases_func_test_attacks_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_attacks_LDADD = $(OS_TEST_TOKCOMMON_LIBS) -ldl -lpthread

# C_GetOperationState / C_SetOperationState over every saveable mechanism.
check_PROGRAMS += testcases/func/test-opstate
TESTS += testcases/func/test-opstate
testcases_func_test_opstate_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-opstate.c \
	$(NULL)
testcases_func_test_opstate_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_opstate_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# Triple DES through the library, and the slot option that turns it off.
check_PROGRAMS += testcases/func/test-des
TESTS += testcases/func/test-des
testcases_func_test_des_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-des.c \
	$(NULL)
testcases_func_test_des_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_func_test_des_LDADD = libos_common.la $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# Both layouts of CK_GCM_PARAMS, and wrong parameter lengths, through the library.
check_PROGRAMS += testcases/func/test-aead-params
TESTS += testcases/func/test-aead-params
testcases_func_test_aead_params_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-aead-params.c \
	$(NULL)
testcases_func_test_aead_params_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_aead_params_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# The key derivation mechanisms (HKDF, PBKDF2, SP 800-108, ECDH with a KDF).
check_PROGRAMS += testcases/func/test-derive
TESTS += testcases/func/test-derive
testcases_func_test_derive_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-derive.c \
	$(NULL)
testcases_func_test_derive_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_derive_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# The trace file at each level, and the syslog lines for problems a person
# must fix (syslog() is replaced in the test program, which exports it).
check_PROGRAMS += testcases/func/test-trace
TESTS += testcases/func/test-trace
testcases_func_test_trace_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-trace.c \
	testcases/func/users.c \
	testcases/func/users.h \
	$(NULL)
testcases_func_test_trace_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_trace_LDFLAGS = -Wl,--export-dynamic
testcases_func_test_trace_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

check_PROGRAMS += testcases/func/test-reload-slots
TESTS += testcases/func/test-reload-slots
testcases_func_test_reload_slots_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/test-reload-slots.c \
	$(NULL)
testcases_func_test_reload_slots_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_reload_slots_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt \
	-ldl -lpthread

# The tpm backend on a private swtpm (built with tpm2-tss only).
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm testcases/func/test-tpm-keys
TESTS += testcases/func/test-tpm testcases/func/test-tpm-keys
endif
OS_TPMFIX_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/swtpm.c \
	testcases/func/swtpm.h \
	testcases/func/tpmfix.c \
	testcases/func/tpmfix.h \
	$(NULL)
testcases_func_test_tpm_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm.c \
	$(NULL)
testcases_func_test_tpm_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_tpm_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread
testcases_func_test_tpm_keys_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-keys.c \
	$(NULL)
testcases_func_test_tpm_keys_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS) $(TSS2_CFLAGS)
testcases_func_test_tpm_keys_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) $(LIBCRYPTO_LIBS) $(TSS2_LIBS) -lrt -ldl -lpthread
# RSA-3072, RSA-PSS, ECDH and key import on the tpm token
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm-asym
TESTS += testcases/func/test-tpm-asym
endif
testcases_func_test_tpm_asym_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-asym.c \
	$(NULL)
testcases_func_test_tpm_asym_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_func_test_tpm_asym_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) $(LIBCRYPTO_LIBS) -lrt -ldl -lpthread

# Secret keys in the TPM: AES and HMAC, compared with OpenSSL.
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm-sym
TESTS += testcases/func/test-tpm-sym
endif
testcases_func_test_tpm_sym_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-sym.c \
	$(NULL)
testcases_func_test_tpm_sym_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS)
testcases_func_test_tpm_sym_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) \
	$(LIBCRYPTO_LIBS) -lrt -ldl -lpthread

# The PINs of the TPM token, sealed in the TPM.
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm-pins
TESTS += testcases/func/test-tpm-pins
endif
testcases_func_test_tpm_pins_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-pins.c \
	$(NULL)
testcases_func_test_tpm_pins_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS) $(TSS2_CFLAGS)
testcases_func_test_tpm_pins_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) $(LIBCRYPTO_LIBS) $(TSS2_LIBS) -lrt -ldl -lpthread

# The slot option tpm-parent, on a private swtpm; what is kept between calls
# behind tpm2-abrmd (skipped without it).
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm-parent testcases/func/test-tpm-keep
TESTS += testcases/func/test-tpm-parent testcases/func/test-tpm-keep
endif
testcases_func_test_tpm_parent_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-parent.c \
	$(NULL)
testcases_func_test_tpm_parent_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(TSS2_CFLAGS)
testcases_func_test_tpm_parent_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) $(TSS2_LIBS) -lrt -ldl -lpthread
testcases_func_test_tpm_keep_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-keep.c \
	$(NULL)
testcases_func_test_tpm_keep_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(TSS2_CFLAGS)
testcases_func_test_tpm_keep_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) $(TSS2_LIBS) -lrt -ldl -lpthread

# Key generation on the TPM token killed at random points.
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm-kill
TESTS += testcases/func/test-tpm-kill
endif
testcases_func_test_tpm_kill_SOURCES = \
	$(OS_TPMFIX_SOURCES) \
	testcases/func/test-tpm-kill.c \
	$(NULL)
testcases_func_test_tpm_kill_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_tpm_kill_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl -lpthread

# Per-user TPM tokens: two throwaway users on one swtpm (root only, else SKIP).
if HAVE_TSS2
check_PROGRAMS += testcases/func/test-tpm-users
TESTS += testcases/func/test-tpm-users
endif
testcases_func_test_tpm_users_SOURCES = \
	testcases/func/harness.c \
	testcases/func/harness.h \
	testcases/func/p11child.c \
	testcases/func/p11child.h \
	testcases/func/swtpm.c \
	testcases/func/swtpm.h \
	testcases/func/users.c \
	testcases/func/users.h \
	testcases/func/test-tpm-users.c \
	$(NULL)
testcases_func_test_tpm_users_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
testcases_func_test_tpm_users_LDADD = libos_common.la $(CMOCKA_LIBS) $(LIBCONFIG_LIBS) -lrt -ldl
