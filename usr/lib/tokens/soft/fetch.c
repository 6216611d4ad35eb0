/*
 * Algorithms fetched once per process.
 *
 * EVP_MD_fetch() and its siblings search the provider store on every
 * call, which would cost more than hashing a short message.  Here the
 * first use of an algorithm fetches it and publishes it with a
 * compare-and-swap (a thread losing the race frees its own copy); every
 * later use is one atomic load.
 *
 * The fetched objects hold references into OpenSSL, so they are released
 * when the backend is unloaded.  At process exit OpenSSL may have cleaned
 * itself up first (its atexit handler runs before shared objects are
 * finalised); OPENSSL_init_crypto() then answers 0 and the objects are
 * left to the exiting process, since freeing them would touch freed state.
 */
#include "fetch.h"

#include <stdbool.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

static const char *const fetch_md_names[SOFT_MD_COUNT] = {
    [SOFT_MD_SHA1] = "SHA1",         [SOFT_MD_SHA224] = "SHA224",
    [SOFT_MD_SHA256] = "SHA256",     [SOFT_MD_SHA384] = "SHA384",
    [SOFT_MD_SHA512] = "SHA512",     [SOFT_MD_SHA3_224] = "SHA3-224",
    [SOFT_MD_SHA3_256] = "SHA3-256", [SOFT_MD_SHA3_384] = "SHA3-384",
    [SOFT_MD_SHA3_512] = "SHA3-512",
};

/* Indexed by mode, then by key size (16, 24, 32 bytes). */
static const char *const fetch_aes_names[SOFT_AES_MODE_COUNT][3] = {
    [SOFT_AES_ECB] = {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"},
    [SOFT_AES_CBC] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
    [SOFT_AES_CTR] = {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"},
    [SOFT_AES_GCM] = {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"},
    [SOFT_AES_CCM] = {"AES-128-CCM", "AES-192-CCM", "AES-256-CCM"},
    [SOFT_AES_WRAP] = {"AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP"},
    [SOFT_AES_WRAP_PAD] = {"AES-128-WRAP-PAD", "AES-192-WRAP-PAD", "AES-256-WRAP-PAD"},
};

static const char *const fetch_mac_names[SOFT_MAC_COUNT] = {
    [SOFT_MAC_HMAC] = "HMAC",
    [SOFT_MAC_CMAC] = "CMAC",
};

/* The one state of this file: what has been fetched so far. */
static struct {
	void *md[SOFT_MD_COUNT];
	void *aes[SOFT_AES_MODE_COUNT * 3]; /* mode * 3 + key size index */
	void *mac[SOFT_MAC_COUNT];
} fetch_cache;

static void *fetch_md_by_name(const char *name)
{
	return EVP_MD_fetch(NULL, name, NULL);
}

static void fetch_md_free(void *alg)
{
	EVP_MD_free(alg);
}

static void *fetch_cipher_by_name(const char *name)
{
	return EVP_CIPHER_fetch(NULL, name, NULL);
}

static void fetch_cipher_free(void *alg)
{
	EVP_CIPHER_free(alg);
}

static void *fetch_mac_by_name(const char *name)
{
	return EVP_MAC_fetch(NULL, name, NULL);
}

static void fetch_mac_free(void *alg)
{
	EVP_MAC_free(alg);
}

/* Returns *slot, filling it on first use; NULL when OpenSSL lacks the algorithm. */
static void *fetch_once(void **slot, const char *name, void *(*fetch)(const char *),
                        void (*release)(void *))
{
	void *alg = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	void *expected = NULL;

	if (alg)
		return alg;
	alg = fetch(name);
	if (!alg) {
		ERR_clear_error();
		return NULL;
	}
	if (!__atomic_compare_exchange_n(slot, &expected, alg, false, __ATOMIC_ACQ_REL,
	                                 __ATOMIC_ACQUIRE)) {
		release(alg);
		alg = expected;
	}
	return alg;
}

const EVP_MD *soft_fetch_md(enum soft_md md)
{
	if ((unsigned)md >= SOFT_MD_COUNT)
		return NULL;
	return fetch_once(&fetch_cache.md[md], fetch_md_names[md], fetch_md_by_name, fetch_md_free);
}

const char *soft_fetch_md_name(enum soft_md md)
{
	return (unsigned)md < SOFT_MD_COUNT ? fetch_md_names[md] : NULL;
}

/* The index of a key size in fetch_aes_names, or -1. */
static int fetch_aes_size(size_t keylen)
{
	switch (keylen) {
	case 16:
		return 0;
	case 24:
		return 1;
	case 32:
		return 2;
	}
	return -1;
}

const EVP_CIPHER *soft_fetch_aes(enum soft_aes_mode mode, size_t keylen)
{
	int size = fetch_aes_size(keylen);

	if ((unsigned)mode >= SOFT_AES_MODE_COUNT || size < 0)
		return NULL;
	return fetch_once(&fetch_cache.aes[mode * 3 + size], fetch_aes_names[mode][size],
	                  fetch_cipher_by_name, fetch_cipher_free);
}

const char *soft_fetch_aes_name(enum soft_aes_mode mode, size_t keylen)
{
	int size = fetch_aes_size(keylen);

	if ((unsigned)mode >= SOFT_AES_MODE_COUNT || size < 0)
		return NULL;
	return fetch_aes_names[mode][size];
}

EVP_MAC *soft_fetch_mac(enum soft_mac mac)
{
	if ((unsigned)mac >= SOFT_MAC_COUNT)
		return NULL;
	return fetch_once(&fetch_cache.mac[mac], fetch_mac_names[mac], fetch_mac_by_name,
	                  fetch_mac_free);
}

/* Frees the slots of one table; false when OpenSSL is gone and nothing may be freed. */
static bool fetch_release(void **slots, size_t n, void (*release)(void *), bool *alive)
{
	for (size_t i = 0; i < n; i++) {
		if (!slots[i])
			continue;
		if (!*alive && OPENSSL_init_crypto(0, NULL) != 1)
			return false;
		*alive = true;
		release(slots[i]);
		slots[i] = NULL;
	}
	return true;
}

__attribute__((destructor)) static void fetch_unload(void)
{
	bool alive = false;

	if (!fetch_release(fetch_cache.md, SOFT_MD_COUNT, fetch_md_free, &alive))
		return;
	if (!fetch_release(fetch_cache.aes, SOFT_AES_MODE_COUNT * 3, fetch_cipher_free, &alive))
		return;
	fetch_release(fetch_cache.mac, SOFT_MAC_COUNT, fetch_mac_free, &alive);
}
