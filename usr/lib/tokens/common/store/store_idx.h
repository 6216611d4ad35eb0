/*
 * OBJ_IDX, the index of token objects: an append-only journal that also
 * carries the objects themselves.
 *
 *   header   magic "OSIX", u16 version 2, u16 flags 0, u32 header length
 *            (28), u32 record header length (32), u64 nonce (random, new
 *            with every rewrite of the file), u32 CRC-32 of the preceding
 *            24 bytes
 *   records  magic "OSIR", u8 op (1 add, 2 update, 3 remove), u8 flags
 *            (bit 0: private, bit 1: the object's frame follows), u16 zero,
 *            u32 frame length, u64 id, u64 generation, u32 CRC-32 of the
 *            preceding 28 bytes; then, when bit 1 is set, the object's
 *            frame (the same bytes as its file, see store_file.h) and the
 *            CRC-32 of the frame
 *
 * A record is appended with one write and an fdatasync, and that flush is
 * what makes a change durable: an add or update of an object whose frame is
 * at most TOK_STORE_IDX_INLINE_MAX bytes carries the frame, so the object's
 * own file need not be flushed first, and a process loading many objects
 * reads them from this one file instead of opening one file each.  Larger
 * objects live only in their file, which is then made durable before the
 * record is appended.
 *
 * Replaying the records in order gives the live set.  A record whose header
 * fails its CRC (a damaged sector) is skipped: the reader looks for the next
 * record magic with a valid header CRC and goes on from there.  Replay does
 * not check frames (only the frame of the record that ends the file, see
 * below): a frame is checked when its object is loaded, by its CRC when
 * read alone or by its own tag, and a damaged copy sends the reader to the
 * object's file.  Nothing valid after the last good record (a last record
 * with a damaged frame included) is a torn append, which the next append
 * overwrites (and cuts the file after).  When more records are dead than
 * alive the file is rewritten with one add per live object (compaction;
 * damaged copies are left out), and object files nobody lists are removed.
 *
 * Each process caches the live set with the position of each frame, keeps
 * the file it replayed open and remembers how far it replayed it; frames
 * are read from that same open file.  A refresh opens OBJ_IDX by name
 * again: another inode (or another nonce) means the writer rewrote it, and
 * the new file is replayed from its start; else only the records appended
 * since are read.
 *
 * Readers do this without any lock while the writer appends (store.h), so
 * replay trusts nothing past the file size it saw: a record that is not
 * whole yet (shorter than it says, or the last frame failing its CRC) is
 * not applied and is read again at the next refresh, by which time it is
 * whole.  A reader holding the old file after a compaction still reads
 * that file consistently: rename leaves the open inode intact.
 */
#ifndef TOK_STORE_IDX_H
#define TOK_STORE_IDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "openslot/pkcs11.h"
#include "buf.h"
#include "htab.h"
#include "store.h"

#define TOK_STORE_IDX_NAME "OBJ_IDX"
/* Objects whose frame is at most this long travel in the index record. */
#define TOK_STORE_IDX_INLINE_MAX 8192
/* "<id as 16 lowercase hex digits>.obj" and its terminator. */
#define TOK_STORE_OBJ_NAME_SIZE 21

/* The file name of object id. */
void tok_store_idx_object_name(uint64_t id, char name[TOK_STORE_OBJ_NAME_SIZE]);

enum tok_store_idx_op {
	TOK_STORE_IDX_ADD = 1,
	TOK_STORE_IDX_UPDATE = 2,
	TOK_STORE_IDX_REMOVE = 3,
};

struct tok_store_idx {
	struct os_htab map; /* the live set: struct tok_store_entry by id */
	bool present;       /* OBJ_IDX existed at the last refresh */
	uint64_t nonce;     /* of the file replayed */
	uint64_t offset;    /* bytes replayed: the end of the last valid record */
	uint64_t size;      /* of the file at the last refresh */
	uint64_t records;   /* valid records replayed */
	size_t inline_max;  /* frames up to this long go into records */
	uid_t owner;        /* required owner of OBJ_IDX, (uid_t)-1: anyone */
	int fd;             /* the OBJ_IDX replayed, open, or -1 */
	/*
	 * With track set, the ids of the records replayed are noted in touched
	 * for tok_store_changes; touched_all says the notes do not cover every
	 * change (the file was replayed from its start, or too many to note).
	 */
	bool track;
	bool touched_all;
	uint64_t *touched;
	size_t n_touched, cap_touched;
	dev_t dev; /* and its identity */
	ino_t ino;
};

void tok_store_idx_init(struct tok_store_idx *ix);
void tok_store_idx_free(struct tok_store_idx *ix);

/*
 * Brings the cached live set up to date with OBJ_IDX in the object
 * directory (store mutex held; no token lock needed).  A missing OBJ_IDX is
 * an empty store.  CKR_OK, CKR_DATA_INVALID (damaged header, not a regular
 * file, not owner's), CKR_HOST_MEMORY or CKR_DEVICE_ERROR (a read failed:
 * the records applied before it stand, and the next refresh goes on from
 * there).
 */
CK_RV tok_store_idx_refresh(struct tok_store_idx *ix, int dirfd);

/*
 * Starts noting the ids of replayed records (a reader following changes);
 * until the first take everything counts as changed.
 */
void tok_store_idx_track(struct tok_store_idx *ix);

/*
 * The distinct ids noted since the last take, sorted, in *ids (malloc'ed),
 * and forgets them; false (nothing taken) when every object must be taken
 * as changed, or out of memory.
 */
bool tok_store_idx_take_touched(struct tok_store_idx *ix, uint64_t **ids, size_t *n);

/* The live entry of id, or NULL. */
const struct tok_store_entry *tok_store_idx_find(const struct tok_store_idx *ix, uint64_t id);

/* A random id that is neither 0 nor live. */
CK_RV tok_store_idx_new_id(const struct tok_store_idx *ix, uint64_t *id);

/* The live set, in no particular order (malloc'ed). */
CK_RV tok_store_idx_list(const struct tok_store_idx *ix, struct tok_store_entry **out, size_t *n);

/*
 * Appends one record and applies it to the cache (the writer, right after a
 * refresh).  Creates OBJ_IDX when missing (durably, whatever sync says).
 * frame (len bytes, at most ix->inline_max) goes into the record; NULL for
 * a removal or an object kept only in its file.  sync: fdatasync the file
 * before returning; else tok_store_idx_sync does it later.
 */
CK_RV tok_store_idx_append(struct tok_store_idx *ix, int dirfd, enum tok_store_idx_op op,
                           const struct tok_store_entry *e, const void *frame, size_t len,
                           bool sync);

/* fdatasync of the OBJ_IDX the cache follows (writer).  CKR_OK or CKR_DEVICE_ERROR. */
CK_RV tok_store_idx_sync(struct tok_store_idx *ix);

/*
 * Reads the frame the record of e carries (e->frame_len > 0) from fd, the
 * OBJ_IDX the cache follows (ix->fd), into out (appended), checking its
 * CRC.  Mutex held, e from the cache.  0, -ENOMEM, -EINVAL (the copy is
 * damaged or out of the file), or the negative errno of a failed read
 * (-EIO, ...), which says nothing about the copy.
 */
int tok_store_idx_read_frame(int fd, const struct tok_store_entry *e, struct os_buf *out);

/*
 * Reads OBJ_IDX (fd) whole, as far as the last refresh of ix saw it, into
 * out, for loading many objects at once.  0, -ENOMEM, -EINVAL (shorter
 * than it was) or the negative errno of a failed read.
 */
int tok_store_idx_read_all(int fd, const struct tok_store_idx *ix, struct os_buf *out);

/* The frame of e (frame_len bytes) inside the file read whole; NULL if out of it. */
const unsigned char *tok_store_idx_frame(const struct os_buf *all, const struct tok_store_entry *e);

/* Whether dead records outnumber live ones and there are more than 64. */
bool tok_store_idx_wants_compact(const struct tok_store_idx *ix);

/*
 * Rewrites OBJ_IDX with one add record per live object, durably, then
 * removes orphan object files and stale temporary files (the writer, with
 * the cache refreshed).
 */
CK_RV tok_store_idx_compact(struct tok_store_idx *ix, int dirfd);

/*
 * Replaces OBJ_IDX with an empty one, then removes every object file
 * (C_InitToken; the writer).
 */
CK_RV tok_store_idx_reset(struct tok_store_idx *ix, int dirfd);

/* Removes the stale temporary files (".<name>.tmp.<suffix>") in dirfd. */
void tok_store_idx_sweep_temp(int dirfd);

#endif
