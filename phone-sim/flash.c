#include "flash.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "lsccrl.h"

int tl_flash_mac(const char *in, char out[13], tl_err *e)
{
	size_t n = 0;
	const char *s = in;

	if (!strncasecmp(s, "SEP", 3))
		s += 3;
	for (; *s; s++) {
		if (*s == ':' || *s == '-' || *s == '.')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 12)
			return tl_fail(e, "%s is not a MAC address (12 hex digits)", in);
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = 0;
	return n == 12 ? 0 : tl_fail(e, "%s is not a MAC address (12 hex digits)", in);
}

static void path_of(const tl_flash *f, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", f->dir, name);
}

/* 1 when the file is there and read, 0 when absent, -1 on error. */
static int read_opt(const tl_flash *f, const char *name, uint8_t **buf, size_t *len,
		    tl_err *e)
{
	char path[600];

	path_of(f, name, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return 0;
	return tl_read_file(path, TL_FILE_MAX, buf, len, e) ? -1 : 1;
}

static int load_list(tl_flash *f, const char *name, tl_tlist *l, int *has, tl_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc = read_opt(f, name, &buf, &len, e);

	if (rc <= 0)
		return rc;
	rc = tl_tlist_parse(l, buf, len, name, e);
	free(buf);
	if (rc)
		return tl_wrap(e, "%s", f->dir);
	*has = 1;
	return 0;
}

static int load_cert(tl_flash *f, const char *which, tl_cert **c, tl_key **k,
		     tl_err *e)
{
	char path[600], name[16];

	snprintf(name, sizeof(name), "%s.pem", which);
	path_of(f, name, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return 0;
	if (tl_cert_load(path, c, e))
		return -1;
	snprintf(name, sizeof(name), "%s.key", which);
	path_of(f, name, path, sizeof(path));
	if (tl_key_load(path, k, e) || tl_key_matches(*k, *c, e))
		return tl_wrap(e, "%s", path);
	return 0;
}

/* tvs-cache: "<sha256 hex> <role,role> <expires>" per line; a line that
 * does not parse is dropped (the cache is only a cache). */
static void load_cache(tl_flash *f)
{
	uint8_t *buf;
	size_t len;
	tl_err e;
	char *line, *save = NULL;

	if (read_opt(f, "tvs-cache", &buf, &len, &e) <= 0)
		return;
	for (line = strtok_r((char *)buf, "\n", &save); line &&
	     f->phone.ncache < TL_PHONE_TVS_CACHE; line = strtok_r(NULL, "\n", &save)) {
		tl_tvs_cached *c = &f->phone.cache[f->phone.ncache];
		char hex[65], roles[128], *r, *rs = NULL;
		long long expires;
		unsigned v;

		if (sscanf(line, "%64s %127s %lld", hex, roles, &expires) != 3 ||
		    strlen(hex) != 64)
			continue;
		for (int i = 0; i < 32; i++) {
			sscanf(hex + 2 * i, "%2x", &v);
			c->sha256[i] = (uint8_t)v;
		}
		c->nroles = 0;
		for (r = strtok_r(roles, ",", &rs); r && c->nroles < TL_TVS_MAX_ROLES;
		     r = strtok_r(NULL, ",", &rs))
			c->roles[c->nroles++] = (uint8_t)atoi(r);
		c->expires = (time_t)expires;
		f->phone.ncache++;
	}
	free(buf);
}

static int load_identity(tl_flash *f, const char *mac, const char *model, tl_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc = read_opt(f, "identity", &buf, &len, e);

	if (rc < 0)
		return -1;
	if (rc == 1) {
		char m[13] = "", mo[32] = "";
		const char *s = strstr((char *)buf, "mac=");
		const char *t = strstr((char *)buf, "model=");

		if (s)
			sscanf(s, "mac=%12s", m);
		if (t)
			sscanf(t, "model=%31s", mo);
		free(buf);
		if (!mo[0] || tl_flash_mac(m, f->mac, e))
			return tl_fail(e, "%s/identity: no valid mac= and model= lines",
				       f->dir);
		if (mac && strcmp(mac, m))
			return tl_fail(e, "%s belongs to the phone SEP%s, not SEP%s",
				       f->dir, m, mac);
		if (model && strcmp(model, mo))
			return tl_fail(e, "%s belongs to a %s, not a %s", f->dir, mo, model);
		snprintf(f->model, sizeof(f->model), "%s", mo);
		return 0;
	}
	if (!mac)
		return tl_fail(e, "%s holds no phone (no identity file): give --mac",
			       f->dir);
	snprintf(f->mac, sizeof(f->mac), "%s", mac);
	snprintf(f->model, sizeof(f->model), "%s", model ? model : "CP-8865");
	return 0;
}

int tl_flash_load(tl_flash *f, const char *dir, const char *mac,
		  const char *model, tl_err *e)
{
	char name[16];
	uint8_t *flag = NULL;
	size_t flag_len;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return tl_fail(e, "%s: %s", dir, strerror(errno));
	if (load_identity(f, mac, model, e))
		return -1;
	snprintf(name, sizeof(name), "SEP%s", f->mac);
	tl_phone_init(&f->phone, name, f->model);
	rc = load_list(f, "CTLFile.tlv", &f->phone.ctl, &f->phone.has_ctl, e);
	rc = rc ? rc : load_list(f, "ITLFile.tlv", &f->phone.itl, &f->phone.has_itl, e);
	rc = rc ? rc : load_cert(f, "mic", &f->mic, &f->mic_key, e);
	rc = rc ? rc : load_cert(f, "lsc", &f->lsc, &f->lsc_key, e);
	if (!rc && read_opt(f, "config.xml", &f->config, &f->config_len, e) < 0)
		rc = -1;
	if (!rc && read_opt(f, TL_LSCCRL_FILE, &f->lsc_crl, &f->lsc_crl_len, e) < 0)
		rc = -1;
	if (rc) {
		tl_flash_free(f);
		return -1;
	}
	f->phone.rollback = f->phone.has_itl && read_opt(f, "rollback", &flag, &flag_len,
							  e) == 1;
	free(flag);
	load_cache(f);
	return 0;
}

void tl_flash_mem(tl_flash *f, const char *mac, const char *model)
{
	char name[16];

	memset(f, 0, sizeof(*f));
	snprintf(f->mac, sizeof(f->mac), "%s", mac);
	snprintf(f->model, sizeof(f->model), "%s", model);
	snprintf(name, sizeof(name), "SEP%s", f->mac);
	tl_phone_init(&f->phone, name, f->model);
}

void tl_flash_free(tl_flash *f)
{
	tl_phone_free(&f->phone);
	free(f->config);
	free(f->lsc_crl);
	tl_cert_free(f->mic);
	tl_cert_free(f->lsc);
	tl_key_free(f->mic_key);
	tl_key_free(f->lsc_key);
	f->config = f->lsc_crl = NULL;
	f->mic = f->lsc = NULL;
	f->mic_key = f->lsc_key = NULL;
}

static int put(const tl_flash *f, const char *name, const void *p, size_t n,
	       int mode, tl_err *e)
{
	char path[600];

	if (!f->dir[0])
		return 0;
	path_of(f, name, path, sizeof(path));
	return tl_write_file(path, p, n, mode, e);
}

static int drop(const tl_flash *f, const char *name, tl_err *e)
{
	char path[600];

	if (!f->dir[0])
		return 0;
	path_of(f, name, path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		return tl_fail(e, "%s: %s", path, strerror(errno));
	return 0;
}

static int save_list(const tl_flash *f, const char *name, const tl_tlist *l,
		     int has, tl_err *e)
{
	return has ? put(f, name, l->buf, l->len, 0644, e) : drop(f, name, e);
}

int tl_flash_save_trust(tl_flash *f, tl_err *e)
{
	char id[80], line[200];
	tl_buf cache;
	time_t now = time(NULL);
	int rc;

	snprintf(id, sizeof(id), "mac=%s\nmodel=%s\n", f->mac, f->model);
	if (put(f, "identity", id, strlen(id), 0644, e) ||
	    save_list(f, "CTLFile.tlv", &f->phone.ctl, f->phone.has_ctl, e) ||
	    save_list(f, "ITLFile.tlv", &f->phone.itl, f->phone.has_itl, e) ||
	    (f->phone.rollback ? put(f, "rollback", "1\n", 2, 0644, e) :
	     drop(f, "rollback", e)))
		return -1;
	tl_buf_init(&cache);
	for (size_t i = 0; i < f->phone.ncache; i++) {
		const tl_tvs_cached *c = &f->phone.cache[i];
		size_t o = 0;

		if (c->expires <= now)
			continue;	/* an expired answer is worth nothing */
		for (int j = 0; j < 32; j++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%02x", c->sha256[j]);
		for (size_t j = 0; j < c->nroles; j++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%c%u",
					      j ? ',' : ' ', c->roles[j]);
		if (c->nroles == 0)
			o += (size_t)snprintf(line + o, sizeof(line) - o, " -");
		snprintf(line + o, sizeof(line) - o, " %lld\n", (long long)c->expires);
		tl_buf_add(&cache, line, strlen(line));
	}
	rc = tl_buf_ok(&cache, e) ? -1 : put(f, "tvs-cache", cache.p ? (void *)cache.p :
					     (void *)"", cache.len, 0644, e);
	tl_buf_free(&cache);
	return rc;
}

/* A file kept whole, in the flash and in memory (*field, NUL-terminated). */
static int save_blob(tl_flash *f, const char *name, const uint8_t *data, size_t len,
		     uint8_t **field, size_t *field_len, tl_err *e)
{
	uint8_t *copy = malloc(len + 1);

	if (copy == NULL)
		return tl_fail(e, "out of memory");
	if (put(f, name, data, len, 0644, e)) {
		free(copy);
		return -1;
	}
	memcpy(copy, data, len);
	copy[len] = 0;
	free(*field);
	*field = copy;
	*field_len = len;
	return 0;
}

int tl_flash_save_config(tl_flash *f, const uint8_t *xml, size_t len, tl_err *e)
{
	return save_blob(f, "config.xml", xml, len, &f->config, &f->config_len, e);
}

int tl_flash_save_lsc_crl(tl_flash *f, const uint8_t *crl, size_t len, tl_err *e)
{
	return save_blob(f, TL_LSCCRL_FILE, crl, len, &f->lsc_crl, &f->lsc_crl_len, e);
}

int tl_flash_save_cert(tl_flash *f, const char *which, const tl_cert *c,
		       const tl_key *k, tl_err *e)
{
	char name[16], *pem = NULL, *kpem = NULL;
	int rc = -1;

	if (tl_cert_to_pem(c, &pem, e) || tl_key_to_pem(k, &kpem, e))
		goto out;
	/* the key first: a certificate without its key would be a phone
	 * that cannot prove who it is */
	snprintf(name, sizeof(name), "%s.key", which);
	if (put(f, name, kpem, strlen(kpem), 0600, e))
		goto out;
	snprintf(name, sizeof(name), "%s.pem", which);
	rc = put(f, name, pem, strlen(pem), 0644, e);
out:
	free(pem);
	if (kpem) {
		explicit_bzero(kpem, strlen(kpem));
		free(kpem);
	}
	return rc;
}

int tl_flash_remove_cert(tl_flash *f, const char *which, tl_err *e)
{
	char name[16];

	snprintf(name, sizeof(name), "%s.pem", which);
	if (drop(f, name, e))
		return -1;
	snprintf(name, sizeof(name), "%s.key", which);
	return drop(f, name, e);
}
