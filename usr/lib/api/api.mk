# libopenslot.so, the PKCS#11 library, and the token common layer it links.

noinst_LTLIBRARIES += libos_tokcommon.la
libos_tokcommon_la_SOURCES = \
	usr/lib/tokens/common/objects/attrs_codec.c \
	usr/lib/tokens/common/backend.h \
	usr/lib/tokens/common/backend_fill.c \
	usr/lib/tokens/common/backend_fill.h \
	usr/lib/tokens/common/objects/objects.c \
	usr/lib/tokens/common/objects/objects.h \
	usr/lib/tokens/common/rules/rules.c \
	usr/lib/tokens/common/rules/rules.h \
	usr/lib/tokens/common/rules/rules_check.c \
	usr/lib/tokens/common/rules/rules_int.h \
	usr/lib/tokens/common/rules/rules_table.c \
	usr/lib/tokens/common/rules/rules_table.h \
	usr/lib/tokens/common/store/store.c \
	usr/lib/tokens/common/store/store.h \
	usr/lib/tokens/common/store/store_aead.c \
	usr/lib/tokens/common/store/store_aead.h \
	usr/lib/tokens/common/store/store_crc.c \
	usr/lib/tokens/common/store/store_crc.h \
	usr/lib/tokens/common/store/store_crypt.c \
	usr/lib/tokens/common/store/store_crypt.h \
	usr/lib/tokens/common/store/store_file.c \
	usr/lib/tokens/common/store/store_file.h \
	usr/lib/tokens/common/store/store_idx.c \
	usr/lib/tokens/common/store/store_idx.h \
	usr/lib/tokens/common/store/store_int.h \
	usr/lib/tokens/common/store/store_kdf.c \
	usr/lib/tokens/common/store/store_kdf.h \
	usr/lib/tokens/common/store/store_load.c \
	usr/lib/tokens/common/store/store_mk.c \
	usr/lib/tokens/common/store/store_mk.h \
	usr/lib/tokens/common/store/store_obj.c \
	usr/lib/tokens/common/store/store_pin.c \
	usr/lib/tokens/common/token/token.c \
	usr/lib/tokens/common/token/token.h \
	usr/lib/tokens/common/token/token_objects.c \
	usr/lib/tokens/common/token/token_owned.c \
	usr/lib/tokens/common/token/tokshm.c \
	usr/lib/tokens/common/token/tokshm.h \
	$(NULL)
libos_tokcommon_la_CFLAGS = $(AM_CFLAGS) -fPIC $(LIBCRYPTO_CFLAGS) $(ARGON2_CFLAGS)
libos_tokcommon_la_LIBADD = $(ARGON2_LIBS)

pkcs11lib_LTLIBRARIES += libopenslot.la
libopenslot_la_SOURCES = \
	usr/include/openslot/pkcs11.h \
	usr/include/openslot/pkcs11_3x.h \
	usr/include/openslot/pkcs11_3x_kdf.h \
	usr/lib/api/api.h \
	usr/lib/api/calls.c \
	usr/lib/api/calls.h \
	usr/lib/api/entry.c \
	usr/lib/api/entry.h \
	usr/lib/api/entry_crypto.c \
	usr/lib/api/entry_objects.c \
	usr/lib/api/entry_state.c \
	usr/lib/api/events.c \
	usr/lib/api/events_wait.c \
	usr/lib/api/functions.h \
	usr/lib/api/init.c \
	usr/lib/api/interface.c \
	usr/lib/api/locks.c \
	usr/lib/api/notice.c \
	usr/lib/api/notice.h \
	usr/lib/api/remote.c \
	usr/lib/api/sessions.c \
	usr/lib/api/slots.c \
	usr/lib/api/slots_load.c \
	usr/lib/api/slots_table.c \
	usr/lib/api/trace.c \
	$(NULL)
libopenslot_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBCRYPTO_CFLAGS)
libopenslot_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-Wl,--version-script=$(srcdir)/usr/lib/api/libopenslot.sym -Wl,--no-undefined
libopenslot_la_LIBADD = libos_tokcommon.la libos_tokattrs.la libos_common.la $(LIBCONFIG_LIBS) \
	$(LIBCRYPTO_LIBS) $(ARGON2_LIBS) -lrt -ldl -lpthread
EXTRA_libopenslot_la_DEPENDENCIES = $(srcdir)/usr/lib/api/libopenslot.sym
EXTRA_DIST += usr/lib/api/libopenslot.sym

# $(libdir)/pkcs11/libopenslot.so points at the library, where p11-kit and
# OpenSC look for modules.
# (pkcs11libdir is installed by install-data, so the hook hangs there.)
install-data-hook: install-data-hook-api
install-data-hook-api:
	$(MKDIR_P) $(DESTDIR)$(libdir)/pkcs11
	rm -f $(DESTDIR)$(libdir)/pkcs11/libopenslot.so
	$(LN_S) ../openslot/libopenslot.so $(DESTDIR)$(libdir)/pkcs11/libopenslot.so

uninstall-hook: uninstall-hook-api
uninstall-hook-api:
	rm -f $(DESTDIR)$(libdir)/pkcs11/libopenslot.so
