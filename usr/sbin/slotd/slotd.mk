# slotd, the slot daemon.

sbin_PROGRAMS += slotd

slotd_SOURCES = \
	usr/sbin/slotd/clients.c \
	usr/sbin/slotd/events.c \
	usr/sbin/slotd/handlers.c \
	usr/sbin/slotd/main.c \
	usr/sbin/slotd/notify.c \
	usr/sbin/slotd/pool.c \
	usr/sbin/slotd/pool.h \
	usr/sbin/slotd/reload.c \
	usr/sbin/slotd/server.c \
	usr/sbin/slotd/setup.c \
	usr/sbin/slotd/shm.c \
	usr/sbin/slotd/slotd.h \
	usr/sbin/slotd/status.c \
	usr/sbin/slotd/tokens.c \
	usr/sbin/slotd/tokens.h \
	usr/sbin/slotd/tokens_objects.c \
	usr/sbin/slotd/tokens_pins.c \
	usr/sbin/slotd/tokens_user.c \
	$(NULL)
slotd_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBCRYPTO_CFLAGS)
slotd_LDADD = libos_tokcommon.la libos_tokattrs.la libos_common.la $(LIBCONFIG_LIBS) \
	$(LIBCRYPTO_LIBS) -lpthread -lrt
