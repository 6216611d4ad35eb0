/*
 * Files of the token store (see store_file.h): the frame format and the
 * system calls that read and durably replace files.  Nothing here trusts a
 * length read from a file before checking it against the file's real size.
 */
#include "store_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "store_aead.h"
#include "store_crypt.h"

/* The bytes of a header in front of the optional IV. */
static void frame_put_header(struct os_buf *out, const char magic[4], uint16_t flags,
                             uint32_t hdr_len, uint64_t body_len, const struct tok_store_frame *fr)
{
	os_buf_add(out, magic, 4);
	os_buf_add_u16(out, TOK_STORE_FRAME_VERSION);
	os_buf_add_u16(out, flags);
	os_buf_add_u32(out, hdr_len);
	os_buf_add_u64(out, body_len);
	os_buf_add_u64(out, fr->id);
	os_buf_add_u64(out, fr->generation);
}

CK_RV tok_store_frame_seal(const char magic[4], const struct tok_store_frame *fr, const void *body,
                           size_t len, const uint8_t *key, struct os_buf *out)
{
	size_t start = out->len;
	uint32_t hdr_len = key ? TOK_STORE_FRAME_HDR_ENC : TOK_STORE_FRAME_HDR;
	uint8_t *iv, *dst, *tag;

	frame_put_header(out, magic, key ? TOK_STORE_FRAME_ENCRYPTED : 0, hdr_len, len, fr);
	if (!key) {
		os_buf_add(out, body, len);
		tag = os_buf_reserve(out, TOK_STORE_SHA256_LEN);
		if (!tag)
			return CKR_HOST_MEMORY;
		if (!tok_store_crypt_sha256(out->data + start, hdr_len + len, tag))
			return CKR_FUNCTION_FAILED;
		return CKR_OK;
	}
	/* Reserve everything at once: later pointers stay valid. */
	iv = os_buf_reserve(out, TOK_STORE_IV_LEN + len + TOK_STORE_TAG_LEN);
	if (!iv)
		return CKR_HOST_MEMORY;
	dst = iv + TOK_STORE_IV_LEN;
	tag = dst + len;
	if (!tok_store_crypt_random(iv, TOK_STORE_IV_LEN) ||
	    !tok_store_crypt_seal(key, iv, out->data + start, hdr_len, body, len, dst, tag))
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

/* Checks the fixed header; on success *hdr_len, *body_len and fr are set. */
static CK_RV frame_check_header(const char magic[4], const unsigned char *file, size_t len,
                                bool encrypted, uint32_t *hdr_len, uint64_t *body_len,
                                struct tok_store_frame *fr)
{
	struct os_reader rd;
	uint32_t want_hdr = encrypted ? TOK_STORE_FRAME_HDR_ENC : TOK_STORE_FRAME_HDR;
	size_t tag_len = encrypted ? TOK_STORE_TAG_LEN : TOK_STORE_SHA256_LEN;

	if (len < (size_t)want_hdr + tag_len || memcmp(file, magic, 4) != 0)
		return CKR_DATA_INVALID;
	os_reader_init(&rd, file + 4, TOK_STORE_FRAME_HDR - 4);
	uint16_t version = os_reader_u16(&rd);
	uint16_t flags = os_reader_u16(&rd);
	*hdr_len = os_reader_u32(&rd);
	*body_len = os_reader_u64(&rd);
	fr->id = os_reader_u64(&rd);
	fr->generation = os_reader_u64(&rd);
	if (!os_reader_done(&rd) || version != TOK_STORE_FRAME_VERSION)
		return CKR_DATA_INVALID;
	if (flags != (encrypted ? TOK_STORE_FRAME_ENCRYPTED : 0) || *hdr_len != want_hdr)
		return CKR_DATA_INVALID;
	/* len >= want_hdr + tag_len was checked above, so this cannot wrap. */
	if (*body_len != len - want_hdr - tag_len)
		return CKR_DATA_INVALID;
	return CKR_OK;
}

/* Opens a frame with either a raw key, a prepared one, or none (clear frame). */
static CK_RV frame_open(const char magic[4], const void *file, size_t len, const uint8_t *key,
                        struct tok_store_aead *aead, struct tok_store_frame *fr,
                        struct os_buf *body)
{
	const unsigned char *p = file;
	uint8_t digest[TOK_STORE_SHA256_LEN];
	uint32_t hdr_len;
	uint64_t body_len;
	unsigned char *dst;
	bool ok;
	CK_RV rv;

	rv = frame_check_header(magic, p, len, key || aead, &hdr_len, &body_len, fr);
	if (rv != CKR_OK)
		return rv;
	dst = os_buf_reserve(body, (size_t)body_len);
	if (!dst)
		return CKR_HOST_MEMORY;
	if (!key && !aead) {
		if (!tok_store_crypt_sha256(p, hdr_len + (size_t)body_len, digest))
			return CKR_FUNCTION_FAILED;
		if (CRYPTO_memcmp(digest, p + hdr_len + body_len, sizeof(digest)) != 0)
			return CKR_DATA_INVALID;
		memcpy(dst, p + hdr_len, (size_t)body_len);
		return CKR_OK;
	}
	if (aead)
		ok = tok_store_aead_open(aead, p + TOK_STORE_FRAME_HDR, p, hdr_len, p + hdr_len,
		                         (size_t)body_len, dst, p + hdr_len + body_len);
	else
		ok = tok_store_crypt_open(key, p + TOK_STORE_FRAME_HDR, p, hdr_len, p + hdr_len,
		                          (size_t)body_len, dst, p + hdr_len + body_len);
	return ok ? CKR_OK : CKR_DATA_INVALID;
}

CK_RV tok_store_frame_open(const char magic[4], const void *file, size_t len, const uint8_t *key,
                           struct tok_store_frame *fr, struct os_buf *body)
{
	return frame_open(magic, file, len, key, NULL, fr, body);
}

CK_RV tok_store_frame_open_aead(const char magic[4], const void *file, size_t len,
                                struct tok_store_aead *key, struct tok_store_frame *fr,
                                struct os_buf *body)
{
	return frame_open(magic, file, len, NULL, key, fr, body);
}

static int file_read_all(int fd, unsigned char *dst, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, dst + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EBADMSG; /* shorter than fstat said */
		done += (size_t)n;
	}
	return 0;
}

int tok_store_file_open(int dirfd, const char *name, uid_t owner, struct stat *sb)
{
	/* O_NONBLOCK: a FIFO planted under the name must not hang us. */
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, sb) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(sb->st_mode) || sb->st_size < 0 ||
	    (owner != (uid_t)-1 && sb->st_uid != owner)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int tok_store_file_read(int dirfd, const char *name, size_t max, uid_t owner, struct os_buf *out)
{
	struct stat sb;
	unsigned char *dst;
	int fd, rc;

	fd = tok_store_file_open(dirfd, name, owner, &sb);
	if (fd < 0)
		return fd;
	rc = -EFBIG;
	if ((uint64_t)sb.st_size > max)
		goto out;
	rc = -ENOMEM;
	dst = os_buf_reserve(out, (size_t)sb.st_size);
	if (!dst)
		goto out;
	rc = file_read_all(fd, dst, (size_t)sb.st_size);
out:
	close(fd);
	return rc;
}

CK_RV tok_store_file_read_rv(int rc)
{
	switch (rc) {
	case 0:
		return CKR_OK;
	case -ENOENT:
	case -EINVAL:
	case -EFBIG:
	case -EBADMSG:
		return CKR_DATA_INVALID;
	case -ENOMEM:
		return CKR_HOST_MEMORY;
	/* Errors that may pass: the read is tried again at the next call. */
	case -EIO:
	case -EINTR:
	case -EAGAIN:
	case -EMFILE:
	case -ENFILE:
	case -ENOBUFS:
	case -ETIMEDOUT:
	case -ESTALE:
		return CKR_DEVICE_ERROR;
	/*
	 * The rest belong to the file itself (no permission, a socket or a
	 * device under its name, a directory on its path): damage, reported
	 * and skipped alone rather than failing every object call.
	 */
	default:
		return CKR_DATA_INVALID;
	}
}

CK_RV tok_store_file_errno_rv(int err)
{
	return err == ENOSPC || err == EDQUOT ? CKR_DEVICE_MEMORY : CKR_DEVICE_ERROR;
}

static int file_write_all(int fd, const unsigned char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		done += (size_t)n;
	}
	return 0;
}

/* Creates a new temporary file for name, with an unpredictable name, in tmp. */
static int file_create_temp(int dirfd, const char *name, mode_t mode, char tmp[NAME_MAX + 1])
{
	uint64_t r;
	int fd = -1;

	for (int tries = 0; tries < 8; tries++) {
		if (!tok_store_crypt_random(&r, sizeof(r))) {
			errno = EIO;
			return -1;
		}
		if (snprintf(tmp, NAME_MAX + 1, ".%s.tmp.%016" PRIx64, name, r) > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd >= 0 && fchmod(fd, mode) < 0) {
		int err = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		errno = err;
		return -1;
	}
	return fd;
}

CK_RV tok_store_file_put(int dirfd, const char *name, const void *data, size_t len, bool durable,
                         mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, err;

	fd = file_create_temp(dirfd, name, mode, tmp);
	if (fd < 0)
		return tok_store_file_errno_rv(errno);
	err = file_write_all(fd, data, len);
	if (!err && durable && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = errno;
	if (err) {
		unlinkat(dirfd, tmp, 0);
		return tok_store_file_errno_rv(err);
	}
	return durable ? tok_store_file_sync_dir(dirfd) : CKR_OK;
}

CK_RV tok_store_file_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	return tok_store_file_put(dirfd, name, data, len, true, mode);
}

CK_RV tok_store_file_remove(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return CKR_DEVICE_ERROR;
	return CKR_OK;
}

CK_RV tok_store_file_sync_dir(int dirfd)
{
	if (fsync(dirfd) < 0)
		return CKR_DEVICE_ERROR;
	return CKR_OK;
}

void tok_store_file_wipe(struct os_buf *buf)
{
	if (buf->data)
		OPENSSL_cleanse(buf->data, buf->cap);
	os_buf_free(buf);
}
