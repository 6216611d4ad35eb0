# Token backends: one loadable module per backend, installed in
# $(tokendir) and exporting only os_backend_entry (backend.sym).  Each is
# switched by its own configure option.

# Link flags every backend shares.  --no-undefined holds in the sanitizer
# build too: gcc links the shared sanitizer runtimes into each module.
OS_BACKEND_LDFLAGS = \
	$(AM_LDFLAGS) \
	-module \
	-avoid-version \
	-shared \
	-Wl,--version-script=$(top_srcdir)/usr/lib/tokens/backend.sym \
	-Wl,--no-undefined \
	$(NULL)
OS_BACKEND_DEPS = $(top_srcdir)/usr/lib/tokens/backend.sym
EXTRA_DIST += usr/lib/tokens/backend.sym

# libos_absent: the shared part of the backends whose device is absent.
noinst_LTLIBRARIES += libos_absent.la
libos_absent_la_SOURCES = \
	usr/lib/tokens/common/absent.c \
	usr/lib/tokens/common/absent.h \
	usr/lib/tokens/common/backend.h \
	$(NULL)

if ENABLE_SOFT_TOKEN
token_LTLIBRARIES += libtoken_soft.la
endif
libtoken_soft_la_SOURCES = \
	usr/lib/tokens/soft/aes.c \
	usr/lib/tokens/soft/aes.h \
	usr/lib/tokens/soft/aes_aead.c \
	usr/lib/tokens/soft/aes_modes.c \
	usr/lib/tokens/soft/aes_wrap.c \
	usr/lib/tokens/soft/asym.c \
	usr/lib/tokens/soft/asym.h \
	usr/lib/tokens/soft/asym_sig.c \
	usr/lib/tokens/soft/asym_sig.h \
	usr/lib/tokens/soft/des.c \
	usr/lib/tokens/soft/des.h \
	usr/lib/tokens/soft/des_mac.c \
	usr/lib/tokens/soft/dh.c \
	usr/lib/tokens/soft/dh.h \
	usr/lib/tokens/soft/digest.c \
	usr/lib/tokens/soft/digest.h \
	usr/lib/tokens/soft/ec.c \
	usr/lib/tokens/soft/ec_curves.c \
	usr/lib/tokens/soft/ec_curves.h \
	usr/lib/tokens/soft/ec_derive.c \
	usr/lib/tokens/soft/ec_derive.h \
	usr/lib/tokens/soft/ec_keys.c \
	usr/lib/tokens/soft/ec_keys.h \
	usr/lib/tokens/soft/fetch.c \
	usr/lib/tokens/soft/fetch.h \
	usr/lib/tokens/soft/kdf.c \
	usr/lib/tokens/soft/kdf.h \
	usr/lib/tokens/soft/kdf_kbkdf.c \
	usr/lib/tokens/soft/kdf_pbkdf2.c \
	usr/lib/tokens/soft/mac.c \
	usr/lib/tokens/soft/mac.h \
	usr/lib/tokens/soft/rsa.c \
	usr/lib/tokens/soft/rsa_crypt.c \
	usr/lib/tokens/soft/rsa_crypt.h \
	usr/lib/tokens/soft/rsa_keys.c \
	usr/lib/tokens/soft/rsa_keys.h \
	usr/lib/tokens/soft/secret.c \
	usr/lib/tokens/soft/secret.h \
	usr/lib/tokens/soft/soft.c \
	usr/lib/tokens/soft/soft.h \
	usr/lib/tokens/soft/state.c \
	usr/lib/tokens/soft/state.h \
	$(NULL)
libtoken_soft_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
libtoken_soft_la_LIBADD = libos_tokattrs.la libos_tokder.la $(LIBCRYPTO_LIBS)

# DER conversions through OpenSSL (EC points, ECDSA signatures, curve
# OIDs), linked into the backends and pkcsconf.
noinst_LTLIBRARIES += libos_tokder.la
libos_tokder_la_SOURCES = \
	usr/lib/tokens/common/der/der.c \
	usr/lib/tokens/common/der/der.h \
	$(NULL)
libos_tokder_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS) -fPIC

# Attribute sets, linked into the backends that need them (and the library).
noinst_LTLIBRARIES += libos_tokattrs.la
libos_tokattrs_la_SOURCES = \
	usr/lib/tokens/common/objects/attrs.c \
	usr/lib/tokens/common/objects/attrs.h \
	$(NULL)
libos_tokattrs_la_CFLAGS = $(AM_CFLAGS) -fPIC
libtoken_soft_la_LDFLAGS = $(OS_BACKEND_LDFLAGS)
EXTRA_libtoken_soft_la_DEPENDENCIES = $(OS_BACKEND_DEPS)

if ENABLE_TPM_TOKEN
token_LTLIBRARIES += libtoken_tpm.la
endif
# With tpm2-tss the backend drives the TPM; without it, the stub that says
# whether the device exists.
if HAVE_TSS2
libtoken_tpm_la_SOURCES = \
	usr/lib/tokens/tpm/tpm.c \
	usr/lib/tokens/tpm/tpm.h \
	usr/lib/tokens/tpm/tpm_caps.c \
	usr/lib/tokens/tpm/tpm_caps.h \
	usr/lib/tokens/tpm/tpm_call.c \
	usr/lib/tokens/tpm/tpm_call.h \
	usr/lib/tokens/tpm/tpm_conn.c \
	usr/lib/tokens/tpm/tpm_conn.h \
	usr/lib/tokens/tpm/tpm_crypt.c \
	usr/lib/tokens/tpm/tpm_crypt.h \
	usr/lib/tokens/tpm/tpm_der.c \
	usr/lib/tokens/tpm/tpm_der.h \
	usr/lib/tokens/tpm/tpm_keep.c \
	usr/lib/tokens/tpm/tpm_keep.h \
	usr/lib/tokens/tpm/tpm_keys.c \
	usr/lib/tokens/tpm/tpm_keys.h \
	usr/lib/tokens/tpm/tpm_lockout.c \
	usr/lib/tokens/tpm/tpm_lockout.h \
	usr/lib/tokens/tpm/tpm_mechs.c \
	usr/lib/tokens/tpm/tpm_mechs.h \
	usr/lib/tokens/tpm/tpm_ops.c \
	usr/lib/tokens/tpm/tpm_ops.h \
	usr/lib/tokens/tpm/tpm_opts.c \
	usr/lib/tokens/tpm/tpm_opts.h \
	usr/lib/tokens/tpm/tpm_parent.c \
	usr/lib/tokens/tpm/tpm_parent.h \
	usr/lib/tokens/tpm/tpm_seal.h \
	usr/lib/tokens/tpm/tpm_sign.c \
	usr/lib/tokens/tpm/tpm_sign.h \
	usr/lib/tokens/tpm/tpm_swtpm.c \
	usr/lib/tokens/tpm/tpm_swtpm.h \
	usr/lib/tokens/tpm/tpm_verify.c \
	usr/lib/tokens/tpm/tpm_verify.h \
	usr/lib/tokens/tpm/tpm_aes.c \
	usr/lib/tokens/tpm/tpm_aes.h \
	usr/lib/tokens/tpm/tpm_hmac.c \
	usr/lib/tokens/tpm/tpm_hmac.h \
	usr/lib/tokens/tpm/tpm_secret.c \
	usr/lib/tokens/tpm/tpm_secret.h \
	usr/lib/tokens/tpm/tpm_symops.c \
	usr/lib/tokens/tpm/tpm_symops.h \
	$(NULL)
# RSA-PSS parameters, ECDH derivation, private keys imported into the TPM, unwrapping
libtoken_tpm_la_SOURCES += \
	usr/lib/tokens/tpm/tpm_derive.c \
	usr/lib/tokens/tpm/tpm_derive.h \
	usr/lib/tokens/tpm/tpm_dup.c \
	usr/lib/tokens/tpm/tpm_dup.h \
	usr/lib/tokens/tpm/tpm_import.c \
	usr/lib/tokens/tpm/tpm_import.h \
	usr/lib/tokens/tpm/tpm_pss.c \
	usr/lib/tokens/tpm/tpm_pss.h \
	usr/lib/tokens/tpm/tpm_unwrap.c \
	usr/lib/tokens/tpm/tpm_unwrap.h \
	$(NULL)
libtoken_tpm_la_CFLAGS = $(AM_CFLAGS) $(TSS2_CFLAGS) $(LIBCRYPTO_CFLAGS)
libtoken_tpm_la_LIBADD = libos_tokattrs.la libos_tokder.la $(TSS2_LIBS) $(LIBCRYPTO_LIBS) -lpthread
else
libtoken_tpm_la_SOURCES = \
	usr/lib/tokens/tpm/tpm_stub.c \
	$(NULL)
libtoken_tpm_la_LIBADD = libos_absent.la
endif
libtoken_tpm_la_LDFLAGS = $(OS_BACKEND_LDFLAGS)
EXTRA_libtoken_tpm_la_DEPENDENCIES = $(OS_BACKEND_DEPS)

if ENABLE_CCA_TOKEN
token_LTLIBRARIES += libtoken_cca.la
endif
libtoken_cca_la_SOURCES = \
	usr/lib/tokens/cca/cca.c \
	$(NULL)
libtoken_cca_la_LIBADD = libos_absent.la
libtoken_cca_la_LDFLAGS = $(OS_BACKEND_LDFLAGS)
EXTRA_libtoken_cca_la_DEPENDENCIES = $(OS_BACKEND_DEPS)

if ENABLE_EP11_TOKEN
token_LTLIBRARIES += libtoken_ep11.la
endif
libtoken_ep11_la_SOURCES = \
	usr/lib/tokens/ep11/ep11.c \
	$(NULL)
libtoken_ep11_la_LIBADD = libos_absent.la
libtoken_ep11_la_LDFLAGS = $(OS_BACKEND_LDFLAGS)
EXTRA_libtoken_ep11_la_DEPENDENCIES = $(OS_BACKEND_DEPS)
