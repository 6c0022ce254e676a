/* A simulated phone's flash: its state directory (docs/phone-trust.md, "What a
 * phone holds"). Every file is written atomically, keys 0600, so a phone
 * killed mid-boot comes back with either its old state or its new one.
 *
 *   identity        mac=, model=
 *   CTLFile.tlv     installed CTL      ITLFile.tlv  installed ITL
 *   rollback        present: the installed ITL is a rollback ITL
 *   tvs-cache       one line per answer: sha256 roles expires
 *   config.xml      the last accepted configuration (decrypted)
 *   mic.pem mic.key lsc.pem lsc.key
 *   CAPF-LSC.crl    the LSC CRL the last boot --lsc-crl fetched, checked
 *                   against a CAPF certificate each time it is used */
#ifndef TL_FLASH_H
#define TL_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "phonetrust.h"
#include "x509.h"

typedef struct tl_flash {
	char dir[512];
	char mac[13];		/* 12 upper-case hex digits */
	char model[32];
	tl_phone phone;		/* lists, rollback flag, TVS cache */
	uint8_t *config;	/* last accepted configuration, or NULL */
	size_t config_len;
	tl_cert *mic, *lsc;	/* NULL when absent */
	tl_key *mic_key, *lsc_key;
	uint8_t *lsc_crl;	/* CAPF-LSC.crl as fetched, or NULL */
	size_t lsc_crl_len;
} tl_flash;

/* "00:11:22:aa:bb:cc", "001122AABBCC", "SEP001122AABBCC" -> "001122AABBCC". */
int tl_flash_mac(const char *in, char out[13], tl_err *e);

/* Loads the state in dir. mac and model, when given, must match the
 * identity recorded there (a new directory takes them); without them the
 * directory must already hold an identity. */
int tl_flash_load(tl_flash *f, const char *dir, const char *mac,
		  const char *model, tl_err *e);
/* A flash with no directory, empty: the saves below only update it (the
 * fleet's --memory keeps its phones' state itself between boots). */
void tl_flash_mem(tl_flash *f, const char *mac, const char *model);
void tl_flash_free(tl_flash *f);

/* Writes the identity, the installed lists (or removes them), the rollback
 * flag and the TVS cache. */
int tl_flash_save_trust(tl_flash *f, tl_err *e);
int tl_flash_save_config(tl_flash *f, const uint8_t *xml, size_t len, tl_err *e);
int tl_flash_save_lsc_crl(tl_flash *f, const uint8_t *crl, size_t len, tl_err *e);
/* Writes a certificate and its key ("mic" or "lsc"); the flash keeps
 * references to neither. */
int tl_flash_save_cert(tl_flash *f, const char *which, const tl_cert *c,
		       const tl_key *k, tl_err *e);
int tl_flash_remove_cert(tl_flash *f, const char *which, tl_err *e);

#endif
