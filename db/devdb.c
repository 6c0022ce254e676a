/* The device table: a phone's row read, written, listed and imported from
 * CSV in one transaction. The record itself (names, defaults, the
 * encryption rule) is device.c's. */
#include "devdb.h"
#include "stmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COLUMNS "name, model, protocol, profile, description, template," \
	" capf_operation, capf_auth_mode, capf_auth_string, capf_key," \
	" capf_deadline, lsc_status, lsc_status_time, lsc, mic, created, updated"

/* The columns after name, as an UPDATE sets them: ?2 for model, ... */
#define SETS "model = ?2, protocol = ?3, profile = ?4, description = ?5," \
	" template = ?6, capf_operation = ?7, capf_auth_mode = ?8," \
	" capf_auth_string = ?9, capf_key = ?10, capf_deadline = ?11," \
	" lsc_status = ?12, lsc_status_time = ?13, lsc = ?14, mic = ?15," \
	" created = ?16, updated = ?17"

static void text(char *dst, size_t n, tl_stmt *st, int col)
{
	snprintf(dst, n, "%s", tl_stmt_col_text(st, col));
}

static void row(tl_stmt *st, tl_device *d)
{
	const void *p;
	size_t n;

	tl_device_init(d);
	text(d->name, sizeof(d->name), st, 0);
	text(d->model, sizeof(d->model), st, 1);
	text(d->protocol, sizeof(d->protocol), st, 2);
	d->profile = tl_profile_parse(tl_stmt_col_text(st, 3));
	text(d->description, sizeof(d->description), st, 4);
	text(d->template_name, sizeof(d->template_name), st, 5);
	text(d->capf_operation, sizeof(d->capf_operation), st, 6);
	text(d->capf_auth_mode, sizeof(d->capf_auth_mode), st, 7);
	text(d->capf_auth_string, sizeof(d->capf_auth_string), st, 8);
	text(d->capf_key, sizeof(d->capf_key), st, 9);
	d->capf_deadline = (long)tl_stmt_col_int(st, 10);
	d->lsc_status = (int)tl_stmt_col_int(st, 11);
	d->lsc_status_time = (long)tl_stmt_col_int(st, 12);
	p = tl_stmt_col_blob(st, 13, &n);
	tl_device_set_blob(&d->lsc, &d->lsc_len, p, n);
	p = tl_stmt_col_blob(st, 14, &n);
	tl_device_set_blob(&d->mic, &d->mic_len, p, n);
	d->created = (long)tl_stmt_col_int(st, 15);
	d->updated = (long)tl_stmt_col_int(st, 16);
}

static int fail_db(tl_err *e, const char *what)
{
	return tl_wrap(e, "%s", what);
}

int tl_dev_get(tl_store *s, const char *name, tl_device *d, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT " COLUMNS " FROM device"
				    " WHERE name = ?", e);
	int rc;

	if (st == NULL)
		return fail_db(e, "device lookup");
	tl_stmt_text(st, 1, name);
	rc = tl_stmt_step(st, e);
	if (rc == 1)
		row(st, d);
	tl_stmt_finalize(st);
	if (rc < 0)
		return fail_db(e, "device lookup");
	return rc == 1 ? 0 : 1;
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

static void bind_all(tl_stmt *st, const tl_device *d)
{
	tl_stmt_text(st, 1, d->name);
	tl_stmt_text(st, 2, d->model);
	tl_stmt_text(st, 3, d->protocol);
	tl_stmt_text(st, 4, tl_profile_name(d->profile));
	tl_stmt_text(st, 5, d->description);
	tl_stmt_text(st, 6, d->template_name);
	tl_stmt_text(st, 7, d->capf_operation);
	tl_stmt_text(st, 8, d->capf_auth_mode);
	tl_stmt_text(st, 9, d->capf_auth_string[0] ? d->capf_auth_string : NULL);
	tl_stmt_text(st, 10, d->capf_key);
	if (d->capf_deadline)
		tl_stmt_int(st, 11, d->capf_deadline);
	else
		tl_stmt_text(st, 11, NULL);
	tl_stmt_int(st, 12, d->lsc_status);
	if (d->lsc_status_time)
		tl_stmt_int(st, 13, d->lsc_status_time);
	else
		tl_stmt_text(st, 13, NULL);
	tl_stmt_blob(st, 14, d->lsc, d->lsc_len);
	tl_stmt_blob(st, 15, d->mic, d->mic_len);
	tl_stmt_int(st, 16, d->created ? d->created : (long)time(NULL));
	tl_stmt_int(st, 17, (long)time(NULL));
}

/* An INSERT for a new device, an UPDATE for one that is there: of two
 * nodes adding the same device at once one adds it and the other is
 * refused by the key; two changing it are applied one after the other,
 * each whole. */
static int put_row(tl_store *s, const tl_device *d, int create, tl_err *e)
{
	tl_stmt *st;
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
	st = tl_db_prepare(tl_store_db(s), create ? "INSERT INTO device (" COLUMNS
			   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
			   " ?12, ?13, ?14, ?15, ?16, ?17)" :
			   "UPDATE device SET " SETS " WHERE name = ?1", e);
	if (st == NULL)
		return fail_db(e, "device write");
	bind_all(st, d);
	rc = tl_stmt_step(st, e);
	if (rc == 0 && tl_stmt_changes(st) != 1)
		rc = tl_fail(e, "%s was removed meanwhile", d->name);
	tl_stmt_finalize(st);
	return rc < 0 ? fail_db(e, "device write") : 0;
}

int tl_dev_put(tl_store *s, const tl_device *d, int create, tl_err *e)
{
	tl_db *db = tl_store_db(s);

	if (tl_dev_check_encryption(d, strcmp(d->capf_operation, "install") ? NULL :
				    d->capf_key, e) ||
	    tl_db_begin(db, e))
		return -1;
	return tl_db_end(db, put_row(s, d, create, e) ||
			 tl_store_audit(s, create ? "device add" : "device set",
					d->name, NULL, NULL, e) ||
			 tl_store_bump(s, e) ? -1 : 0, e);
}

int tl_dev_remove(tl_store *s, const char *name, tl_err *e)
{
	tl_db *db = tl_store_db(s);
	long n;

	if (tl_db_begin(db, e))
		return -1;
	n = tl_db_run(db, NULL, e, "DELETE FROM device WHERE name = ?", "t", name);
	if (n == 0)
		tl_fail(e, "%s is not in the device database", name);
	return tl_db_end(db, n <= 0 || tl_store_audit(s, "device remove", name, NULL,
						      NULL, e) ||
			 tl_store_bump(s, e) ? -1 : 0, e);
}

int tl_dev_each(tl_store *s, tl_dev_fn fn, void *arg, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT " COLUMNS " FROM device"
				    " ORDER BY name", e);
	int rc = 0, step;

	if (st == NULL)
		return fail_db(e, "device list");
	while (rc == 0 && (step = tl_stmt_step(st, e)) == 1) {
		tl_device d;

		row(st, &d);
		rc = fn(arg, &d);
		tl_device_free(&d);
	}
	tl_stmt_finalize(st);
	return rc == 0 && step < 0 ? fail_db(e, "device list") : 0;
}

int tl_dev_count(tl_store *s)
{
	long n;

	if (tl_db_run(tl_store_db(s), &n, NULL, "SELECT count(*) FROM device", "") < 0)
		return -1;
	return (int)n;
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
	if (tl_db_begin(tl_store_db(s), e))
		return tl_wrap(e, "%s: cannot start a transaction", file);
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
	if (tl_db_end(tl_store_db(s), tl_store_audit(s, "device import", file,
						     NULL, NULL, e) ||
		       tl_store_bump(s, e) ? -1 : 0, e) == 0)
		return 0;
	*added = 0;
	return -1;
rollback:
	tl_db_end(tl_store_db(s), -1, e);
	*added = 0;
	return -1;
}
