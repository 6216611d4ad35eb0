/*
 * PBKDF2-HMAC-SHA512 and its lanes (see store_kdf.h).
 *
 * OpenSSL 3's PKCS5_PBKDF2_HMAC sets up HMAC state again for every
 * iteration.  Here the SHA-512 states after the inner pad (key ^ 0x36) and
 * after the outer pad (key ^ 0x5c) are computed once per PIN, and every
 * iteration after the first costs exactly two SHA-512 compressions: both
 * hashes of U_j = HMAC(pin, U_j-1) then take, after their pad, one block
 * holding the previous 64-byte digest, the 0x80 terminator, zeros and the
 * message length (128 + 64 bytes = 1536 bits).  The output is byte for byte
 * that of PKCS5_PBKDF2_HMAC (test-store-kdf checks it) in about two thirds
 * of the time.  Every buffer derived from the PIN is wiped before return.
 */

/*
 * SHA512_Init, _Update, _Final and _Transform are deprecated in OpenSSL 3.
 * Their replacement, EVP_Digest*, has no call that compresses one block into
 * a saved state, which is what makes an iteration cost two compressions and
 * nothing more.  libcrypto 3 still provides them; this file alone uses them,
 * so the warning is suppressed here and nowhere else.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "store_kdf.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#define KDF_BLOCK  SHA512_CBLOCK        /* 128 */
#define KDF_DIGEST SHA512_DIGEST_LENGTH /* 64 */
/* Bits hashed by the inner and outer hash of an iteration: pad and digest. */
#define KDF_ITER_BITS ((KDF_BLOCK + KDF_DIGEST) * 8)

/* The SHA-512 states after absorbing the HMAC inner and outer pad of a PIN. */
struct kdf_hmac {
	SHA512_CTX inner;
	SHA512_CTX outer;
};

/* One lane of tok_store_kdf_derive, and the thread computing it. */
struct kdf_lane {
	const struct kdf_hmac *hmac;
	const uint8_t *salt;
	size_t saltlen;
	uint8_t index; /* appended to the salt: 1..L */
	uint32_t iterations;
	uint8_t out[KDF_DIGEST];
	bool ok;
	bool threaded; /* thread was created and is to be joined */
	pthread_t thread;
};

bool tok_store_kdf_params_valid(uint32_t iterations, uint32_t lanes)
{
	return lanes >= 1 && lanes <= TOK_STORE_KDF_MAX_LANES && iterations >= lanes;
}

static bool kdf_hmac_init(struct kdf_hmac *h, const void *pin, size_t pinlen)
{
	uint8_t key[KDF_BLOCK], pad[KDF_BLOCK];
	SHA512_CTX c;
	bool ok = true;

	memset(key, 0, sizeof(key));
	/* As HMAC requires, a key longer than a block is hashed first. */
	if (pinlen > KDF_BLOCK)
		ok = SHA512_Init(&c) && SHA512_Update(&c, pin, pinlen) && SHA512_Final(key, &c);
	else if (pinlen)
		memcpy(key, pin, pinlen);
	for (size_t i = 0; i < KDF_BLOCK; i++)
		pad[i] = key[i] ^ 0x36;
	ok = ok && SHA512_Init(&h->inner) && SHA512_Update(&h->inner, pad, KDF_BLOCK);
	for (size_t i = 0; i < KDF_BLOCK; i++)
		pad[i] = key[i] ^ 0x5c;
	ok = ok && SHA512_Init(&h->outer) && SHA512_Update(&h->outer, pad, KDF_BLOCK);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(&c, sizeof(c));
	return ok;
}

/* The chaining value of c as the 64 bytes a digest would give (big-endian words). */
static void kdf_state_bytes(const SHA512_CTX *c, uint8_t out[KDF_DIGEST])
{
	for (int i = 0; i < 8; i++) {
		uint64_t w = c->h[i];
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		memcpy(out + 8 * i, &w, 8);
	}
}

/*
 * Output block blockno of PBKDF2: t = U_1 ^ ... ^ U_iterations, where
 * U_1 = HMAC(pin, salt || tail || INT(blockno)) and U_j = HMAC(pin, U_j-1).
 */
static bool kdf_block(const struct kdf_hmac *h, const uint8_t *salt, size_t saltlen,
                      const uint8_t *tail, size_t taillen, uint32_t blockno, uint32_t iterations,
                      uint8_t t[KDF_DIGEST])
{
	const uint8_t be[4] = {blockno >> 24, blockno >> 16, blockno >> 8, blockno};
	_Alignas(8) uint8_t u[KDF_BLOCK];
	SHA512_CTX c = h->inner;
	bool ok;

	ok = (!saltlen || SHA512_Update(&c, salt, saltlen)) &&
	     (!taillen || SHA512_Update(&c, tail, taillen)) && SHA512_Update(&c, be, 4) &&
	     SHA512_Final(u, &c);
	c = h->outer;
	ok = ok && SHA512_Update(&c, u, KDF_DIGEST) && SHA512_Final(u, &c);
	memcpy(t, u, KDF_DIGEST);
	/* From here on u is the single, padded block after the pad. */
	memset(u + KDF_DIGEST, 0, KDF_BLOCK - KDF_DIGEST);
	u[KDF_DIGEST] = 0x80;
	u[KDF_BLOCK - 2] = (uint8_t)(KDF_ITER_BITS >> 8);
	u[KDF_BLOCK - 1] = (uint8_t)KDF_ITER_BITS;
	/* t is accumulated as the words of the chaining values, turned into
	 * bytes once at the end: U_j in bytes is only needed as the next input. */
	uint64_t acc[8] = {0};
	for (uint32_t j = 1; ok && j < iterations; j++) {
		memcpy(c.h, h->inner.h, sizeof(c.h));
		SHA512_Transform(&c, u);
		kdf_state_bytes(&c, u);
		memcpy(c.h, h->outer.h, sizeof(c.h));
		SHA512_Transform(&c, u);
		kdf_state_bytes(&c, u);
		for (int i = 0; i < 8; i++)
			acc[i] ^= c.h[i];
	}
	if (iterations > 1) {
		uint8_t accb[KDF_DIGEST];
		memcpy(c.h, acc, sizeof(acc));
		kdf_state_bytes(&c, accb);
		for (size_t i = 0; i < KDF_DIGEST; i++)
			t[i] ^= accb[i];
		OPENSSL_cleanse(accb, sizeof(accb));
	}
	OPENSSL_cleanse(acc, sizeof(acc));
	if (!ok)
		OPENSSL_cleanse(t, KDF_DIGEST);
	OPENSSL_cleanse(u, sizeof(u));
	OPENSSL_cleanse(&c, sizeof(c));
	return ok;
}

bool tok_store_kdf_pbkdf2(const void *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                          uint32_t iterations, uint8_t *out, size_t outlen)
{
	uint8_t t[KDF_DIGEST];
	struct kdf_hmac h;
	size_t done = 0;
	bool ok;

	/* RFC 8018 numbers the output blocks with a u32. */
	if (iterations == 0 || (!pin && pinlen) || (!salt && saltlen) || (!out && outlen) ||
	    outlen / KDF_DIGEST >= UINT32_MAX)
		return false;
	ok = kdf_hmac_init(&h, pin, pinlen);
	for (uint32_t blockno = 1; ok && done < outlen; blockno++) {
		size_t n = outlen - done < KDF_DIGEST ? outlen - done : KDF_DIGEST;

		ok = kdf_block(&h, salt, saltlen, NULL, 0, blockno, iterations, t);
		memcpy(out + done, t, n);
		done += n;
	}
	if (!ok && outlen)
		OPENSSL_cleanse(out, outlen);
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(&h, sizeof(h));
	return ok;
}

static void kdf_lane_run(struct kdf_lane *lane)
{
	lane->ok = kdf_block(lane->hmac, lane->salt, lane->saltlen, &lane->index, 1, 1,
	                     lane->iterations, lane->out);
}

static void *kdf_lane_main(void *arg)
{
	kdf_lane_run(arg);
	return NULL;
}

/*
 * Starts a thread for each lane but the first, with every signal blocked
 * so that none of the application's signals is delivered to one of them.
 */
static void kdf_lanes_start(struct kdf_lane *lanes, uint32_t n, unsigned threads)
{
	sigset_t all, old;
	bool masked;

	sigfillset(&all);
	masked = pthread_sigmask(SIG_SETMASK, &all, &old) == 0;
	for (uint32_t i = 1; i < n && i < threads; i++)
		lanes[i].threaded =
		    pthread_create(&lanes[i].thread, NULL, kdf_lane_main, &lanes[i]) == 0;
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Computes the first lane here, then collects the others (or computes them). */
static bool kdf_lanes_finish(struct kdf_lane *lanes, uint32_t n)
{
	bool ok = true;

	kdf_lane_run(&lanes[0]);
	for (uint32_t i = 0; i < n; i++) {
		if (lanes[i].threaded)
			pthread_join(lanes[i].thread, NULL);
		else if (i > 0)
			kdf_lane_run(&lanes[i]);
		ok = ok && lanes[i].ok;
	}
	return ok;
}

bool tok_store_kdf_derive(const void *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                          uint32_t iterations, uint32_t lanes, uint8_t key[TOK_STORE_KDF_KEY_LEN])
{
	return tok_store_kdf_derive_threads(pin, pinlen, salt, saltlen, iterations, lanes,
	                                    TOK_STORE_KDF_MAX_LANES, key);
}

bool tok_store_kdf_derive_threads(const void *pin, size_t pinlen, const uint8_t *salt,
                                  size_t saltlen, uint32_t iterations, uint32_t lanes,
                                  unsigned threads, uint8_t key[TOK_STORE_KDF_KEY_LEN])
{
	struct kdf_lane lane[TOK_STORE_KDF_MAX_LANES];
	uint8_t digest[SHA512_DIGEST_LENGTH];
	struct kdf_hmac h;
	SHA512_CTX c;
	bool ok;

	if (!tok_store_kdf_params_valid(iterations, lanes) || (!pin && pinlen) ||
	    (!salt && saltlen))
		return false;
	if (lanes == 1)
		return tok_store_kdf_pbkdf2(pin, pinlen, salt, saltlen, iterations, key,
		                            TOK_STORE_KDF_KEY_LEN);
	memset(lane, 0, sizeof(lane));
	ok = kdf_hmac_init(&h, pin, pinlen);
	for (uint32_t i = 0; i < lanes; i++) {
		lane[i].hmac = &h;
		lane[i].salt = salt;
		lane[i].saltlen = saltlen;
		lane[i].index = (uint8_t)(i + 1);
		lane[i].iterations = iterations / lanes + (iterations % lanes != 0);
	}
	if (ok) {
		kdf_lanes_start(lane, lanes, threads);
		ok = kdf_lanes_finish(lane, lanes);
	}
	ok = ok && SHA512_Init(&c);
	for (uint32_t i = 0; i < lanes; i++)
		ok = ok && SHA512_Update(&c, lane[i].out, KDF_DIGEST);
	ok = ok && SHA512_Final(digest, &c);
	if (ok)
		memcpy(key, digest, TOK_STORE_KDF_KEY_LEN);
	else
		OPENSSL_cleanse(key, TOK_STORE_KDF_KEY_LEN);
	OPENSSL_cleanse(lane, sizeof(lane));
	OPENSSL_cleanse(digest, sizeof(digest));
	OPENSSL_cleanse(&h, sizeof(h));
	OPENSSL_cleanse(&c, sizeof(c));
	return ok;
}
