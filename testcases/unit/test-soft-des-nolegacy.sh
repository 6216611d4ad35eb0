#!/bin/sh
# test-soft-des with OpenSSL's legacy provider out of reach (OPENSSL_MODULES
# names no directory): single DES must then be neither listed nor usable,
# and triple DES must work as before.
set -eu
OPENSSL_MODULES=/nonexistent OS_TEST_NO_LEGACY=1 exec "$top_builddir/testcases/unit/test-soft-des"
