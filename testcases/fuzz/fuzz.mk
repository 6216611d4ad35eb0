# The protocol fuzz target, run in `make check` by a standalone driver over
# the seed corpus and deterministic pseudo-random inputs (see fuzz-proto.c
# for a libFuzzer build).

check_PROGRAMS += testcases/fuzz/fuzz-proto
testcases_fuzz_fuzz_proto_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-proto.c \
	$(NULL)
testcases_fuzz_fuzz_proto_LDADD = libos_common.la $(LIBCONFIG_LIBS) -lrt

# The replay of OBJ_IDX, the object index (see fuzz-idx.c).
check_PROGRAMS += testcases/fuzz/fuzz-idx
testcases_fuzz_fuzz_idx_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-idx.c \
	$(NULL)
testcases_fuzz_fuzz_idx_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

# The decoding of object files and their attributes (see fuzz-object.c).
check_PROGRAMS += testcases/fuzz/fuzz-object
testcases_fuzz_fuzz_object_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-object.c \
	$(NULL)
testcases_fuzz_fuzz_object_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

# NVTOK.DAT and the master-key files (see fuzz-mk.c).
check_PROGRAMS += testcases/fuzz/fuzz-mk
testcases_fuzz_fuzz_mk_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-mk.c \
	$(NULL)
testcases_fuzz_fuzz_mk_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

# The configuration loader (see fuzz-conf.c).
check_PROGRAMS += testcases/fuzz/fuzz-conf
testcases_fuzz_fuzz_conf_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-conf.c \
	$(NULL)
testcases_fuzz_fuzz_conf_LDADD = libos_common.la $(LIBCONFIG_LIBS)

# The soft backend's DER conversions and EC parameters (see fuzz-der.c).
check_PROGRAMS += testcases/fuzz/fuzz-der
testcases_fuzz_fuzz_der_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-der.c \
	usr/lib/tokens/common/der/der.c \
	usr/lib/tokens/soft/ec_curves.c \
	$(NULL)
testcases_fuzz_fuzz_der_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS) -I$(srcdir)/usr/lib/tokens/soft
testcases_fuzz_fuzz_der_LDADD = libos_common.la $(LIBCONFIG_LIBS) $(LIBCRYPTO_LIBS) -lrt

# Object templates through the attribute rules (see fuzz-template.c).
check_PROGRAMS += testcases/fuzz/fuzz-template
testcases_fuzz_fuzz_template_SOURCES = \
	testcases/fuzz/fuzz-driver.c \
	testcases/fuzz/fuzz-template.c \
	$(NULL)
testcases_fuzz_fuzz_template_LDADD = $(OS_TEST_TOKCOMMON_LIBS)

TESTS += testcases/fuzz/run-fuzz-corpus.sh

EXTRA_DIST += \
	testcases/fuzz/run-fuzz-corpus.sh \
	testcases/fuzz/build-libfuzzer.sh \
	testcases/fuzz/lsan.supp \
	testcases/fuzz/gen-corpus-der.py \
	testcases/fuzz/gen-corpus-idx.py \
	testcases/fuzz/gen-corpus-mk.py \
	testcases/fuzz/gen-corpus-object.py \
	testcases/fuzz/gen-corpus-template.py \
	testcases/fuzz/corpus-conf/empty.conf \
	testcases/fuzz/corpus-conf/escapes.conf \
	testcases/fuzz/corpus-conf/include.conf \
	testcases/fuzz/corpus-conf/libconfig-adjacent-quotes.conf \
	testcases/fuzz/corpus-conf/libconfig-nul-string.conf \
	testcases/fuzz/corpus-conf/long-dir.conf \
	testcases/fuzz/corpus-conf/options.conf \
	testcases/fuzz/corpus-conf/sample.conf \
	testcases/fuzz/corpus-conf/types.conf \
	testcases/fuzz/corpus-conf/unterminated.conf \
	testcases/fuzz/corpus-conf/versions.conf \
	testcases/fuzz/corpus-der/octets-constructed.bin \
	testcases/fuzz/corpus-der/octets-empty.bin \
	testcases/fuzz/corpus-der/octets-long-form.bin \
	testcases/fuzz/corpus-der/octets-point.bin \
	testcases/fuzz/corpus-der/octets-trailing.bin \
	testcases/fuzz/corpus-der/params-ed25519.bin \
	testcases/fuzz/corpus-der/params-explicit.bin \
	testcases/fuzz/corpus-der/params-long-form.bin \
	testcases/fuzz/corpus-der/params-name-long-form.bin \
	testcases/fuzz/corpus-der/params-name.bin \
	testcases/fuzz/corpus-der/params-nist-name.bin \
	testcases/fuzz/corpus-der/params-oid-padded.bin \
	testcases/fuzz/corpus-der/params-p256.bin \
	testcases/fuzz/corpus-der/params-p384.bin \
	testcases/fuzz/corpus-der/params-trailing.bin \
	testcases/fuzz/corpus-der/point-bare.bin \
	testcases/fuzz/corpus-der/point-compressed.bin \
	testcases/fuzz/corpus-der/point-ed25519.bin \
	testcases/fuzz/corpus-der/point-long-form.bin \
	testcases/fuzz/corpus-der/point-octets.bin \
	testcases/fuzz/corpus-der/rs-leading-zero.bin \
	testcases/fuzz/corpus-der/rs-max-n.bin \
	testcases/fuzz/corpus-der/rs-p256.bin \
	testcases/fuzz/corpus-der/sig-negative.bin \
	testcases/fuzz/corpus-der/sig-p256.bin \
	testcases/fuzz/corpus-der/sig-p521.bin \
	testcases/fuzz/corpus-der/sig-padded-int.bin \
	testcases/fuzz/corpus-der/sig-small.bin \
	testcases/fuzz/corpus-der/sig-too-long.bin \
	testcases/fuzz/corpus-der/wrap-300.bin \
	testcases/fuzz/corpus-der/wrap-short.bin \
	testcases/fuzz/corpus-idx/add-file-only.bin \
	testcases/fuzz/corpus-idx/add-inline.bin \
	testcases/fuzz/corpus-idx/add-update-remove.bin \
	testcases/fuzz/corpus-idx/bad-header.bin \
	testcases/fuzz/corpus-idx/bad-record-crc.bin \
	testcases/fuzz/corpus-idx/empty-header.bin \
	testcases/fuzz/corpus-idx/id-zero.bin \
	testcases/fuzz/corpus-idx/legacy-header.bin \
	testcases/fuzz/corpus-idx/short.bin \
	testcases/fuzz/corpus-idx/torn-frame.bin \
	testcases/fuzz/corpus-mk/mk-bad-kdf.bin \
	testcases/fuzz/corpus-mk/mk-costly-kdf.bin \
	testcases/fuzz/corpus-mk/mk-short.bin \
	testcases/fuzz/corpus-mk/mk-so-body.bin \
	testcases/fuzz/corpus-mk/mk-so-file-as-user.bin \
	testcases/fuzz/corpus-mk/mk-user-file.bin \
	testcases/fuzz/corpus-mk/mk-wrong-id.bin \
	testcases/fuzz/corpus-mk/mt-empty.bin \
	testcases/fuzz/corpus-mk/mt-so-file.bin \
	testcases/fuzz/corpus-mk/mt-too-long.bin \
	testcases/fuzz/corpus-mk/mt-user-body.bin \
	testcases/fuzz/corpus-mk/nv-bad-flags.bin \
	testcases/fuzz/corpus-mk/nv-bad-kdf.bin \
	testcases/fuzz/corpus-mk/nv-body-kdf.bin \
	testcases/fuzz/corpus-mk/nv-body.bin \
	testcases/fuzz/corpus-mk/nv-file.bin \
	testcases/fuzz/corpus-mk/nv-label-nul.bin \
	testcases/fuzz/corpus-mk/nv-old-flags.bin \
	testcases/fuzz/corpus-mk/nv-short.bin \
	testcases/fuzz/corpus-mk/nv-wrong-id.bin \
	testcases/fuzz/corpus-object/attrs-count-high.bin \
	testcases/fuzz/corpus-object/attrs-duplicate.bin \
	testcases/fuzz/corpus-object/attrs-empty.bin \
	testcases/fuzz/corpus-object/attrs-length-overrun.bin \
	testcases/fuzz/corpus-object/attrs-public-key.bin \
	testcases/fuzz/corpus-object/attrs-secret-key.bin \
	testcases/fuzz/corpus-object/attrs-trailing.bin \
	testcases/fuzz/corpus-object/empty.bin \
	testcases/fuzz/corpus-object/file-bad-tag.bin \
	testcases/fuzz/corpus-object/file-bad-version.bin \
	testcases/fuzz/corpus-object/file-empty-body.bin \
	testcases/fuzz/corpus-object/file-private-as-clear.bin \
	testcases/fuzz/corpus-object/file-private.bin \
	testcases/fuzz/corpus-object/file-public.bin \
	testcases/fuzz/corpus-object/file-short.bin \
	testcases/fuzz/corpus-proto/array-too-long.bin \
	testcases/fuzz/corpus-proto/bad-magic.bin \
	testcases/fuzz/corpus-proto/bad-version.bin \
	testcases/fuzz/corpus-proto/bytes-overrun.bin \
	testcases/fuzz/corpus-proto/error.bin \
	testcases/fuzz/corpus-proto/event.bin \
	testcases/fuzz/corpus-proto/get-slots.bin \
	testcases/fuzz/corpus-proto/hello-ok.bin \
	testcases/fuzz/corpus-proto/hello.bin \
	testcases/fuzz/corpus-proto/init-token.bin \
	testcases/fuzz/corpus-proto/length-mismatch.bin \
	testcases/fuzz/corpus-proto/login-result.bin \
	testcases/fuzz/corpus-proto/login.bin \
	testcases/fuzz/corpus-proto/obj-save.bin \
	testcases/fuzz/corpus-proto/ping.bin \
	testcases/fuzz/corpus-proto/pong.bin \
	testcases/fuzz/corpus-proto/session-count.bin \
	testcases/fuzz/corpus-proto/set-kdf.bin \
	testcases/fuzz/corpus-proto/set-pin.bin \
	testcases/fuzz/corpus-proto/slots-truncated.bin \
	testcases/fuzz/corpus-proto/slots.bin \
	testcases/fuzz/corpus-proto/string-nul.bin \
	testcases/fuzz/corpus-proto/token.bin \
	testcases/fuzz/corpus-proto/trailing.bin \
	testcases/fuzz/corpus-template/copy-private-public.bin \
	testcases/fuzz/corpus-template/copy-token.bin \
	testcases/fuzz/corpus-template/copy-uncopyable.bin \
	testcases/fuzz/corpus-template/create-aes.bin \
	testcases/fuzz/corpus-template/create-allowed-mechs.bin \
	testcases/fuzz/corpus-template/create-bad-bool.bin \
	testcases/fuzz/corpus-template/create-cert-trusted-so.bin \
	testcases/fuzz/corpus-template/create-cert-trusted-user.bin \
	testcases/fuzz/corpus-template/create-data.bin \
	testcases/fuzz/corpus-template/create-dates.bin \
	testcases/fuzz/corpus-template/create-duplicate.bin \
	testcases/fuzz/corpus-template/create-local.bin \
	testcases/fuzz/corpus-template/create-null-value.bin \
	testcases/fuzz/corpus-template/create-rsa-private.bin \
	testcases/fuzz/corpus-template/create-rsa-public.bin \
	testcases/fuzz/corpus-template/create-vendor.bin \
	testcases/fuzz/corpus-template/derive-generic.bin \
	testcases/fuzz/corpus-template/generate-aes.bin \
	testcases/fuzz/corpus-template/generate-dh-params.bin \
	testcases/fuzz/corpus-template/generate-with-value.bin \
	testcases/fuzz/corpus-template/get-extractable.bin \
	testcases/fuzz/corpus-template/get-mixed.bin \
	testcases/fuzz/corpus-template/pair-ec-public-point.bin \
	testcases/fuzz/corpus-template/pair-ec-public.bin \
	testcases/fuzz/corpus-template/pair-rsa-private.bin \
	testcases/fuzz/corpus-template/pair-rsa-public.bin \
	testcases/fuzz/corpus-template/set-class.bin \
	testcases/fuzz/corpus-template/set-label.bin \
	testcases/fuzz/corpus-template/set-sensitive-back.bin \
	testcases/fuzz/corpus-template/set-unmodifiable.bin \
	testcases/fuzz/corpus-template/store-change-class.bin \
	testcases/fuzz/corpus-template/store-change-label.bin \
	testcases/fuzz/corpus-template/store-change-no-private.bin \
	testcases/fuzz/corpus-template/store-change-unsensitive.bin \
	testcases/fuzz/corpus-template/store-new-aes.bin \
	testcases/fuzz/corpus-template/store-new-no-token.bin \
	testcases/fuzz/corpus-template/store-new-trusted.bin \
	testcases/fuzz/corpus-template/store-new-unknown.bin \
	testcases/fuzz/corpus-template/unwrap-aes.bin \
	$(NULL)
