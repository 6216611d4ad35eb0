/*
 * The index of token objects (see store_idx.h): the journal file and the
 * cached live set, a hash table keyed by object id with linear probing.
 * Object ids are random, but the table still mixes them before use, so
 * planted ids cannot pile up in one probe run.
 */
#include "store_idx.h"

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
#include "store_crypt.h"
#include "store_file.h"

#define IDX_MAGIC       "OSIX"
#define IDX_VERSION     1
#define IDX_HDR_LEN     28
#define IDX_REC_LEN     24
#define IDX_PRIVATE     0x01
#define IDX_COMPACT_MIN 64
#define IDX_READ_BATCH  256 /* records per read while replaying */

void tok_store_idx_object_name(uint64_t id, char name[TOK_STORE_OBJ_NAME_SIZE])
{
	snprintf(name, TOK_STORE_OBJ_NAME_SIZE, "%016" PRIx64 ".obj", id);
}

void tok_store_idx_init(struct tok_store_idx *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void tok_store_idx_free(struct tok_store_idx *ix)
{
	free(ix->slots);
	tok_store_idx_init(ix);
}

/* --- the live set ------------------------------------------------------ */

static size_t map_home(const struct tok_store_idx *ix, uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id & (ix->cap - 1);
}

static struct tok_store_entry *map_slot(const struct tok_store_idx *ix, uint64_t id)
{
	if (!ix->cap)
		return NULL;
	for (size_t i = map_home(ix, id);; i = (i + 1) & (ix->cap - 1))
		if (ix->slots[i].id == id || ix->slots[i].id == 0)
			return &ix->slots[i];
}

static bool map_grow(struct tok_store_idx *ix)
{
	struct tok_store_idx bigger = *ix;

	bigger.cap = ix->cap ? ix->cap * 2 : 64;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return false;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].id)
			*map_slot(&bigger, ix->slots[i].id) = ix->slots[i];
	free(ix->slots);
	*ix = bigger;
	return true;
}

static bool map_put(struct tok_store_idx *ix, const struct tok_store_entry *e)
{
	struct tok_store_entry *slot;

	if ((ix->live + 1) * 2 > ix->cap && !map_grow(ix))
		return false;
	slot = map_slot(ix, e->id);
	if (slot->id == 0)
		ix->live++;
	*slot = *e;
	return true;
}

/* Deletion with backward shift: no tombstones, probe runs stay short. */
static void map_del(struct tok_store_idx *ix, uint64_t id)
{
	struct tok_store_entry *slot = map_slot(ix, id);
	size_t mask = ix->cap - 1, i, j;

	if (!slot || slot->id == 0)
		return;
	i = (size_t)(slot - ix->slots);
	ix->slots[i].id = 0;
	ix->live--;
	for (j = (i + 1) & mask; ix->slots[j].id; j = (j + 1) & mask) {
		size_t k = map_home(ix, ix->slots[j].id);
		/* The entry at j may fill the hole at i unless its home lies
		 * cyclically within (i, j]. */
		bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
		if (stays)
			continue;
		ix->slots[i] = ix->slots[j];
		ix->slots[j].id = 0;
		i = j;
	}
}

static void map_clear(struct tok_store_idx *ix)
{
	if (ix->cap)
		memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
	ix->live = 0;
}

const struct tok_store_entry *tok_store_idx_find(const struct tok_store_idx *ix, uint64_t id)
{
	const struct tok_store_entry *slot = id ? map_slot(ix, id) : NULL;

	return slot && slot->id ? slot : NULL;
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

static int idx_cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const struct tok_store_entry *)a)->id;
	uint64_t y = ((const struct tok_store_entry *)b)->id;

	return x < y ? -1 : x > y;
}

CK_RV tok_store_idx_list(const struct tok_store_idx *ix, struct tok_store_entry **out, size_t *n)
{
	struct tok_store_entry *v = malloc((ix->live ? ix->live : 1) * sizeof(*v));
	size_t k = 0;

	if (!v)
		return CKR_HOST_MEMORY;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].id)
			v[k++] = ix->slots[i];
	qsort(v, k, sizeof(*v), idx_cmp_id);
	*out = v;
	*n = k;
	return CKR_OK;
}

/* --- the journal ------------------------------------------------------- */

static void idx_put_header(struct os_buf *out, uint64_t nonce)
{
	size_t start = out->len;

	os_buf_add(out, IDX_MAGIC, 4);
	os_buf_add_u16(out, IDX_VERSION);
	os_buf_add_u16(out, 0);
	os_buf_add_u32(out, IDX_HDR_LEN);
	os_buf_add_u32(out, IDX_REC_LEN);
	os_buf_add_u64(out, nonce);
	if (!os_buf_failed(out))
		os_buf_add_u32(out, tok_store_crypt_crc32(out->data + start, IDX_HDR_LEN - 4));
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
	uint32_t rec_len = os_reader_u32(&rd);
	*nonce = os_reader_u64(&rd);
	uint32_t crc = os_reader_u32(&rd);
	return os_reader_done(&rd) && version == IDX_VERSION && flags == 0 &&
	       hdr_len == IDX_HDR_LEN && rec_len == IDX_REC_LEN &&
	       crc == tok_store_crypt_crc32(p, IDX_HDR_LEN - 4);
}

static void idx_put_record(struct os_buf *out, enum tok_store_idx_op op,
                           const struct tok_store_entry *e)
{
	size_t start = out->len;

	os_buf_add(out, (uint8_t[]){(uint8_t)op, e->private ? IDX_PRIVATE : 0}, 2);
	os_buf_add_u16(out, 0);
	os_buf_add_u64(out, e->id);
	os_buf_add_u64(out, e->generation);
	if (!os_buf_failed(out))
		os_buf_add_u32(out, tok_store_crypt_crc32(out->data + start, IDX_REC_LEN - 4));
}

/* Applies one record to the live set; a damaged one is skipped. */
static bool idx_apply(struct tok_store_idx *ix, const unsigned char *p)
{
	struct os_reader rd;
	struct tok_store_entry e;

	os_reader_init(&rd, p + 2, IDX_REC_LEN - 2);
	uint16_t zero = os_reader_u16(&rd);
	e.id = os_reader_u64(&rd);
	e.generation = os_reader_u64(&rd);
	uint32_t crc = os_reader_u32(&rd);
	e.private = p[1] & IDX_PRIVATE;
	if (!os_reader_done(&rd) || zero != 0 || (p[1] & ~IDX_PRIVATE) || e.id == 0 ||
	    crc != tok_store_crypt_crc32(p, IDX_REC_LEN - 4))
		return true;
	switch (p[0]) {
	case TOK_STORE_IDX_ADD:
	case TOK_STORE_IDX_UPDATE:
		return map_put(ix, &e);
	case TOK_STORE_IDX_REMOVE:
		map_del(ix, e.id);
		return true;
	default:
		return true;
	}
}

static CK_RV idx_replay(struct tok_store_idx *ix, int fd, uint64_t size)
{
	unsigned char batch[IDX_READ_BATCH * IDX_REC_LEN];

	while (size - ix->offset >= IDX_REC_LEN) {
		uint64_t whole = (size - ix->offset) / IDX_REC_LEN;
		size_t want =
		    (size_t)(whole < IDX_READ_BATCH ? whole : IDX_READ_BATCH) * IDX_REC_LEN;
		ssize_t got = pread(fd, batch, want, (off_t)ix->offset);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < IDX_REC_LEN)
			return CKR_DEVICE_ERROR; /* the file shrank under a lock: broken */
		for (ssize_t at = 0; at + IDX_REC_LEN <= got; at += IDX_REC_LEN) {
			if (!idx_apply(ix, batch + at))
				return CKR_HOST_MEMORY;
			ix->offset += IDX_REC_LEN;
			ix->records++;
		}
	}
	return CKR_OK;
}

/* Forgets the cache and records that the file (if any) has nonce. */
static void idx_restart(struct tok_store_idx *ix, bool present, uint64_t nonce)
{
	map_clear(ix);
	ix->present = present;
	ix->nonce = nonce;
	ix->offset = IDX_HDR_LEN;
	ix->records = 0;
}

CK_RV tok_store_idx_refresh(struct tok_store_idx *ix, int dirfd)
{
	unsigned char hdr[IDX_HDR_LEN];
	struct stat sb;
	uint64_t nonce;
	CK_RV rv;
	int fd;

	fd = openat(dirfd, TOK_STORE_IDX_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		idx_restart(ix, false, 0);
		return CKR_OK;
	}
	if (fd < 0)
		return errno == ELOOP ? CKR_DATA_INVALID : CKR_DEVICE_ERROR;
	rv = CKR_DATA_INVALID;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < IDX_HDR_LEN)
		goto out;
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    !idx_parse_header(hdr, &nonce))
		goto out;
	/* Another process rewrote the file, or it shrank: replay it all. */
	if (!ix->present || nonce != ix->nonce || (uint64_t)sb.st_size < ix->offset)
		idx_restart(ix, true, nonce);
	rv = idx_replay(ix, fd, (uint64_t)sb.st_size);
out:
	close(fd);
	return rv;
}

/* Writes a fresh OBJ_IDX holding the given records (count of them). */
static CK_RV idx_rewrite(struct tok_store_idx *ix, int dirfd, const struct os_buf *records,
                         uint64_t count)
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
	         : tok_store_file_write(dirfd, TOK_STORE_IDX_NAME, file.data, file.len);
	os_buf_free(&file);
	if (rv != CKR_OK)
		return rv;
	ix->present = true;
	ix->nonce = nonce;
	ix->offset = IDX_HDR_LEN + count * IDX_REC_LEN;
	ix->records = count;
	return CKR_OK;
}

static CK_RV idx_pwrite_sync(int dirfd, const void *rec, uint64_t offset)
{
	int fd = openat(dirfd, TOK_STORE_IDX_NAME, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return tok_store_file_errno_rv(errno);
	do
		n = pwrite(fd, rec, IDX_REC_LEN, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n != IDX_REC_LEN)
		err = n < 0 ? errno : ENOSPC;
	if (!err && fdatasync(fd) < 0)
		err = errno;
	close(fd);
	return err ? tok_store_file_errno_rv(err) : CKR_OK;
}

CK_RV tok_store_idx_append(struct tok_store_idx *ix, int dirfd, enum tok_store_idx_op op,
                           const struct tok_store_entry *e)
{
	struct os_buf rec;
	CK_RV rv;

	os_buf_init(&rec);
	idx_put_record(&rec, op, e);
	if (os_buf_failed(&rec)) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (!ix->present) {
		/* The first object of the store: the file comes with its record. */
		map_clear(ix);
		rv = idx_rewrite(ix, dirfd, &rec, 1);
	} else {
		/* Written at the end of the last whole record, so a torn partial
		 * record left by a crash is overwritten. */
		rv = idx_pwrite_sync(dirfd, rec.data, ix->offset);
		if (rv == CKR_OK) {
			ix->offset += IDX_REC_LEN;
			ix->records++;
		}
	}
	if (rv == CKR_OK && !idx_apply(ix, rec.data)) {
		/* The record is on disk but not in the cache: an offset past any
		 * file size forces a full replay at the next refresh. */
		ix->offset = UINT64_MAX;
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

CK_RV tok_store_idx_maybe_compact(struct tok_store_idx *ix, int dirfd)
{
	struct os_buf recs;
	CK_RV rv;

	if (ix->records <= IDX_COMPACT_MIN || ix->records - ix->live <= ix->live)
		return CKR_OK;
	os_buf_init(&recs);
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].id)
			idx_put_record(&recs, TOK_STORE_IDX_ADD, &ix->slots[i]);
	rv = os_buf_failed(&recs) ? CKR_HOST_MEMORY : idx_rewrite(ix, dirfd, &recs, ix->live);
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
	map_clear(ix);
	rv = idx_rewrite(ix, dirfd, &none, 0);
	os_buf_free(&none);
	if (rv == CKR_OK)
		idx_sweep(ix, dirfd);
	return rv;
}
