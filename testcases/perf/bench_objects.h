/*
 * Token object scenarios: with N token objects present (each a private
 * CKO_DATA object with a unique label and a 32-byte value), the rates of
 * C_CreateObject, of C_FindObjects by label and of C_DestroyObject, and the
 * time a fresh process takes from C_Initialize to a completed C_Login.
 *
 * The start-up time is measured by re-running this program as a probe
 * (--probe-start), so each sample starts from a process that has never
 * loaded the token; the probe also counts the CKO_DATA objects it can see
 * and reports its peak RSS with them loaded.
 */
#ifndef OS_BENCH_OBJECTS_H
#define OS_BENCH_OBJECTS_H

#include "bench.h"
#include "bench_p11.h"

/*
 * Fills the token up to each count of o->counts in turn, measures there and
 * appends a row to r->objects; destroys the objects it made at the end.
 */
void bench_objects_run(struct bench_p11 *p, const struct bench_opts *o, struct bench_report *r);

/* Creates the private data object labelled label in session s (read/write,
 * logged in), as every object of these scenarios is made. */
CK_RV bench_objects_create_one(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *label,
                               CK_OBJECT_HANDLE *h);

/*
 * The probe's main: loads o->module, times C_Initialize up to C_Login on the
 * slot of o, and prints one line
 * "start_ms=... login_ms=... found=... rss_kib=...".
 * Returns the process exit status.
 */
int bench_objects_probe(const struct bench_opts *o);

#endif
