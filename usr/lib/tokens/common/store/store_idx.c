/*
 * The index of token objects (see store_idx.h): the journal file and the
 * cached live set, a hash table (htab.h) keyed by object id.  Object ids
 * are random, but the table still mixes them before use, so planted ids
 * cannot pile up in one probe run.
 */
#include "store_idx.h"
#include "bytes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "htab.h"
#include "store_crc.h"
#include "store_crypt.h"
#include "store_file.h"

#define IDX_MAGIC       "OSIX"
#define IDX_REC_MAGIC   "OSIR"
#define IDX_VERSION     2
#define IDX_HDR_LEN     28
#define IDX_REC_HDR     32
#define IDX_PRIVATE     0x01
#define IDX_INLINE      0x02
#define IDX_COMPACT_MIN 64
#define IDX_CHUNK       (64u * 1024) /* bytes per read while replaying */
#define IDX_MODE        0640         /* OBJ_IDX, as object files */

_Static_assert(IDX_CHUNK >= IDX_REC_HDR + TOK_STORE_IDX_INLINE_MAX + 4,
               "a replay chunk holds the longest record");

void tok_store_idx_object_name(uint64_t id, char name[TOK_STORE_OBJ_NAME_SIZE])
{
	snprintf(name, TOK_STORE_OBJ_NAME_SIZE, "%016" PRIx64 ".obj", id);
}

void tok_store_idx_init(struct tok_store_idx *ix)
{
	memset(ix, 0, sizeof(*ix));
	ix->inline_max = TOK_STORE_IDX_INLINE_MAX;
	ix->owner = (uid_t)-1;
	ix->fd = -1;
	os_htab_init(&ix->map, sizeof(struct tok_store_entry));
}

/* Forgets the open OBJ_IDX. */
static void idx_drop_fd(struct tok_store_idx *ix)
{
	if (ix->fd >= 0)
		close(ix->fd);
	ix->fd = -1;
}

void tok_store_idx_free(struct tok_store_idx *ix)
{
	idx_drop_fd(ix);
	os_htab_free(&ix->map);
	free(ix->touched);
	tok_store_idx_init(ix);
}

/* --- the live set ------------------------------------------------------ */

static bool map_match(const void *item, const void *key)
{
	return ((const struct tok_store_entry *)item)->id == *(const uint64_t *)key;
}

/* Adds e, or overwrites the entry with its id. */
static bool map_put(struct tok_store_idx *ix, const struct tok_store_entry *e)
{
	uint64_t h = os_htab_hash_u64(e->id);
	struct tok_store_entry *old = os_htab_find(&ix->map, h, map_match, &e->id);

	if (old) {
		*old = *e;
		return true;
	}
	return os_htab_insert(&ix->map, h, e) != NULL;
}

static void map_del(struct tok_store_idx *ix, uint64_t id)
{
	os_htab_remove(&ix->map, os_htab_hash_u64(id), map_match, &id, NULL);
}

const struct tok_store_entry *tok_store_idx_find(const struct tok_store_idx *ix, uint64_t id)
{
	if (!id)
		return NULL;
	return os_htab_find(&ix->map, os_htab_hash_u64(id), map_match, &id);
}

CK_RV tok_store_idx_new_id(const struct tok_store_idx *ix, uint64_t *id)
{
	for (int tries = 0; tries < 16; tries++) {
		if (!tok_store_crypt_random(id, sizeof(*id)))
			return CKR_FUNCTION_FAILED;
		if (*id && !tok_store_idx_find(ix, *id))
			return CKR_OK;
	}
	return CKR_FUNCTION_FAILED;
}

CK_RV tok_store_idx_list(const struct tok_store_idx *ix, struct tok_store_entry **out, size_t *n)
{
	size_t live = os_htab_count(&ix->map), pos = 0, k = 0;
	struct tok_store_entry *v = malloc((live ? live : 1) * sizeof(*v));
	const struct tok_store_entry *e;

	if (!v)
		return CKR_HOST_MEMORY;
	while ((e = os_htab_next(&ix->map, &pos)))
		v[k++] = *e;
	*out = v;
	*n = k;
	return CKR_OK;
}

/* --- the changes a reader follows ------------------------------------- */

void tok_store_idx_track(struct tok_store_idx *ix)
{
	if (ix->track)
		return;
	ix->track = true;
	ix->touched_all = true;
}

/* Notes id as changed; past a bound (the live set, at least 1024) everything is. */
static void idx_touch(struct tok_store_idx *ix, uint64_t id)
{
	if (!ix->track || ix->touched_all)
		return;
	if (ix->n_touched == ix->cap_touched) {
		size_t cap = ix->cap_touched ? ix->cap_touched * 2 : 64;
		uint64_t *v =
		    cap <= (os_htab_count(&ix->map) > 1024 ? os_htab_count(&ix->map) : 1024)
		        ? realloc(ix->touched, cap * sizeof(*v))
		        : NULL;
		if (!v) {
			ix->touched_all = true;
			ix->n_touched = 0;
			return;
		}
		ix->touched = v;
		ix->cap_touched = cap;
	}
	ix->touched[ix->n_touched++] = id;
}

static int idx_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

bool tok_store_idx_take_touched(struct tok_store_idx *ix, uint64_t **ids, size_t *n)
{
	size_t k = 0;

	*ids = NULL;
	*n = 0;
	if (ix->touched_all) {
		ix->touched_all = false;
		ix->n_touched = 0;
		return false;
	}
	if (ix->n_touched == 0)
		return true;
	*ids = malloc(ix->n_touched * sizeof(**ids));
	if (!*ids)
		return false; /* the notes stay; the caller reconciles everything */
	qsort(ix->touched, ix->n_touched, sizeof(*ix->touched), idx_cmp_u64);
	for (size_t i = 0; i < ix->n_touched; i++)
		if (k == 0 || (*ids)[k - 1] != ix->touched[i])
			(*ids)[k++] = ix->touched[i];
	*n = k;
	ix->n_touched = 0;
	return true;
}

/* --- the journal ------------------------------------------------------- */

/* One record as read back: its header fields and where its frame starts. */
struct idx_rec {
	enum tok_store_idx_op op;
	struct tok_store_entry e;
	size_t len; /* of the whole record */
};

static void idx_put_header(struct os_buf *out, uint64_t nonce)
{
	size_t start = out->len;

	os_buf_add(out, IDX_MAGIC, 4);
	os_buf_add_u16(out, IDX_VERSION);
	os_buf_add_u16(out, 0);
	os_buf_add_u32(out, IDX_HDR_LEN);
	os_buf_add_u32(out, IDX_REC_HDR);
	os_buf_add_u64(out, nonce);
	if (!os_buf_failed(out))
		os_buf_add_u32(out, tok_store_crc32(out->data + start, IDX_HDR_LEN - 4));
}

static bool idx_parse_header(const unsigned char *p, uint64_t *nonce)
{
	struct os_reader rd;

	if (memcmp(p, IDX_MAGIC, 4) != 0)
		return false;
	os_reader_init(&rd, p + 4, IDX_HDR_LEN - 4);
	uint16_t version = os_reader_u16(&rd);
	uint16_t flags = os_reader_u16(&rd);
	uint32_t hdr_len = os_reader_u32(&rd);
	uint32_t rec_hdr = os_reader_u32(&rd);
	*nonce = os_reader_u64(&rd);
	uint32_t crc = os_reader_u32(&rd);
	if (version != IDX_VERSION || rec_hdr != IDX_REC_HDR)
		return false;
	return os_reader_done(&rd) && flags == 0 && hdr_len == IDX_HDR_LEN &&
	       crc == tok_store_crc32(p, IDX_HDR_LEN - 4);
}

static size_t idx_rec_len(size_t frame_len)
{
	return IDX_REC_HDR + (frame_len ? frame_len + 4 : 0);
}

static void idx_put_record(struct os_buf *out, enum tok_store_idx_op op,
                           const struct tok_store_entry *e, const void *frame, size_t len)
{
	uint8_t flags = (uint8_t)((e->private ? IDX_PRIVATE : 0) | (len ? IDX_INLINE : 0));
	size_t start = out->len;

	os_buf_add(out, IDX_REC_MAGIC, 4);
	os_buf_add(out, (uint8_t[]){(uint8_t)op, flags}, 2);
	os_buf_add_u16(out, 0);
	os_buf_add_u32(out, (uint32_t)len);
	os_buf_add_u64(out, e->id);
	os_buf_add_u64(out, e->generation);
	if (os_buf_failed(out))
		return;
	os_buf_add_u32(out, tok_store_crc32(out->data + start, IDX_REC_HDR - 4));
	if (len) {
		os_buf_add(out, frame, len);
		os_buf_add_u32(out, tok_store_crc32(frame, len));
	}
}

/* Parses the record header at p (IDX_REC_HDR bytes): false if it is none. */
static bool idx_parse_record(const unsigned char *p, struct idx_rec *r)
{
	struct os_reader rd;
	uint8_t op = p[4], flags = p[5];

	if (memcmp(p, IDX_REC_MAGIC, 4) != 0 ||
	    (uint32_t)os_get_be(p + IDX_REC_HDR - 4, 4) != tok_store_crc32(p, IDX_REC_HDR - 4))
		return false;
	os_reader_init(&rd, p + 6, IDX_REC_HDR - 10);
	uint16_t zero = os_reader_u16(&rd);
	uint32_t frame_len = os_reader_u32(&rd);
	r->e.id = os_reader_u64(&rd);
	r->e.generation = os_reader_u64(&rd);
	r->e.private = flags & IDX_PRIVATE;
	r->e.frame_len = frame_len;
	r->e.frame_off = 0;
	r->op = (enum tok_store_idx_op)op;
	r->len = idx_rec_len(frame_len);
	if (!os_reader_done(&rd) || zero != 0 || (flags & ~(IDX_PRIVATE | IDX_INLINE)) ||
	    r->e.id == 0 || op < TOK_STORE_IDX_ADD || op > TOK_STORE_IDX_REMOVE)
		return false;
	if (!(flags & IDX_INLINE) != !frame_len || frame_len > TOK_STORE_IDX_INLINE_MAX)
		return false;
	return !(op == TOK_STORE_IDX_REMOVE && frame_len);
}

/* Applies one valid record, whose frame (if any) is at frame_off, to the live set. */
static bool idx_apply(struct tok_store_idx *ix, const struct idx_rec *r, uint64_t frame_off)
{
	struct tok_store_entry e = r->e;

	if (e.frame_len)
		e.frame_off = frame_off;
	ix->records++;
	idx_touch(ix, e.id);
	if (r->op == TOK_STORE_IDX_REMOVE) {
		map_del(ix, e.id);
		return true;
	}
	return map_put(ix, &e);
}

/*
 * Reads len bytes at off: 0, -EBADMSG when the file ends first (it is
 * shorter than a record says, or was cut since), or the negative errno of a
 * failed read, which says nothing about the file.
 */
static int idx_pread_all(int fd, unsigned char *dst, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, dst + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno ? -errno : -EIO;
		if (n == 0)
			return -EBADMSG;
		done += (size_t)n;
	}
	return 0;
}

/*
 * Scans chunk (want bytes of the file from pos; at_end: the rest of the
 * file) for records, applying the valid ones.  Returns how many bytes were consumed; a record that does not
 * fit in the chunk stops the scan in front of it.
 */
static CK_RV idx_scan(struct tok_store_idx *ix, const unsigned char *chunk, size_t want,
                      uint64_t pos, bool at_end, size_t *used)
{
	size_t at = 0;
	struct idx_rec r;

	while (want - at >= IDX_REC_HDR) {
		if (!idx_parse_record(chunk + at, &r)) {
			at++; /* not a record: look for the next one */
			continue;
		}
		if (r.len > want - at)
			break;
		/*
		 * The frame of the record that ends the file is checked: failing,
		 * it is a torn append, not applied.  Others are checked when
		 * loaded (the frame's own tag), where a damaged copy sends the
		 * reader to the object's file: replay reads no frame.
		 */
		const unsigned char *frame = chunk + at + IDX_REC_HDR;
		size_t flen = r.e.frame_len;
		if (flen && at_end && at + r.len == want &&
		    (uint32_t)os_get_be(frame + flen, 4) != tok_store_crc32(frame, flen))
			break;
		if (!idx_apply(ix, &r, pos + at + IDX_REC_HDR))
			return CKR_HOST_MEMORY;
		at += r.len;
		ix->offset = pos + at;
	}
	*used = at;
	return CKR_OK;
}

static CK_RV idx_replay(struct tok_store_idx *ix, int fd, uint64_t size)
{
	unsigned char *chunk = malloc(IDX_CHUNK);
	uint64_t pos = ix->offset;
	CK_RV rv = CKR_OK;

	if (!chunk)
		return CKR_HOST_MEMORY;
	while (size - pos >= IDX_REC_HDR) {
		size_t want = size - pos < IDX_CHUNK ? (size_t)(size - pos) : IDX_CHUNK, used;
		/* The writer cut a torn tail since the fstat: what was applied
		 * stands, the next refresh sees the shorter file.  A failed read
		 * is an error: what was applied stands too, and the next refresh
		 * goes on from ix->offset. */
		int rc = idx_pread_all(fd, chunk, want, pos);
		if (rc == -EBADMSG)
			break;
		if (rc < 0) {
			rv = CKR_DEVICE_ERROR;
			break;
		}
		rv = idx_scan(ix, chunk, want, pos, pos + want == size, &used);
		/* The end of the file: what is left is a torn append. */
		if (rv != CKR_OK || pos + want == size)
			break;
		pos += used;
	}
	free(chunk);
	return rv;
}

/* Forgets the cache and records that the file (if any) has nonce. */
static void idx_restart(struct tok_store_idx *ix, bool present, uint64_t nonce)
{
	os_htab_clear(&ix->map);
	if (ix->track) {
		ix->touched_all = true;
		ix->n_touched = 0;
	}
	ix->present = present;
	ix->nonce = nonce;
	ix->offset = IDX_HDR_LEN;
	ix->size = present ? IDX_HDR_LEN : 0;
	ix->records = 0;
}

/*
 * Makes ix->fd the file now named OBJ_IDX: the one already open when it is
 * the same inode, else the new one (forcing a full replay).  1 when there
 * is none, 0, or a negative errno.
 */
static int idx_follow_name(struct tok_store_idx *ix, int dirfd)
{
	struct stat sb;
	int fd = tok_store_file_open(dirfd, TOK_STORE_IDX_NAME, ix->owner, &sb);

	if (fd == -ENOENT) {
		idx_drop_fd(ix);
		return 1;
	}
	if (fd < 0)
		return fd;
	if (ix->fd >= 0 && sb.st_dev == ix->dev && sb.st_ino == ix->ino) {
		close(fd);
		return 0;
	}
	idx_drop_fd(ix);
	ix->fd = fd;
	ix->dev = sb.st_dev;
	ix->ino = sb.st_ino;
	ix->present = false; /* another file: replay it all */
	return 0;
}

CK_RV tok_store_idx_refresh(struct tok_store_idx *ix, int dirfd)
{
	unsigned char hdr[IDX_HDR_LEN];
	struct stat sb;
	uint64_t nonce = 0;
	int rc = idx_follow_name(ix, dirfd);

	if (rc == 1) {
		idx_restart(ix, false, 0);
		return CKR_OK;
	}
	if (rc < 0)
		return rc == -EINVAL ? CKR_DATA_INVALID : CKR_DEVICE_ERROR;
	if (fstat(ix->fd, &sb) < 0) {
		idx_drop_fd(ix);
		return CKR_DEVICE_ERROR;
	}
	rc = sb.st_size < IDX_HDR_LEN ? -EBADMSG : idx_pread_all(ix->fd, hdr, sizeof(hdr), 0);
	if (rc == 0 && !idx_parse_header(hdr, &nonce))
		rc = -EBADMSG;
	if (rc < 0) {
		/* Damaged (too short, a bad header), or a read that failed. */
		idx_drop_fd(ix);
		return rc == -EBADMSG ? CKR_DATA_INVALID : CKR_DEVICE_ERROR;
	}
	/* Another file, another nonce, or it shrank: replay it all. */
	if (!ix->present || nonce != ix->nonce || (uint64_t)sb.st_size < ix->size)
		idx_restart(ix, true, nonce);
	ix->size = (uint64_t)sb.st_size;
	return idx_replay(ix, ix->fd, ix->size);
}

/* The frame of e inside data (len bytes from the file's start). */
static const unsigned char *idx_frame_in(const unsigned char *data, size_t len,
                                         const struct tok_store_entry *e, bool check_crc)
{
	size_t flen = e->frame_len;

	if (!flen || flen > TOK_STORE_IDX_INLINE_MAX || e->frame_off > len ||
	    len - e->frame_off < flen + 4)
		return NULL;
	data += e->frame_off;
	return !check_crc || (uint32_t)os_get_be(data + flen, 4) == tok_store_crc32(data, flen)
	           ? data
	           : NULL;
}

int tok_store_idx_read_frame(int fd, const struct tok_store_entry *e, struct os_buf *out)
{
	size_t len = e->frame_len;
	unsigned char *dst;

	if (!len || len > TOK_STORE_IDX_INLINE_MAX)
		return -EINVAL;
	dst = os_buf_reserve(out, len + 4);
	if (!dst)
		return -ENOMEM;
	out->len -= 4; /* the CRC is read behind the frame, not kept */
	int rc = idx_pread_all(fd, dst, len + 4, e->frame_off);
	if (rc < 0)
		return rc == -EBADMSG ? -EINVAL : rc;
	/* dst holds the frame alone: its offset there is 0. */
	struct tok_store_entry here = *e;
	here.frame_off = 0;
	return idx_frame_in(dst, len + 4, &here, true) ? 0 : -EINVAL;
}

int tok_store_idx_read_all(int fd, const struct tok_store_idx *ix, struct os_buf *out)
{
	unsigned char *dst;

	if (ix->size > SIZE_MAX / 2)
		return -ENOMEM;
	dst = os_buf_reserve(out, (size_t)ix->size);
	if (!dst)
		return -ENOMEM;
	int rc = idx_pread_all(fd, dst, (size_t)ix->size, 0);
	return rc == -EBADMSG ? -EINVAL : rc;
}

const unsigned char *tok_store_idx_frame(const struct os_buf *all, const struct tok_store_entry *e)
{
	/* No CRC here: the frame's own tag (GCM or SHA-256) is checked when
	 * it is opened, and catches the same damage. */
	return idx_frame_in(all->data, all->len, e, false);
}

/* Writes a fresh OBJ_IDX holding the given records, then replays it. */
static CK_RV idx_rewrite(struct tok_store_idx *ix, int dirfd, const struct os_buf *records)
{
	struct os_buf file;
	uint64_t nonce;
	CK_RV rv;

	if (!tok_store_crypt_random(&nonce, sizeof(nonce)))
		return CKR_FUNCTION_FAILED;
	os_buf_init(&file);
	idx_put_header(&file, nonce);
	os_buf_add(&file, records->data, records->len);
	rv = os_buf_failed(&file)
	         ? CKR_HOST_MEMORY
	         : tok_store_file_write(dirfd, TOK_STORE_IDX_NAME, file.data, file.len, IDX_MODE);
	if (rv == CKR_OK && idx_follow_name(ix, dirfd) != 0)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK) {
		size_t used;
		idx_restart(ix, true, nonce);
		ix->size = file.len;
		rv = idx_scan(ix, file.data + IDX_HDR_LEN, records->len, IDX_HDR_LEN, true, &used);
	}
	if (rv != CKR_OK)
		ix->present = false; /* forces a full replay at the next refresh */
	os_buf_free(&file);
	return rv;
}

/*
 * One record at the end of the last valid one, cutting any torn tail, and
 * flushed when sync is set.
 */
static CK_RV idx_pwrite(struct tok_store_idx *ix, int dirfd, const struct os_buf *rec, bool sync)
{
	int fd = openat(dirfd, TOK_STORE_IDX_NAME, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	uint64_t end = ix->offset + rec->len;
	size_t done = 0;
	int err = 0;

	if (fd < 0)
		return tok_store_file_errno_rv(errno);
	while (!err && done < rec->len) {
		ssize_t n =
		    pwrite(fd, rec->data + done, rec->len - done, (off_t)(ix->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? errno : ENOSPC;
		else
			done += (size_t)n;
	}
	if (!err && ix->size > end && ftruncate(fd, (off_t)end) < 0)
		err = errno;
	if (!err && sync && fdatasync(fd) < 0)
		err = errno;
	close(fd);
	return err ? tok_store_file_errno_rv(err) : CKR_OK;
}

CK_RV tok_store_idx_sync(struct tok_store_idx *ix)
{
	if (ix->fd < 0)
		return CKR_OK; /* no file: nothing appended since it was written */
	return fdatasync(ix->fd) < 0 ? CKR_DEVICE_ERROR : CKR_OK;
}

static CK_RV idx_live_records(const struct tok_store_idx *ix, int fd, struct os_buf *recs);

CK_RV tok_store_idx_append(struct tok_store_idx *ix, int dirfd, enum tok_store_idx_op op,
                           const struct tok_store_entry *e, const void *frame, size_t len,
                           bool sync)
{
	struct os_buf rec;
	struct idx_rec r;
	CK_RV rv;

	if (len > TOK_STORE_IDX_INLINE_MAX)
		return CKR_GENERAL_ERROR;
	os_buf_init(&rec);
	idx_put_record(&rec, op, e, frame, len);
	if (os_buf_failed(&rec)) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (!ix->present) {
		/* The first object of the store: the file comes with its record. */
		rv = idx_rewrite(ix, dirfd, &rec);
		goto out;
	}
	uint64_t at = ix->offset;
	rv = idx_pwrite(ix, dirfd, &rec, sync);
	if (rv != CKR_OK)
		goto out;
	ix->offset = ix->size = at + rec.len;
	if (!idx_parse_record(rec.data, &r) || !idx_apply(ix, &r, at + IDX_REC_HDR)) {
		/* On disk but not in the cache: replay it all at the next refresh. */
		ix->present = false;
		rv = CKR_HOST_MEMORY;
	}
out:
	os_buf_free(&rec);
	return rv;
}

/* True for "<16 lowercase hex digits>.obj", with the id in *id. */
static bool idx_parse_object_name(const char *name, uint64_t *id)
{
	uint64_t v = 0;

	for (int i = 0; i < 16; i++) {
		char c = name[i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	*id = v;
	return strcmp(name + 16, ".obj") == 0;
}

static bool idx_is_temp_name(const char *name)
{
	return name[0] == '.' && strstr(name, ".tmp.") != NULL;
}

/* Removes temporary files and, when ix is given, object files it does not list. */
static void idx_sweep(const struct tok_store_idx *ix, int dirfd)
{
	int fd = dup(dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	uint64_t id;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		bool orphan =
		    ix && idx_parse_object_name(de->d_name, &id) && !tok_store_idx_find(ix, id);
		if (orphan || idx_is_temp_name(de->d_name))
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(dir);
}

void tok_store_idx_sweep_temp(int dirfd)
{
	idx_sweep(NULL, dirfd);
}

/* Adds one add record per live object to recs, frames read from fd. */
static CK_RV idx_live_records(const struct tok_store_idx *ix, int fd, struct os_buf *recs)
{
	struct os_buf frame;
	CK_RV rv = CKR_OK;

	os_buf_init(&frame);
	size_t pos = 0;
	const struct tok_store_entry *e;

	while (rv == CKR_OK && (e = os_htab_next(&ix->map, &pos))) {
		os_buf_reset(&frame);
		int rc = e->frame_len ? tok_store_idx_read_frame(fd, e, &frame) : -EINVAL;
		if (rc < 0 && rc != -EINVAL) {
			/* Not damage: no copy may be left out for it. */
			rv = rc == -ENOMEM ? CKR_HOST_MEMORY : CKR_DEVICE_ERROR;
			break;
		}
		/* A damaged copy is not carried over: the object's file remains. */
		idx_put_record(recs, TOK_STORE_IDX_ADD, e, frame.data, rc == 0 ? e->frame_len : 0);
		if (os_buf_failed(recs))
			rv = CKR_HOST_MEMORY;
	}
	tok_store_file_wipe(&frame);
	return rv;
}

bool tok_store_idx_wants_compact(const struct tok_store_idx *ix)
{
	return ix->records > IDX_COMPACT_MIN &&
	       ix->records - os_htab_count(&ix->map) > os_htab_count(&ix->map);
}

CK_RV tok_store_idx_compact(struct tok_store_idx *ix, int dirfd)
{
	struct os_buf recs;
	CK_RV rv;

	os_buf_init(&recs);
	rv = idx_live_records(ix, ix->fd, &recs);
	if (rv == CKR_OK)
		rv = idx_rewrite(ix, dirfd, &recs);
	os_buf_free(&recs);
	if (rv == CKR_OK)
		idx_sweep(ix, dirfd);
	return rv;
}

CK_RV tok_store_idx_reset(struct tok_store_idx *ix, int dirfd)
{
	struct os_buf none;
	CK_RV rv;

	os_buf_init(&none);
	os_htab_clear(&ix->map);
	rv = idx_rewrite(ix, dirfd, &none);
	os_buf_free(&none);
	if (rv == CKR_OK)
		idx_sweep(ix, dirfd);
	return rv;
}
