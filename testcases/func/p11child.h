/*
 * PKCS#11 in forked test children: code that runs outside cmocka's control
 * (as another user, or as one of many concurrent processes) loads the
 * library itself and reports a failed call on stderr and through its exit
 * code, which the parent asserts.
 */
#ifndef P11CHILD_H
#define P11CHILD_H

#include <stdio.h>
#include <unistd.h>

#include "openslot/pkcs11.h"

/*
 * Loads the library at path with dlopen and returns its PKCS#11 3.0
 * function list, or NULL after printing why.  The library stays loaded for
 * the life of the process.
 */
CK_FUNCTION_LIST_3_0 *p11child_load(const char *path);

/*
 * Counts the objects labelled label that session s sees (at most 8) and
 * stores the first one's handle in *h when h is not NULL.  Returns the
 * count, or -1 when a find call failed.
 */
long p11child_find_label(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                         CK_OBJECT_HANDLE *h);

/* Creates a token data object with label, private or public, a short value. */
CK_RV p11child_create_data(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                           CK_BBOOL private, CK_OBJECT_HANDLE *h);

/*
 * In a function whose int result becomes a child's exit code: evaluates
 * call and, unless it returned want, prints where and what and returns 1.
 */
#define P11CHILD_EXPECT(call, want)                                                             \
	do {                                                                                    \
		CK_RV p11child_rv_ = (call);                                                    \
		if (p11child_rv_ != (CK_RV)(want)) {                                            \
			fprintf(stderr, "%s:%d (uid %ld): %s returned 0x%lx, expected 0x%lx\n", \
			        __FILE__, __LINE__, (long)getuid(), #call, p11child_rv_,        \
			        (CK_RV)(want));                                                 \
			return 1;                                                               \
		}                                                                               \
	} while (0)

/* Like P11CHILD_EXPECT for a condition that must hold. */
#define P11CHILD_CHECK(cond)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d (uid %ld): %s does not hold\n", __FILE__, __LINE__, \
			        (long)getuid(), #cond);                                            \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

#endif
