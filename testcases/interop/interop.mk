# Real clients against a private openslot instance.

TESTS += testcases/interop/test-pkcs11-tool.sh
EXTRA_DIST += \
	testcases/interop/instance.sh \
	testcases/interop/test-pkcs11-tool.sh \
	$(NULL)
