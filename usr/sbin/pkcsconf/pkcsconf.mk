# pkcsconf, the administration tool, and its manual page.

sbin_PROGRAMS += pkcsconf

pkcsconf_SOURCES = \
	usr/sbin/pkcsconf/format.c \
	usr/sbin/pkcsconf/help.c \
	usr/sbin/pkcsconf/info.c \
	usr/sbin/pkcsconf/info_json.c \
	usr/sbin/pkcsconf/json.c \
	usr/sbin/pkcsconf/json.h \
	usr/sbin/pkcsconf/kdf.c \
	usr/sbin/pkcsconf/keys.c \
	usr/sbin/pkcsconf/keys.h \
	usr/sbin/pkcsconf/keys_delete.c \
	usr/sbin/pkcsconf/keys_ec.c \
	usr/sbin/pkcsconf/keys_export.c \
	usr/sbin/pkcsconf/keys_gen.c \
	usr/sbin/pkcsconf/keys_import.c \
	usr/sbin/pkcsconf/keys_list.c \
	usr/sbin/pkcsconf/main.c \
	usr/sbin/pkcsconf/module.c \
	usr/sbin/pkcsconf/pin.c \
	usr/sbin/pkcsconf/pkcsconf.h \
	usr/sbin/pkcsconf/report.c \
	usr/sbin/pkcsconf/slot.c \
	usr/sbin/pkcsconf/token.c \
	$(NULL)
pkcsconf_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPCF_DEFAULT_MODULE=\"$(pkcs11libdir)/libopenslot.so\" \
	$(NULL)
pkcsconf_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS) $(LIBCONFIG_CFLAGS)
pkcsconf_LDADD = libos_common.la libos_tokder.la $(LIBCRYPTO_LIBS) $(LIBCONFIG_LIBS) -ldl

dist_man_MANS += man/pkcsconf.1
