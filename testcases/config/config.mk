# Golden-file tests of configuration parsing through `slotd -n -v`: each
# good/*.conf must be accepted with the dump in good/*.out, each bad/*.conf
# refused with the line in bad/*.err (see run-golden.sh).

TESTS += testcases/config/run-golden.sh

EXTRA_DIST += \
	testcases/config/run-golden.sh \
	testcases/config/good \
	testcases/config/bad \
	$(NULL)
