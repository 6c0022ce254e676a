/* The pages that are not certificates or devices: login and logout, the
 * start page, the ITL/CTL viewer, the Certificate Monitor's alarms and the
 * audit log. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "alarm.h"
#include "html.h"
#include "listkind.h"
#include "log.h"
#include "show.h"
#include "trustlist.h"
#include "web.h"

static void login_form(tl_wctx *c, const char *msg)
{
	web_begin(c, "Cisco Unified OS Administration - trustline");
	if (msg)
		h_fmt(&c->body, "<p class=\"err\" id=\"error\">%s</p>", msg);
	h_raw(&c->body, "<form method=\"post\" action=\"/login\"><table class=\"fields\">"
	      "<tr><th>Username</th><td><input name=\"user\" id=\"user\" autofocus></td></tr>"
	      "<tr><th>Password</th><td><input type=\"password\" name=\"password\" "
	      "id=\"password\"></td></tr></table>"
	      "<button id=\"login\">Login</button></form>");
	web_end(c);
}

void page_login(tl_wctx *c)
{
	char user[64], pw[256], msg[160];
	time_t until;
	tl_session *s;
	tl_err e;
	int rc;

	if (!web_is_post(c)) {
		if (c->api)
			return web_error(c, 405, "POST user and password to /api/login");
		return login_form(c, NULL);
	}
	if (tl_hreq_field(c->req, "user", user, sizeof(user)) != 1 ||
	    tl_hreq_field(c->req, "password", pw, sizeof(pw)) != 1)
		user[0] = pw[0] = 0;
	rc = tl_account_login(c->w->s, user, pw, time(NULL), &until, &e);
	memset(pw, 0, sizeof(pw));
	tl_log(LOG_NOTICE, "event=login user=%s peer=%s result=%s", user, c->peer,
	       rc == TL_LOGIN_OK ? "ok" : rc == TL_LOGIN_LOCKED ? "locked" :
	       rc == TL_LOGIN_WRONG ? "wrong" : "error");
	if (rc < 0) {
		c->status = 500;
		return c->api ? web_error(c, 500, e.msg) : login_form(c, e.msg);
	}
	if (rc == TL_LOGIN_LOCKED || (rc == TL_LOGIN_WRONG && until)) {
		char when[32];
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&until, &tm));
		snprintf(msg, sizeof(msg), "This account is locked after %d wrong "
			 "passwords until %s; an administrator can unlock it with "
			 "`trustline admin passwd`", TL_ACCOUNT_MAX_FAILURES, when);
		c->status = 429;
		return c->api ? web_error(c, 429, msg) : login_form(c, msg);
	}
	if (rc == TL_LOGIN_WRONG) {
		c->status = 401;
		return c->api ? web_error(c, 401, "wrong user name or password") :
		       login_form(c, "Wrong user name or password.");
	}
	if ((s = tl_sess_new(&c->w->sessions, user, tl_now_ms(), &e)) == NULL)
		return web_error(c, 500, e.msg);
	snprintf(c->cookie, sizeof(c->cookie), "tlweb=%s; Path=/; HttpOnly; Secure; "
		 "SameSite=Strict", s->id);
	if (c->api) {
		json_t *o = json_object();

		json_object_set_new(o, "user", json_string(s->user));
		json_object_set_new(o, "csrf", json_string(s->csrf));
		return web_json(c, o);
	}
	web_redirect(c, "/certificates");
}

void page_logout(tl_wctx *c)
{
	if (!web_is_post(c))
		return web_error(c, 405, "log out with the Logout button (a POST)");
	tl_sess_end(c->session);
	c->session = NULL;
	snprintf(c->cookie, sizeof(c->cookie), "tlweb=; Path=/; Max-Age=0; HttpOnly; "
		 "Secure; SameSite=Strict");
	web_redirect(c, "/login");
}

void page_home(tl_wctx *c)
{
	if (c->api) {
		json_t *o = json_object();

		json_object_set_new(o, "user", json_string(c->session->user));
		json_object_set_new(o, "csrf", json_string(c->session->csrf));
		json_object_set_new(o, "generation",
				    json_integer(tl_store_generation(c->w->s)));
		return web_json(c, o);
	}
	web_redirect(c, "/certificates");
}

/* Cisco's `show itl` / `show ctl` of the file the data directory serves,
 * through lib/show.c, the same text as `trustline itl show`. */
void page_tlist(tl_wctx *c)
{
	char kind[8], path[1200], *text;
	const tl_listkind *k;
	size_t len, signer = 0;
	struct stat st;
	tl_tlist l;
	tl_err e, ve;
	FILE *f;
	int rc;

	web_arg(c, "kind", kind, sizeof(kind));
	k = strcmp(kind, "ctl") == 0 ? &tl_ctl_kind : &tl_itl_kind;
	tl_store_path(c->w->s, path, sizeof(path), "tftpboot/%s", k->filename);
	if (stat(path, &st) != 0) {
		snprintf(e.msg, sizeof(e.msg), "no %s is served: %s", k->name,
			 k == &tl_itl_kind ? "`trustline itl rebuild` writes it" :
			 "the cluster is not in mixed mode");
		return web_error(c, 404, e.msg);
	}
	if (tl_tlist_load(&l, path, &e))
		return web_error(c, 500, e.msg);
	rc = tl_tlist_verify(&l, NULL, &signer, &ve);
	if (c->api) {
		json_t *v = tl_tlist_json(&l, k->name, rc == 0 ? (long)signer : -1, &ve);

		tl_tlist_free(&l);
		return v ? web_json(c, v) : web_error(c, 500, "out of memory");
	}
	if ((f = web_report(&text, &len)) == NULL) {
		tl_tlist_free(&l);
		return web_error(c, 500, "out of memory");
	}
	tl_tlist_show(f, &l, k->name, st.st_mtime, rc == 0 ? (long)signer : -1, &ve);
	fclose(f);
	tl_tlist_free(&l);
	web_begin(c, k == &tl_itl_kind ? "Identity Trust List (ITL)" :
		  "Certificate Trust List (CTL)");
	h_raw(&c->body, "<p><a href=\"/trustlist?kind=itl\">ITL</a> | "
	      "<a href=\"/trustlist?kind=ctl\">CTL</a></p>");
	h_fmt(&c->body, "<pre id=\"tlist\">%s</pre>", text ? text : "");
	free(text);
	web_end(c);
}

static int alarm_row(void *arg, const tl_alarm *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "object", json_string(a->object));
	json_object_set_new(o, "severity", json_string(a->severity));
	json_object_set_new(o, "detail", json_string(a->detail));
	json_object_set_new(o, "raised", tl_json_time(a->raised));
	json_array_append_new(arg, o);
	return 0;
}

void page_alarms(tl_wctx *c)
{
	static const h_col cols[] = {
		{ "severity", "Severity", 0, 0 }, { "name", "Alarm", 0, 0 },
		{ "object", "Certificate", 0, 0 }, { "detail", "Detail", 0, 0 },
		{ "raised", "Raised", 0, 0 },
	};
	json_t *arr = json_array();
	tl_err e;

	if (tl_alarm_each(c->w->s, NULL, alarm_row, arr, &e)) {
		json_decref(arr);
		return web_error(c, 500, e.msg);
	}
	if (c->api)
		return web_json(c, arr);
	web_begin(c, "Certificate Monitor");
	h_raw(&c->body, "<p>Alarms raised now (expiry is checked by "
	      "<code>trustline cert monitor</code>, revocation by "
	      "<code>trustline cert revocation check</code>).</p><div id=\"alarms\">");
	h_table(&c->body, arr, cols, sizeof(cols) / sizeof(cols[0]));
	h_raw(&c->body, "</div>");
	json_decref(arr);
	web_end(c);
}

static void audit_row(void *arg, long ts, const char *user, const char *action,
		      const char *object, const char *old_sha256, const char *new_sha256)
{
	json_t *o = json_object();

	json_object_set_new(o, "time", tl_json_time((time_t)ts));
	json_object_set_new(o, "user", json_string(user));
	json_object_set_new(o, "action", json_string(action));
	json_object_set_new(o, "object", json_string(object));
	json_object_set_new(o, "old_sha256", old_sha256 ? json_string(old_sha256) :
			    json_null());
	json_object_set_new(o, "new_sha256", new_sha256 ? json_string(new_sha256) :
			    json_null());
	json_array_insert_new(arg, 0, o);	/* newest first */
}

void page_audit(tl_wctx *c)
{
	static const h_col cols[] = {
		{ "time", "Time", 0, 0 }, { "user", "User", 0, 0 },
		{ "action", "Action", 0, 0 }, { "object", "Object", 0, 0 },
		{ "old_sha256", "Old SHA-256", 0, 0 }, { "new_sha256", "New SHA-256", 0, 0 },
	};
	json_t *arr = json_array();
	tl_err e;

	if (tl_store_audit_each(c->w->s, audit_row, arr, &e)) {
		json_decref(arr);
		return web_error(c, 500, e.msg);
	}
	if (c->api)
		return web_json(c, arr);
	web_begin(c, "Audit Log");
	h_raw(&c->body, "<div id=\"audit\">");
	h_table(&c->body, arr, cols, sizeof(cols) / sizeof(cols[0]));
	h_raw(&c->body, "</div>");
	json_decref(arr);
	web_end(c);
}
