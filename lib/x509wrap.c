/* Key wrap: random bytes from the thread's generator (which every x509
 * file draws from), RSA PKCS#1 v1.5 encryption of keys, and AES-128-CBC,
 * for the encrypted configuration files and CAPF. */
#include "x509priv.h"
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/cryptocb.h>

#include <errno.h>
#include <pthread.h>
#include <sys/random.h>

/* One generator per thread: a WC_RNG is not safe to share, and phone
 * fleets and benchmarks make keys from many threads at once. A thread's
 * generator is freed when the thread ends (tftpd starts one per reload). */
static _Thread_local WC_RNG rng;
static _Thread_local int rng_ready;
static pthread_key_t rng_key;
static pthread_once_t rng_once = PTHREAD_ONCE_INIT;

/* wolfSSL seeds each new generator (and reseeds it) by opening
 * /dev/urandom, which is not inside a chroot, and neither Debian's
 * libwolfssl nor ours is built with getrandom or a seed callback. Both
 * have crypto callbacks, though: a generator made with this device's id
 * asks it for its seed, and it takes it from getrandom(2), which needs no
 * file. Everything else the device is asked it leaves to wolfSSL. */
#define SEED_DEVID 0x746c	/* any id no other device uses */
static int seed_dev = INVALID_DEVID;

#ifdef WOLF_CRYPTO_CB
static int seed_cb(int devid, wc_CryptoInfo *info, void *ctx)
{
	(void)devid;
	(void)ctx;
	if (info->algo_type != WC_ALGO_TYPE_SEED)
		return CRYPTOCB_UNAVAILABLE;
	for (word32 got = 0; got < info->seed.sz;) {
		ssize_t n = getrandom(info->seed.seed + got, info->seed.sz - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)	/* a kernel without it: wolfSSL's own way */
			return CRYPTOCB_UNAVAILABLE;
		got += (word32)n;
	}
	return 0;
}
#endif

static void rng_free(void *r)
{
	wc_FreeRng(r);
}

static void rng_key_make(void)
{
	if (pthread_key_create(&rng_key, rng_free)) {
		/* without it a thread's generator outlives the thread */
	}
#ifdef WOLF_CRYPTO_CB
	/* the device table is set up by wolfCrypt_Init, which counts its
	 * callers: this one is never undone, so the device stays */
	if (wolfCrypt_Init() == 0 &&
	    wc_CryptoCb_RegisterDevice(SEED_DEVID, seed_cb, NULL) == 0)
		seed_dev = SEED_DEVID;
#endif
}

WC_RNG *tl_x509_rng(void)
{
	pthread_once(&rng_once, rng_key_make);
	if (!rng_ready) {
		if (wc_InitRng_ex(&rng, NULL, seed_dev) != 0)
			return NULL;
		rng_ready = 1;
		pthread_setspecific(rng_key, &rng);
	}
	return &rng;
}

int tl_random_seedable(tl_err *e)
{
	WC_RNG r;

	pthread_once(&rng_once, rng_key_make);
	if (seed_dev == INVALID_DEVID)
		return tl_fail(e, "this wolfSSL seeds its random generator from "
			       "/dev/urandom only (built without crypto callbacks)");
	if (wc_InitRng_ex(&r, NULL, seed_dev) != 0)
		return tl_fail(e, "wolfSSL's random generator cannot be seeded "
			       "(getrandom(2) failed)");
	wc_FreeRng(&r);
	return 0;
}

int tl_random(uint8_t *buf, size_t len, tl_err *e)
{
	WC_RNG *r = tl_x509_rng();

	if (r == NULL || wc_RNG_GenerateBlock(r, buf, (word32)len) != 0)
		return tl_fail(e, "random number generator failed");
	return 0;
}

int tl_rsa_encrypt(const tl_pub *k, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len, tl_err *e)
{
	int rc;

	if (k->type != TL_KEY_RSA)
		return tl_fail(e, "key wrapping needs an RSA key, this one is EC");
	rc = wc_RsaPublicEncrypt(in, (word32)in_len, out, (word32)*out_len,
				 (RsaKey *)&k->u.rsa, tl_x509_rng());
	if (rc < 0)
		return tl_fail(e, "RSA encryption failed: %s", wc_msg(rc));
	*out_len = (size_t)rc;
	return 0;
}

int tl_rsa_decrypt(const tl_key *k, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len, tl_err *e)
{
	int rc;

	if (k->type != TL_KEY_RSA)
		return tl_fail(e, "key unwrapping needs an RSA key, this one is EC");
	/* blinding draws from the key's generator: this thread's, the one a
	 * key was loaded on may have ended */
	wc_RsaSetRNG((RsaKey *)&k->u.rsa, tl_x509_rng());
	rc = wc_RsaPrivateDecrypt(in, (word32)in_len, out, (word32)*out_len,
				  (RsaKey *)&k->u.rsa);
	if (rc < 0)
		return tl_fail(e, "RSA decryption failed (wrong key?): %s",
			       wc_msg(rc));
	*out_len = (size_t)rc;
	return 0;
}

int tl_aes128_cbc(int encrypt, const uint8_t key[16], const uint8_t iv[16],
		  const uint8_t *in, uint8_t *out, size_t len, tl_err *e)
{
	Aes aes;
	int rc;

	if (len % 16)
		return tl_fail(e, "AES-CBC data of %zu bytes is not a multiple of 16",
			       len);
	if ((rc = wc_AesInit(&aes, NULL, INVALID_DEVID)) != 0)
		return tl_fail(e, "AES init failed: %s", wc_msg(rc));
	rc = wc_AesSetKey(&aes, key, 16, iv,
			  encrypt ? AES_ENCRYPTION : AES_DECRYPTION);
	if (rc == 0 && len > 0)
		rc = encrypt ? wc_AesCbcEncrypt(&aes, out, in, (word32)len)
			     : wc_AesCbcDecrypt(&aes, out, in, (word32)len);
	wc_AesFree(&aes);
	explicit_bzero(&aes, sizeof(aes));
	if (rc != 0)
		return tl_fail(e, "AES-128-CBC failed: %s", wc_msg(rc));
	return 0;
}
