# os-bench, the benchmark of a PKCS#11 module against raw OpenSSL and its
# peers (compare.sh).  make builds it; make check only runs a short smoke
# run against a private instance.

noinst_PROGRAMS += testcases/perf/os-bench
testcases_perf_os_bench_SOURCES = \
	testcases/perf/bench.c \
	testcases/perf/bench.h \
	testcases/perf/bench_des.c \
	testcases/perf/bench_des.h \
	testcases/perf/bench_agree.c \
	testcases/perf/bench_agree.h \
	testcases/perf/bench_objects.c \
	testcases/perf/bench_objects.h \
	testcases/perf/bench_objpar.c \
	testcases/perf/bench_objpar.h \
	testcases/perf/bench_derive.c \
	testcases/perf/bench_derive.h \
	testcases/perf/bench_kdf.c \
	testcases/perf/bench_kdf.h \
	testcases/perf/bench_ops.c \
	testcases/perf/bench_ops.h \
	testcases/perf/bench_ossl.c \
	testcases/perf/bench_ossl.h \
	testcases/perf/bench_out.c \
	testcases/perf/bench_out.h \
	testcases/perf/bench_p11.c \
	testcases/perf/bench_p11.h \
	testcases/perf/bench_par.c \
	testcases/perf/bench_par.h \
	testcases/perf/bench_time.c \
	testcases/perf/bench_time.h \
	$(NULL)
testcases_perf_os_bench_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS) $(ARGON2_CFLAGS)
testcases_perf_os_bench_LDADD = libos_common.la $(LIBCRYPTO_LIBS) $(LIBCONFIG_LIBS) $(ARGON2_LIBS) \
	-ldl -lpthread -lrt -lm

TESTS += testcases/perf/smoke.sh
EXTRA_DIST += \
	testcases/perf/compare.sh \
	testcases/perf/smoke.sh \
	testcases/perf/tpm-compare.sh \
	$(NULL)
