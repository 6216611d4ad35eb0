# Real clients against a private openslot instance.

TESTS += testcases/interop/test-pkcs11-tool.sh
EXTRA_DIST += \
	testcases/interop/instance.sh \
	testcases/interop/test-pkcs11-tool.sh \
	$(NULL)

TESTS += \
	testcases/interop/test-p11tool.sh \
	testcases/interop/test-openssl-engine.sh \
	testcases/interop/test-pykcs11.sh \
	testcases/interop/test-p11kit-cli.sh \
	$(NULL)
EXTRA_DIST += \
	testcases/interop/test-p11tool.sh \
	testcases/interop/test-openssl-engine.sh \
	testcases/interop/test-pykcs11.sh \
	testcases/interop/pykcs11_check.py \
	testcases/interop/test-p11kit-cli.sh \
	$(NULL)

# The tpm slot on a private swtpm (built with tpm2-tss only).
if HAVE_TSS2
TESTS += testcases/interop/test-pkcs11-tool-tpm.sh
endif
EXTRA_DIST += testcases/interop/test-pkcs11-tool-tpm.sh

# Clients people use: OpenSSH, NSS and a GnuTLS TLS 1.3 server.
TESTS += \
	testcases/interop/test-openssh.sh \
	testcases/interop/test-nss.sh \
	testcases/interop/test-gnutls-tls.sh \
	$(NULL)
EXTRA_DIST += \
	testcases/interop/test-openssh.sh \
	testcases/interop/test-nss.sh \
	testcases/interop/test-gnutls-tls.sh \
	$(NULL)
