# Installed configuration and system integration: the sample openslot.conf,
# the systemd unit, the tmpfiles.d and sysusers.d entries, and the p11-kit
# module file.  The templates are filled in by make rather than by
# configure, so the paths in them follow the directories make installs to,
# including `make install prefix=...` after a build with another prefix.
# slotd's directories follow runstatedir (run-dir) and localstatedir (lock,
# data and log directories), as the built-in defaults in conf.h do.

etc_edit = $(SED) \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@libdir[@]|$(libdir)|g' \
	-e 's|@tmpfilesdir[@]|$(tmpfilesdir)|g' \
	-e 's|@PKCS11_GROUP[@]|$(PKCS11_GROUP)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	$(NULL)

# The generated files keep the names they are installed under; those that
# share the name openslot.conf live in their own build directories.
etc_generated = \
	etc/slotd.service \
	etc/tmpfiles.d/openslot.conf \
	etc/sysusers.d/openslot.conf \
	etc/openslot.module \
	etc/sample/openslot.conf \
	$(NULL)

# etc/edit.vars holds the values substituted above.  It is checked on
# every make but changes, and so remakes the generated files, only when one
# of the values does.
etc/edit.vars: etc-edit-vars-check
	@$(MKDIR_P) $(@D); \
	echo '$(sbindir) $(sysconfdir) $(libdir) $(tmpfilesdir) $(PKCS11_GROUP) $(runstatedir) $(localstatedir)' >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

etc-edit-vars-check:

.PHONY: etc-edit-vars-check

etc/slotd.service: $(srcdir)/etc/slotd.service.in etc/edit.vars
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(etc_edit) $(srcdir)/etc/slotd.service.in >$@.tmp && mv $@.tmp $@

etc/tmpfiles.d/openslot.conf: $(srcdir)/etc/openslot-tmpfiles.conf.in etc/edit.vars
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(etc_edit) $(srcdir)/etc/openslot-tmpfiles.conf.in >$@.tmp && mv $@.tmp $@

# The group lines name the default group; a group chosen with
# --with-pkcs11-group takes its place.
etc/sysusers.d/openslot.conf: $(srcdir)/etc/openslot-sysusers.conf etc/edit.vars
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(SED) -e 's|^g pkcs11 |g $(PKCS11_GROUP) |' \
		-e 's|^m openslot pkcs11$$|m openslot $(PKCS11_GROUP)|' \
		-e 's| /var/lib/openslot$$| $(localstatedir)/lib/openslot|' \
		$(srcdir)/etc/openslot-sysusers.conf >$@.tmp && mv $@.tmp $@

etc/openslot.module: $(srcdir)/etc/openslot.module.in etc/edit.vars
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(etc_edit) $(srcdir)/etc/openslot.module.in >$@.tmp && mv $@.tmp $@

# The sample in the source tree names the directories of a system install
# (--localstatedir=/var --runstatedir=/run); the installed copy names the
# ones this build was configured with.
etc/sample/openslot.conf: $(srcdir)/etc/openslot.conf etc/edit.vars
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(SED) -e 's|^run-dir = "/run/openslot";|run-dir = "$(runstatedir)/openslot";|' \
		-e 's|^lock-dir = "/var/lock/openslot";|lock-dir = "$(localstatedir)/lock/openslot";|' \
		-e 's|^data-dir = "/var/lib/openslot";|data-dir = "$(localstatedir)/lib/openslot";|' \
		-e 's|^log-dir = "/var/log/openslot";|log-dir = "$(localstatedir)/log/openslot";|' \
		$(srcdir)/etc/openslot.conf >$@.tmp && mv $@.tmp $@

openslotconfdir = $(sysconfdir)/openslot
nodist_openslotconf_DATA = etc/sample/openslot.conf

systemdunitdir = $(systemdsystemunitdir)
nodist_systemdunit_DATA = etc/slotd.service

nodist_tmpfiles_DATA = etc/tmpfiles.d/openslot.conf

sysusersdir = $(prefix)/lib/sysusers.d
nodist_sysusers_DATA = etc/sysusers.d/openslot.conf

nodist_p11kitmodule_DATA = etc/openslot.module

EXTRA_DIST += \
	etc/openslot.conf \
	etc/slotd.service.in \
	etc/openslot-tmpfiles.conf.in \
	etc/openslot-sysusers.conf \
	etc/openslot.module.in \
	$(NULL)

CLEANFILES += $(etc_generated) etc/edit.vars

# Only one install-data-hook may exist in the whole Makefile; this fragment
# adds its own step to it under a name of its own.
#
# On a live install by root the group and slotd's user (openslot, a
# supplementary member of the group, as in sysusers.d) are created when
# missing, so the installed slotd can start at once.  Staged installs (DESTDIR) and installs
# by other users leave that to the package or the administrator; the install
# itself never fails because of it.
install-data-hook: install-data-hook-etc

install-data-hook-etc:
	@if test -z "$(DESTDIR)" && test "`id -u`" = 0; then \
	  if ! getent group '$(PKCS11_GROUP)' >/dev/null 2>&1; then \
	    if groupadd -r '$(PKCS11_GROUP)'; then \
	      echo "created group $(PKCS11_GROUP)"; \
	    else \
	      echo "warning: could not create group $(PKCS11_GROUP);" \
	           "create it before starting slotd" >&2; \
	    fi; \
	  fi; \
	  if ! getent passwd openslot >/dev/null 2>&1; then \
	    if useradd -r -M -d '$(localstatedir)/lib/openslot' -s /usr/sbin/nologin \
	         -G '$(PKCS11_GROUP)' -c 'openslot slot daemon' openslot; then \
	      echo "created user openslot"; \
	    else \
	      echo "warning: could not create user openslot;" \
	           "create it before starting slotd" >&2; \
	    fi; \
	  fi; \
	fi

.PHONY: install-data-hook-etc
