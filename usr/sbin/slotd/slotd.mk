# slotd, the slot daemon.

sbin_PROGRAMS += slotd

slotd_SOURCES = \
	usr/sbin/slotd/main.c \
	$(NULL)
slotd_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
slotd_LDADD = libos_common.la $(LIBCONFIG_LIBS) -lrt
