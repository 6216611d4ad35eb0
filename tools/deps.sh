#!/bin/sh
# Installs what openslot needs to build and to run its whole test suite on
# Debian 12 (apt-get; uses sudo when not root).
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
PKGS="build-essential autoconf automake libtool pkg-config clang-format clang libclang-rt-dev
      libssl-dev libargon2-dev libconfig-dev libcmocka-dev libp11-kit-dev p11-kit
      opensc gnutls-bin libengine-pkcs11-openssl python3-pykcs11 python3-cryptography
      p11-kit-modules openssl valgrind
      libtss2-dev swtpm swtpm-tools tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 dbus
      openssh-client libnss3-tools"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
