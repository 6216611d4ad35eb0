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

# The PINs of TPM tokens are sealed in the TPM: slotd links the tpm
# backend's connection code.
slotd_SOURCES += usr/sbin/slotd/tokens_tpm.h
if HAVE_TSS2
slotd_SOURCES += \
	usr/lib/tokens/tpm/tpm_conn.c \
	usr/lib/tokens/tpm/tpm_opts.c \
	usr/lib/tokens/tpm/tpm_parent.c \
	usr/lib/tokens/tpm/tpm_seal.c \
	usr/lib/tokens/tpm/tpm_swtpm.c \
	usr/sbin/slotd/tokens_tpm.c \
	$(NULL)
slotd_CFLAGS += $(TSS2_CFLAGS) -I$(top_srcdir)/usr/lib/tokens/tpm
slotd_LDADD += $(TSS2_LIBS)
else
slotd_SOURCES += usr/sbin/slotd/tokens_tpm_none.c
endif
