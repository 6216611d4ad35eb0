/*
 * Files of the token store: durable atomic replacement, bounded reads, and
 * the framing every data file shares.
 *
 * A frame is a header, a body and a tag:
 *
 *   magic      4 bytes, the kind of file ("OSNV", "OSMK", "OSOB")
 *   version    u16, 1
 *   flags      u16, bit 0: the body is encrypted
 *   hdr_len    u32, 36 (clear) or 48 (encrypted)
 *   body_len   u64
 *   id         u64, the object id (0 for token files)
 *   generation u64, the object generation (0 for token files)
 *   iv         12 bytes, encrypted frames only
 *   body       body_len bytes
 *   tag        clear: SHA-256 over header and body (32 bytes);
 *              encrypted: the AES-256-GCM tag (16 bytes), header as AAD
 *
 * All integers are big-endian.  A frame is accepted only when every field is
 * known and the lengths add up to exactly the size of the file.
 */
#ifndef TOK_STORE_FILE_H
#define TOK_STORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "openslot/pkcs11.h"
#include "buf.h"

#define TOK_STORE_FRAME_VERSION   1
#define TOK_STORE_FRAME_ENCRYPTED 0x0001
#define TOK_STORE_FRAME_HDR       36
#define TOK_STORE_FRAME_HDR_ENC   48
/* The most a frame adds to its body. */
#define TOK_STORE_FRAME_OVERHEAD (TOK_STORE_FRAME_HDR + 32)

struct tok_store_aead;

/* What a frame says about itself beyond its body. */
struct tok_store_frame {
	uint64_t id;
	uint64_t generation;
};

/*
 * Builds a frame of kind magic around body into out (appended).  key NULL
 * gives a clear frame, else one encrypted under key with a fresh IV.
 * CKR_OK, CKR_HOST_MEMORY or CKR_FUNCTION_FAILED.
 */
CK_RV tok_store_frame_seal(const char magic[4], const struct tok_store_frame *fr, const void *body,
                           size_t len, const uint8_t *key, struct os_buf *out);

/*
 * Checks a frame of kind magic and returns its body in body (an empty
 * buffer; the body gets a single allocation, so a caller can wipe it
 * entirely with tok_store_file_wipe).  key NULL accepts only a clear frame,
 * a key only an encrypted one.  CKR_DATA_INVALID for anything malformed,
 * altered or encrypted under another key; CKR_HOST_MEMORY.
 */
CK_RV tok_store_frame_open(const char magic[4], const void *file, size_t len, const uint8_t *key,
                           struct tok_store_frame *fr, struct os_buf *body);

/* The same for an encrypted frame, with a prepared key (see store_aead.h). */
CK_RV tok_store_frame_open_aead(const char magic[4], const void *file, size_t len,
                                struct tok_store_aead *key, struct tok_store_frame *fr,
                                struct os_buf *body);

/*
 * Opens name (relative to dirfd) for reading without following a symlink or
 * blocking on a FIFO, and checks with fstat that it is a regular file owned
 * by owner ((uid_t)-1: anyone).  Returns the fd (O_CLOEXEC), or -ENOENT
 * when it does not exist, -EINVAL when it is no such file, another
 * negative errno.  sb receives its fstat.
 */
int tok_store_file_open(int dirfd, const char *name, uid_t owner, struct stat *sb);

/*
 * Reads name as tok_store_file_open opens it into out, refusing one larger
 * than max bytes.  Returns 0, -ENOENT when it does not exist, or another
 * negative errno (-EFBIG too large, -EINVAL not a regular file or not
 * owner's, -EBADMSG shorter than fstat said; -ENOMEM, -EIO and a few
 * more are failures of the moment, see tok_store_file_read_rv).
 */
int tok_store_file_read(int dirfd, const char *name, size_t max, uid_t owner, struct os_buf *out);

/*
 * What a result of tok_store_file_read means for the file: CKR_OK;
 * CKR_DATA_INVALID when the file itself is wrong (missing, not a regular
 * file of its owner, too large, shorter than it says, or an error that
 * belongs to the file: no permission, a socket or device under its name),
 * which makes an object damaged; CKR_HOST_MEMORY; CKR_DEVICE_ERROR for
 * the failures of the moment (EIO, EINTR, EAGAIN, EMFILE, ENFILE,
 * ENOBUFS, ETIMEDOUT, ESTALE), which say nothing about the file and must
 * never make an object count as damaged.
 */
CK_RV tok_store_file_read_rv(int rc);

/*
 * Replaces name durably: writes a new file .<name>.tmp.<16 random hex
 * digits> (O_CREAT|O_EXCL|O_NOFOLLOW, mode set with fchmod whatever the
 * umask), fsyncs it, renames it over name and fsyncs the directory.  The
 * caller is the store's writer, under its mutex.  CKR_OK,
 * CKR_DEVICE_MEMORY (disk full) or CKR_DEVICE_ERROR.
 */
CK_RV tok_store_file_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/*
 * The same, flushing the file and the directory only when durable is set:
 * for an object file whose bytes are also in an index record that is made
 * durable afterwards (see store_idx.h).
 */
CK_RV tok_store_file_put(int dirfd, const char *name, const void *data, size_t len, bool durable,
                         mode_t mode);

/* Removes name; a missing file is not an error.  CKR_OK or CKR_DEVICE_ERROR. */
CK_RV tok_store_file_remove(int dirfd, const char *name);

/* fsync of a directory.  CKR_OK or CKR_DEVICE_ERROR. */
CK_RV tok_store_file_sync_dir(int dirfd);

/* Maps an errno from a failed write to a PKCS#11 code. */
CK_RV tok_store_file_errno_rv(int err);

/* Wipes the whole allocation of buf (it may have held secrets) and frees it. */
void tok_store_file_wipe(struct os_buf *buf);

#endif
