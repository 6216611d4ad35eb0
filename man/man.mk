# Manual pages: the daemon, the configuration file and the overview.

dist_man_MANS += \
	man/slotd.8 \
	man/openslot.conf.5 \
	man/openslot.7 \
	$(NULL)
