/* The device table: a phone's row read, written, listed and imported from
 * CSV in one transaction. The record itself (names, defaults, the
 * encryption rule) is device.c's. */
#include "devdb.h"
#include "sqlitedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COLUMNS "name, model, protocol, profile, description, template," \
	" capf_operation, capf_auth_mode, capf_auth_string, capf_key," \
	" capf_deadline, lsc_status, lsc_status_time, lsc, mic, created, updated"

static void text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void row(sqlite3_stmt *st, tl_device *d)
{
	tl_device_init(d);
	text(d->name, sizeof(d->name), st, 0);
	text(d->model, sizeof(d->model), st, 1);
	text(d->protocol, sizeof(d->protocol), st, 2);
	d->profile = tl_profile_parse((const char *)sqlite3_column_text(st, 3));
	text(d->description, sizeof(d->description), st, 4);
	text(d->template_name, sizeof(d->template_name), st, 5);
	text(d->capf_operation, sizeof(d->capf_operation), st, 6);
	text(d->capf_auth_mode, sizeof(d->capf_auth_mode), st, 7);
	text(d->capf_auth_string, sizeof(d->capf_auth_string), st, 8);
	text(d->capf_key, sizeof(d->capf_key), st, 9);
	d->capf_deadline = (long)sqlite3_column_int64(st, 10);
	d->lsc_status = sqlite3_column_int(st, 11);
	d->lsc_status_time = (long)sqlite3_column_int64(st, 12);
	tl_device_set_blob(&d->lsc, &d->lsc_len, sqlite3_column_blob(st, 13),
			   (size_t)sqlite3_column_bytes(st, 13));
	tl_device_set_blob(&d->mic, &d->mic_len, sqlite3_column_blob(st, 14),
			   (size_t)sqlite3_column_bytes(st, 14));
	d->created = (long)sqlite3_column_int64(st, 15);
	d->updated = (long)sqlite3_column_int64(st, 16);
}

static int fail_db(tl_store *s, tl_err *e, const char *what)
{
	return tl_fail(e, "%s/trustline.db: %s: %s", s->dir, what,
		       tl_db_error(tl_sqlite(s)));
}

int tl_dev_get(tl_store *s, const char *name, tl_device *d, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT " COLUMNS " FROM device "
			       "WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, e, "device lookup");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row(st, d);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return fail_db(s, e, "device lookup");
}

static int validate(const tl_device *d, tl_err *e)
{
	char n[16];

	if (tl_dev_name(d->name, n, e))
		return -1;
	if (!d->model[0])
		return tl_fail(e, "%s: --model is required (e.g. CP-8865)", d->name);
	if (strcmp(d->protocol, "SIP") && strcmp(d->protocol, "SCCP"))
		return tl_fail(e, "%s: protocol \"%s\": SIP or SCCP", d->name,
			       d->protocol);
	if (d->profile < 0)
		return tl_fail(e, "%s: profile: non-secure, authenticated or encrypted",
			       d->name);
	return 0;
}

static int bind_all(sqlite3_stmt *st, const tl_device *d)
{
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, d->protocol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, tl_profile_name(d->profile), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, d->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, d->template_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, d->capf_operation, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, d->capf_auth_mode, -1, SQLITE_TRANSIENT);
	if (d->capf_auth_string[0])
		sqlite3_bind_text(st, 9, d->capf_auth_string, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, d->capf_key, -1, SQLITE_TRANSIENT);
	if (d->capf_deadline)
		sqlite3_bind_int64(st, 11, d->capf_deadline);
	sqlite3_bind_int(st, 12, d->lsc_status);
	if (d->lsc_status_time)
		sqlite3_bind_int64(st, 13, d->lsc_status_time);
	if (d->lsc)
		sqlite3_bind_blob(st, 14, d->lsc, (int)d->lsc_len, SQLITE_TRANSIENT);
	if (d->mic)
		sqlite3_bind_blob(st, 15, d->mic, (int)d->mic_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 16, d->created ? d->created : (long)time(NULL));
	sqlite3_bind_int64(st, 17, (long)time(NULL));
	return 0;
}

static int put_row(tl_store *s, const tl_device *d, int create, tl_err *e)
{
	sqlite3_stmt *st;
	tl_device cur;
	int rc = tl_dev_get(s, d->name, &cur, e);

	if (rc < 0 || validate(d, e))
		return -1;
	if (rc == 0) {
		tl_device_free(&cur);
		if (create)
			return tl_fail(e, "%s exists already: change it with `trustline "
				       "device set`", d->name);
	} else if (!create) {
		return tl_fail(e, "%s is not in the device database: add it with "
			       "`trustline device add`", d->name);
	}
	if (sqlite3_prepare_v2(tl_sqlite(s), "INSERT OR REPLACE INTO device ("
			       COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, e, "device write");
	bind_all(st, d);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, e, "device write");
	return 0;
}

int tl_dev_put(tl_store *s, const tl_device *d, int create, tl_err *e)
{
	if (tl_dev_check_encryption(d, strcmp(d->capf_operation, "install") ? NULL :
				    d->capf_key, e) ||
	    put_row(s, d, create, e) ||
	    tl_store_audit(s, create ? "device add" : "device set", d->name, NULL,
			   NULL, e))
		return -1;
	return tl_store_bump(s, e);
}

int tl_dev_remove(tl_store *s, const char *name, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), "DELETE FROM device WHERE name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, e, "device remove");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, e, "device remove");
	if (sqlite3_changes(tl_sqlite(s)) == 0)
		return tl_fail(e, "%s is not in the device database", name);
	if (tl_store_audit(s, "device remove", name, NULL, NULL, e))
		return -1;
	return tl_store_bump(s, e);
}

int tl_dev_each(tl_store *s, tl_dev_fn fn, void *arg, tl_err *e)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT " COLUMNS " FROM device "
			       "ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, e, "device list");
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		tl_device d;

		row(st, &d);
		rc = fn(arg, &d);
		tl_device_free(&d);
	}
	sqlite3_finalize(st);
	return 0;
}

int tl_dev_count(tl_store *s)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT count(*) FROM device", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- CSV (RFC 4180: quoted fields, "" inside quotes) ---- */

#define CSV_MAX_FIELDS 16

/* Reads one record from *p; returns the field count, 0 at the end, -1 on
 * an unterminated quote. Fields are NUL-terminated in place in buf. */
static int csv_record(const char **p, const char *end, char *buf, size_t cap,
		      char **fields, int *line)
{
	size_t o = 0;
	int n = 0, quoted = 0;

	if (*p >= end)
		return 0;
	fields[n++] = buf;
	while (*p < end) {
		char ch = *(*p)++;

		if (quoted) {
			if (ch == '"' && *p < end && **p == '"') {
				(*p)++;
			} else if (ch == '"') {
				quoted = 0;
				continue;
			} else if (ch == '\n') {
				(*line)++;
			}
		} else if (ch == '"') {
			quoted = 1;
			continue;
		} else if (ch == ',') {
			if (o + 1 >= cap || n == CSV_MAX_FIELDS)
				return -1;
			buf[o++] = 0;
			fields[n++] = buf + o;
			continue;
		} else if (ch == '\r') {
			continue;
		} else if (ch == '\n') {
			(*line)++;
			break;
		}
		if (o + 1 >= cap)
			return -1;
		buf[o++] = ch;
	}
	if (quoted)
		return -1;
	buf[o] = 0;
	return n;
}

static int set_field(tl_device *d, const char *col, const char *v, tl_err *e)
{
	if (!strcmp(col, "name"))
		return tl_dev_name(v, d->name, e);
	if (!strcmp(col, "model"))
		snprintf(d->model, sizeof(d->model), "%s", v);
	else if (!strcmp(col, "protocol"))
		snprintf(d->protocol, sizeof(d->protocol), "%s", *v ? v : "SIP");
	else if (!strcmp(col, "profile")) {
		if ((d->profile = tl_profile_parse(*v ? v : "non-secure")) < 0)
			return tl_fail(e, "profile \"%s\": non-secure, authenticated or "
				       "encrypted", v);
	} else if (!strcmp(col, "description"))
		snprintf(d->description, sizeof(d->description), "%s", v);
	else if (!strcmp(col, "template"))
		snprintf(d->template_name, sizeof(d->template_name), "%s",
			 *v ? v : "default");
	else
		return tl_fail(e, "unknown column \"%s\" (name, model, protocol, "
			       "profile, description, template)", col);
	return 0;
}

int tl_dev_import_csv(tl_store *s, const char *textbuf, size_t len,
		      const char *file, int *added, tl_err *e)
{
	const char *p = textbuf, *end = textbuf + len;
	char hdr[1024], buf[4096], *cols[CSV_MAX_FIELDS], *vals[CSV_MAX_FIELDS];
	int ncols, line = 1, at, n;
	char *msg = NULL;

	*added = 0;
	ncols = csv_record(&p, end, hdr, sizeof(hdr), cols, &line);
	if (ncols <= 0)
		return tl_fail(e, "%s: line 1: expected a header row (name,model,...)",
			       file);
	{
		int has_name = 0, has_model = 0;

		for (int i = 0; i < ncols; i++) {
			has_name |= !strcmp(cols[i], "name");
			has_model |= !strcmp(cols[i], "model");
		}
		if (!has_name || !has_model)
			return tl_fail(e, "%s: line 1: the header needs the columns "
				       "name and model", file);
	}
	for (int i = 0; i < ncols; i++) {
		tl_device probe;

		tl_device_init(&probe);
		if (set_field(&probe, cols[i], "", e) && strcmp(cols[i], "name"))
			return tl_wrap(e, "%s: line 1", file);
	}
	if (sqlite3_exec(tl_sqlite(s), "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
		tl_fail(e, "%s: cannot start a transaction: %s", file, msg);
		sqlite3_free(msg);
		return -1;
	}
	for (;;) {
		tl_device d;

		at = line;
		n = csv_record(&p, end, buf, sizeof(buf), vals, &line);
		if (n == 0)
			break;
		if (n < 0) {
			tl_fail(e, "%s: line %d: unterminated quote or line too long",
				file, at);
			goto rollback;
		}
		if (n == 1 && vals[0][0] == 0)
			continue;	/* blank line */
		if (n != ncols) {
			tl_fail(e, "%s: line %d: %d fields, the header has %d", file, at,
				n, ncols);
			goto rollback;
		}
		tl_device_init(&d);
		for (int i = 0; i < n; i++)
			if (set_field(&d, cols[i], vals[i], e)) {
				tl_wrap(e, "%s: line %d", file, at);
				goto rollback;
			}
		if (put_row(s, &d, 1, e)) {
			tl_wrap(e, "%s: line %d", file, at);
			goto rollback;
		}
		(*added)++;
	}
	if (tl_store_audit(s, "device import", file, NULL, NULL, e) ||
	    tl_store_bump(s, e) ||
	    sqlite3_exec(tl_sqlite(s), "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	return 0;
rollback:
	sqlite3_exec(tl_sqlite(s), "ROLLBACK", NULL, NULL, NULL);
	*added = 0;
	return -1;
}
