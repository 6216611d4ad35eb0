# slotd, the slot daemon.

sbin_PROGRAMS += slotd

slotd_SOURCES = \
	usr/sbin/slotd/clients.c \
	usr/sbin/slotd/events.c \
	usr/sbin/slotd/handlers.c \
	usr/sbin/slotd/main.c \
	usr/sbin/slotd/notify.c \
	usr/sbin/slotd/reload.c \
	usr/sbin/slotd/server.c \
	usr/sbin/slotd/setup.c \
	usr/sbin/slotd/shm.c \
	usr/sbin/slotd/slotd.h \
	usr/sbin/slotd/status.c \
	$(NULL)
slotd_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
slotd_LDADD = libos_common.la $(LIBCONFIG_LIBS) -lrt
