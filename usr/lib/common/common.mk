# libos_common: helpers compiled once and linked into slotd, the PKCS#11
# library, pkcsconf and the tests.

noinst_LTLIBRARIES += libos_common.la

libos_common_la_SOURCES = \
	usr/lib/common/buf.c \
	usr/lib/common/buf.h \
	usr/lib/common/bytes.h \
	usr/lib/common/client.c \
	usr/lib/common/client.h \
	usr/lib/common/conf.c \
	usr/lib/common/conf.h \
	usr/lib/common/htab.c \
	usr/lib/common/htab.h \
	usr/lib/common/log.c \
	usr/lib/common/log.h \
	usr/lib/common/p11names.c \
	usr/lib/common/p11names.h \
	usr/lib/common/paths.c \
	usr/lib/common/paths.h \
	usr/lib/common/proto.c \
	usr/lib/common/proto.h \
	usr/lib/common/slotshm.c \
	usr/lib/common/slotshm.h \
	usr/lib/common/thread.h \
	$(NULL)
libos_common_la_CFLAGS = $(AM_CFLAGS) -fPIC $(LIBCONFIG_CFLAGS)
libos_common_la_LIBADD = $(LIBCONFIG_LIBS) -lrt
