/* trustline device trust-state: what each phone most likely holds, from
 * what tftpd served it in transfers it completed and what tvsd answered
 * it (db/truststate.h), with that evidence. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devcmd.h"
#include "truststate.h"

struct ctx {
	tl_store *s;
	int json;
	json_t *all;		/* --json: the array being filled */
};

static void iso(time_t t, char *out, size_t n)
{
	struct tm tm;

	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* Which of the phone's certificates an MD5 certHash names: "lsc", "mic"
 * or NULL (none that the device database holds). */
static const char *cert_named(tl_store *s, const char *device, const char *md5)
{
	const char *which = NULL;
	uint8_t h[TL_HASH_MAX];
	tl_device d;
	tl_err e;
	char *hex;

	if (!md5[0] || tl_dev_get(s, device, &d, &e) != 0)
		return NULL;
	for (int i = 0; i < 2 && which == NULL; i++) {
		const uint8_t *der = i ? d.mic : d.lsc;
		size_t len = i ? d.mic_len : d.lsc_len;

		if (der == NULL || tl_hash(TL_HASH_MD5, der, len, h) <= 0 ||
		    (hex = tl_hex(h, 16, 0)) == NULL)
			continue;
		if (!strcmp(hex, md5))
			which = i ? "mic" : "lsc";
		free(hex);
	}
	tl_device_free(&d);
	return which;
}

static json_t *file_json(const tl_ts_file *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", json_string(f->file));
	json_object_set_new(o, "sha256", tl_json_opt(f->sha256));
	json_object_set_new(o, "mode", tl_json_opt(f->mode));
	json_object_set_new(o, "signer", tl_json_opt(f->signer));
	json_object_set_new(o, "signer_serial", tl_json_opt(f->serial));
	json_object_set_new(o, "cert_md5", tl_json_opt(f->cert_md5));
	json_object_set_new(o, "since", tl_json_time(f->since));
	json_object_set_new(o, "time", tl_json_time(f->time));
	json_object_set_new(o, "address", tl_json_opt(f->address));
	json_object_set_new(o, "via", tl_json_opt(f->via));
	return o;
}

static void file_text(const char *what, const tl_ts_file *f)
{
	char since[32], when[32];

	iso(f->since, since, sizeof(since));
	iso(f->time, when, sizeof(when));
	printf("  %-17s %s since %s\n", what, f->sha256, since);
	printf("  %-17s %s%s%s%s%s\n", "", f->mode, f->signer[0] ? ", signer " : "",
	       f->signer, f->serial[0] ? " serial " : "", f->serial);
	printf("  %-17s last completed %s %s from %s at %s\n", "", f->file, f->via,
	       f->address, when);
}

static int tvs_json(void *arg, const tl_ts_tvs *q)
{
	json_t *o = json_object();

	json_object_set_new(o, "time", tl_json_time(q->time));
	json_object_set_new(o, "address", tl_json_opt(q->address));
	json_object_set_new(o, "command", json_string(q->command));
	json_object_set_new(o, "sha256", tl_json_opt(q->sha256));
	json_object_set_new(o, "verdict", json_string(q->verdict));
	json_array_append_new(arg, o);
	return 0;
}

static int tvs_text(void *arg, const tl_ts_tvs *q)
{
	char when[32];
	int *n = arg;

	iso(q->time, when, sizeof(when));
	printf("  %-17s %s %s %s: %s (from %s)\n", (*n)++ ? "" : "tvs answers", when,
	       q->command, q->sha256[0] ? q->sha256 : "(certificate unknown)", q->verdict,
	       q->address);
	return 0;
}

static int one(void *arg, const tl_truststate *st)
{
	static const char *const label[TL_TS_NKINDS] = {
		"itl", "ctl", "config", "encrypted config"
	};
	struct ctx *c = arg;
	const char *md5 = st->f[TL_TS_CONFIG].cert_md5;
	const char *cert = cert_named(c->s, st->device, md5);
	tl_err e;
	int n = 0;

	if (c->json) {
		json_t *o = json_object(), *tvs = json_array();

		json_object_set_new(o, "name", json_string(st->device));
		for (int k = 0; k < TL_TS_NKINDS; k++)
			json_object_set_new(o, tl_ts_kind_name((enum tl_ts_kind)k),
					    st->has[k] ? file_json(&st->f[k]) : json_null());
		json_object_set_new(o, "config_mode", tl_json_opt(st->config_mode));
		json_object_set_new(o, "encrypted_to", tl_json_opt(cert));
		tl_truststate_tvs_each(c->s, st->device, tvs_json, tvs, &e);
		json_object_set_new(o, "tvs", tvs);
		json_array_append_new(c->all, o);
		return 0;
	}
	printf("%s\n", st->device);
	for (int k = 0; k < TL_TS_NKINDS; k++) {
		if (st->has[k])
			file_text(label[k], &st->f[k]);
		else if (k != TL_TS_ENC)
			printf("  %-17s none recorded\n", label[k]);
	}
	printf("  %-17s %s", "runs", st->config_mode[0] ? st->config_mode :
	       "no configuration recorded");
	if (md5[0])
		printf(", encrypted to certHash %s (%s)", md5,
		       cert ? (!strcmp(cert, "lsc") ? "its LSC" : "its MIC") :
		       "no certificate the device database holds");
	putchar('\n');
	tl_truststate_tvs_each(c->s, st->device, tvs_text, &n, &e);
	if (n == 0)
		printf("  %-17s none recorded\n", "tvs answers");
	return 0;
}

int cli_device_trust_state(const char *cmd, void (*help)(FILE *), int argc,
			   char **argv)
{
	struct ctx c = { NULL, 0, NULL };
	const char *dir = NULL;
	tl_store s;
	tl_err e;
	int rc = 0;

	optind = 1;
	if ((rc = cli_device_options(cmd, help, argc, argv, &dir, &c.json)) >= 0)
		return rc;
	rc = 0;
	for (int i = optind; i < argc; i++) {
		char name[16];

		if (tl_dev_name(argv[i], name, &e))
			return cli_fail(EXIT_USAGE, &e);
	}
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	c.s = &s;
	c.all = c.json ? json_array() : NULL;
	if (optind == argc) {
		if (tl_truststate_each(&s, one, &c, &e))
			rc = cli_fail(EXIT_USAGE, &e);
	}
	for (int i = optind; i < argc && rc == 0; i++) {
		tl_truststate st;
		char name[16];
		int got;

		tl_dev_name(argv[i], name, &e);
		if ((got = tl_truststate_get(&s, name, &st, &e)) < 0)
			rc = cli_fail(EXIT_USAGE, &e);
		else
			one(&c, &st);
	}
	if (c.json && rc == 0)
		tl_json_print(json_incref(c.all));
	json_decref(c.all);
	tl_store_close(&s);
	return rc;
}
