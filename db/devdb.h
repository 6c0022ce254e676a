/* The device database (trustline.db, table device): one row per phone,
 * with what CAPF will need (operation, mode, LSC, MIC, status). */
#ifndef TL_DEVDB_H
#define TL_DEVDB_H

#include <stddef.h>
#include <stdint.h>

#include "secret.h"
#include "store.h"

enum tl_profile { TL_PROFILE_NONSECURE, TL_PROFILE_AUTH, TL_PROFILE_ENCRYPTED };

typedef struct tl_device {
	char name[16];		/* SEP + 12 upper-case hex digits */
	char model[32];		/* CP-8865 */
	char protocol[8];	/* SIP or SCCP */
	int profile;		/* enum tl_profile */
	char description[128];
	char template_name[64];
	/* CAPF */
	char capf_operation[12];	/* install, fetch, delete, none */
	char capf_auth_mode[12];	/* string, null, lsc, mic */
	char capf_auth_string[TL_SECRET_MAX];	/* hashed: secret.h */
	char capf_key[12];		/* rsa:2048, ec:256, ... */
	long capf_deadline;		/* Unix time, 0: none */
	int lsc_status;			/* docs/certificates.md's 1..33 */
	long lsc_status_time;
	uint8_t *lsc;			/* DER, or NULL */
	size_t lsc_len;
	uint8_t *mic;			/* DER, or NULL */
	size_t mic_len;
	long created, updated;
} tl_device;

const char *tl_profile_name(int profile);
int tl_profile_parse(const char *s);

/* "sep00112233aabb" -> "SEP00112233AABB"; refuses anything but SEP + 12 hex. */
int tl_dev_name(const char *in, char out[16], tl_err *e);

void tl_device_init(tl_device *d);
void tl_device_free(tl_device *d);
/* Sets a certificate column (copies). */
int tl_device_set_blob(uint8_t **dst, size_t *dst_len, const uint8_t *p,
		       size_t len);

/* 0 found, 1 not found, -1 error. */
int tl_dev_get(tl_store *s, const char *name, tl_device *d, tl_err *e);
/* An encrypted configuration wraps its AES key with the phone's RSA key:
 * refused, naming why, for an encrypted-profile device whose LSC, or the
 * LSC a CAPF install would give it (install_key, "ec:256", or NULL), has an
 * EC key; tftpd could not make its configuration. */
int tl_dev_check_encryption(const tl_device *d, const char *install_key, tl_err *e);
/* Inserts (create: refused when it exists) or updates (refused when it
 * does not); tl_dev_check_encryption first, with a pending install's key. */
int tl_dev_put(tl_store *s, const tl_device *d, int create, tl_err *e);
int tl_dev_remove(tl_store *s, const char *name, tl_err *e);

typedef int (*tl_dev_fn)(void *arg, const tl_device *d);
/* Calls fn for every device, by name; stops when fn returns non-zero. */
int tl_dev_each(tl_store *s, tl_dev_fn fn, void *arg, tl_err *e);
int tl_dev_count(tl_store *s);

/* A CSV file with a header row naming columns among name, model, protocol,
 * profile, description, template: all rows are added, or none (the error
 * names the line). *added is the row count. */
int tl_dev_import_csv(tl_store *s, const char *text, size_t len,
		      const char *file, int *added, tl_err *e);

#endif
