/* The encrypted configuration on hostile bytes, opened the way a phone
 * opens SEP<MAC>.cnf.xml.enc.sgn: the signed-header parser with its
 * encryption block, then decryption with a fixed RSA-1024 device key. The
 * seeds in seeds/fuzz_encsgn/ are encrypted to that key, so mutations get
 * past the key unwrap to the AES, padding and digest checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encconfig.h"
#include "fuzzutil.h"

/* For fuzzing only, and public by design: a key generated on each run
 * would not open the seeds. They were made with
 *   openssl req -x509 -key KEY -out dev.crt -subj /CN=SEP00F022F022F0
 *   trustline enc build SEP00F022F022F0.cnf.xml --signer S --device-cert dev.crt
 * (with --digest sha512 for the second one). */
static const char device_pem[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICXwIBAAKBgQDTb+iMjEeoiJNvUV84uafP3OtswoTQYGuIX81s64jb/F7yC4fd\n"
	"83D2LAeoplCrTEhy87ISatlHkASe9FHw2O98URA9dXCBcJUs//4AXiqp1mpLKX5q\n"
	"bRUxfPMfTFRXiXNIfrMAMbSr6R4ntrrJw6ThL8+ik1KhoLRb/3kn8i8uYwIDAQAB\n"
	"AoGBAInO57grek0bb1TfqXuUbg7qA7vocJ5MKepB3ud+AL65F70UzOJZ2Cdq/Tbr\n"
	"56ouVw4tTcP5RlMBSDG+NmYPTs79fIsEYMrwoBMfyAjNfPyeT2tyA+XbwSqVrF8b\n"
	"qgrb1Tit6irMC7Sa+efu4FnnJRzgCkQc5IsBNgnSTNnwBsIJAkEA8/D4Nf3MtKMW\n"
	"yEYGu4O+lxsPhJmxS/vKCEs+eJQIGbkJ7W5QKk8x2kh6YlO6y0hNROQNAp1aGWvc\n"
	"+Ok5BzgxBwJBAN3jmuW09YMkVFH2Q9uvR2EQI08fX5xciDQb8a4KgMwZs4GUOall\n"
	"V04jTTrYh32bzND4A2PQpqkAMBrhlVaJ7MUCQQCL3XXzPvnH+FpvqfbiPL9iVBmp\n"
	"pZWKQ2urJblD2VxrozSV9dHw8EddKIFDL07Cj0n+XeM3xJCMUtP3w4D3KrixAkEA\n"
	"iqo+lubrtzTw7Pe1mIiFVwc6yauVmKXLCKWd92Hg86vsHkJ/dnk6gj5VeTzwD3Na\n"
	"IA2eMLaoMF1JssLfDOHM8QJBALL00FFA8uR9xrYUaa+paaTLWZKYXOFljJGsGbrG\n"
	"ei5pXkzQONbl9INHtUT/Xnwo+M74G2QrBes/JOhTMA7HvFc=\n"
	"-----END RSA PRIVATE KEY-----\n";

static const tl_key *device_key(void)
{
	static tl_key *k;
	tl_err e;

	if (k == NULL && tl_key_from_mem((const uint8_t *)device_pem,
					 sizeof(device_pem) - 1, "fuzz device key",
					 &k, &e)) {
		fprintf(stderr, "fuzz setup: %s\n", e.msg);
		abort();
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const tl_key *k = device_key();
	uint8_t digest[TL_HASH_MAX], *xml;
	size_t xml_len;
	tl_sfile h;
	tl_err e;

	/* What the parser refuses is fuzz_signedfile's business. */
	if (tl_sfile_parse(&h, data, size, "fuzz.enc.sgn", &e))
		return 0;
	if (tl_enc_decrypt(&h, k, &xml, &xml_len, &e)) {
		fz_require(xml == NULL && strstr(e.msg, "fuzz.enc.sgn") != NULL,
			   "a refused decryption names the file and returns nothing");
		return 0;
	}
	fz_require(h.has_enc && h.enc.pad < 16 &&
		   xml_len + h.enc.pad == h.body_len && xml[xml_len] == 0,
		   "the configuration is the body less its padding");
	fz_require(tl_hash(h.enc.hash_alg, xml, xml_len, digest) ==
		   (int)h.enc.hash_len &&
		   memcmp(digest, h.enc.hash, h.enc.hash_len) == 0,
		   "the configuration matches ENCRYPTION_HASH");
	free(xml);
	return 0;
}
