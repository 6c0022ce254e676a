/* Devices: the list, a phone's page (its row, which it edits, its CAPF
 * operation and status history), adding one and scheduling CAPF. The rows
 * are db/'s (devdb.h, capfdb.h), the same calls `trustline device` makes. */
#include <stdlib.h>
#include <string.h>

#include "capfdb.h"
#include "devdb.h"
#include "devjson.h"
#include "html.h"
#include "web.h"

static int list_one(void *arg, const tl_device *d)
{
	json_array_append_new(arg, tl_device_json(d));
	return 0;
}

static void device_form(tl_wctx *c, const tl_device *d, int create)
{
	static const char *const profiles[] = { "non-secure", "authenticated", "encrypted" };

	h_fmt(&c->body, "<form method=\"post\" action=\"/device\"><table class=\"fields\">"
	      "<tr><th>Device Name</th><td><input name=\"name\" id=\"devname\" "
	      "value=\"%s\"%s></td></tr>"
	      "<tr><th>Phone Type</th><td><input name=\"model\" id=\"model\" value=\"%s\">"
	      "</td></tr><tr><th>Protocol</th><td><select name=\"protocol\" id=\"protocol\">"
	      "<option%s>SIP</option><option%s>SCCP</option></select></td></tr>"
	      "<tr><th>Device Security Profile</th><td><select name=\"profile\" "
	      "id=\"profile\">", d->name, create ? "" : " readonly", d->model,
	      strcmp(d->protocol, "SCCP") ? " selected" : "",
	      strcmp(d->protocol, "SCCP") ? "" : " selected");
	for (int i = 0; i < 3; i++)
		h_fmt(&c->body, "<option%s>%s</option>", d->profile == i ? " selected" : "",
		      profiles[i]);
	h_fmt(&c->body, "</select></td></tr><tr><th>Description</th><td><input "
	      "name=\"description\" id=\"description\" value=\"%s\"></td></tr>"
	      "<tr><th>Template</th><td><input name=\"template\" id=\"template\" "
	      "value=\"%s\"></td></tr></table><input type=\"hidden\" name=\"create\" "
	      "value=\"%s\">", d->description, d->template_name, create ? "yes" : "no");
	web_csrf(c);
	h_fmt(&c->body, "<button id=\"save\">%s</button></form>", create ? "Add" : "Save");
}

void page_devices(tl_wctx *c)
{
	static const h_col cols[] = {
		{ "name", "Device Name", "/device?name=", "name" },
		{ "model", "Phone Type", 0, 0 }, { "protocol", "Protocol", 0, 0 },
		{ "profile", "Security Profile", 0, 0 },
		{ "description", "Description", 0, 0 },
		{ "capf_operation", "CAPF Operation", 0, 0 },
		{ "lsc_status_text", "Certificate Operation Status", 0, 0 },
	};
	json_t *arr = json_array();
	tl_device d;
	tl_err e;

	if (tl_dev_each(c->w->s, list_one, arr, &e)) {
		json_decref(arr);
		return web_error(c, 500, e.msg);
	}
	if (c->api)
		return web_json(c, arr);
	web_begin(c, "Find and List Phones");
	h_table(&c->body, arr, cols, sizeof(cols) / sizeof(cols[0]));
	json_decref(arr);
	h_raw(&c->body, "<h2>Add a New Phone</h2>");
	tl_device_init(&d);
	snprintf(d.protocol, sizeof(d.protocol), "SIP");
	device_form(c, &d, 1);
	tl_device_free(&d);
	web_end(c);
}

/* GET: the phone's page; POST: add (create=yes) or save its row. */
void page_device(tl_wctx *c)
{
	static const h_col cols[] = {
		{ "capf_operation", "Certificate Operation", 0, 0 },
		{ "capf_auth_mode", "Authentication Mode", 0, 0 },
		{ "capf_key", "Key", 0, 0 }, { "capf_deadline", "Operation Completes By", 0, 0 },
		{ "lsc_status_text", "Certificate Operation Status", 0, 0 },
		{ "lsc_status_time", "Status Time", 0, 0 }, { "lsc", "LSC", 0, 0 },
		{ "mic", "MIC", 0, 0 },
	};
	static const h_col hist[] = {
		{ "time", "Time", 0, 0 }, { "status", "Code", 0, 0 },
		{ "status_text", "Status", 0, 0 }, { "detail", "Detail", 0, 0 },
	};
	char arg[32], name[16], v[128], create[8];
	json_t *o, *events;
	tl_device d;
	tl_err e;
	int rc;

	web_arg(c, "name", arg, sizeof(arg));
	if (tl_dev_name(arg, name, &e))
		return web_error(c, 400, e.msg);
	tl_device_init(&d);
	web_arg(c, "create", create, sizeof(create));
	rc = tl_dev_get(c->w->s, name, &d, &e);
	if (rc < 0 || (rc == 1 && !(web_is_post(c) && !strcmp(create, "yes")))) {
		tl_device_free(&d);
		return web_error(c, rc < 0 ? 500 : 404, rc < 0 ? e.msg :
				 "no such phone in the device database: add it on the "
				 "Devices page");
	}
	if (web_is_post(c)) {
		int add = strcmp(create, "yes") == 0;
		char msg[200];

		if (add && rc == 0) {
			tl_device_free(&d);
			return web_error(c, 409, "that phone is in the device database: "
					 "edit it on its page");
		}
		memcpy(d.name, name, sizeof(name));
		web_arg(c, "model", d.model, sizeof(d.model));
		web_arg(c, "protocol", d.protocol, sizeof(d.protocol));
		web_arg(c, "description", d.description, sizeof(d.description));
		web_arg(c, "template", d.template_name, sizeof(d.template_name));
		web_arg(c, "profile", v, sizeof(v));
		if ((d.profile = tl_profile_parse(v)) < 0) {
			tl_device_free(&d);
			return web_error(c, 400, "the profile is non-secure, authenticated "
					 "or encrypted");
		}
		rc = tl_dev_put(c->w->s, &d, add, &e);
		snprintf(msg, sizeof(msg), "%s %s: %s, %s, %s", add ? "added" : "changed",
			 d.name, d.model, d.protocol, tl_profile_name(d.profile));
		tl_device_free(&d);
		if (rc)
			return web_outcome(c, "Phone Configuration", 0, NULL, e.msg, NULL,
					   "/devices");
		if (c->api)
			return web_outcome(c, "Phone Configuration", 1, msg, NULL, NULL,
					   "/devices");
		return web_redirect(c, "/device?name=%s", name);
	}
	o = tl_device_json(&d);
	events = json_array();
	tl_capf_events(c->w->s, name, 50, tl_capf_event_json, events, &e);
	json_object_set_new(o, "capf_history", events);
	if (c->api) {
		tl_device_free(&d);
		return web_json(c, o);
	}
	web_begin(c, "Phone Configuration");
	h_fmt(&c->body, "<h2 id=\"devtitle\">%s</h2>", d.name);
	device_form(c, &d, 0);
	h_raw(&c->body, "<h2>Certification Authority Proxy Function (CAPF) Information</h2>"
	      "<div id=\"capf\">");
	h_fields(&c->body, o, cols, sizeof(cols) / sizeof(cols[0]));
	h_raw(&c->body, "</div>");
	h_fmt(&c->body, "<form method=\"post\" action=\"/device/capf\">"
	      "<input type=\"hidden\" name=\"name\" value=\"%s\"><table class=\"fields\">"
	      "<tr><th>Certificate Operation</th><td><select name=\"operation\" "
	      "id=\"operation\"><option>none</option><option>install</option>"
	      "<option>fetch</option><option>delete</option></select></td></tr>"
	      "<tr><th>Authentication Mode</th><td><select name=\"auth_mode\" "
	      "id=\"auth_mode\"><option value=\"null\">By Null String</option>"
	      "<option value=\"string\">By Authentication String</option>"
	      "<option value=\"lsc\">By Existing Certificate (precedence to LSC)</option>"
	      "<option value=\"mic\">By Existing Certificate (MIC only)</option></select>"
	      "</td></tr><tr><th>Authentication String</th><td><input name=\"auth_string\" "
	      "id=\"auth_string\"></td></tr></table>", d.name);
	web_csrf(c);
	h_raw(&c->body, "<button id=\"schedule\">Schedule CAPF Operation</button></form>");
	h_raw(&c->body, "<h2>CAPF Status History</h2><div id=\"history\">");
	h_table(&c->body, events, hist, sizeof(hist) / sizeof(hist[0]));
	h_raw(&c->body, "</div>");
	json_decref(o);
	tl_device_free(&d);
	web_end(c);
}

/* Schedules what capfd does at the phone's next connection, due in 7 days,
 * with the phone's key as before (`trustline device capf`'s defaults). */
void page_device_capf(tl_wctx *c)
{
	char arg[32], name[16], op_s[16], mode_s[16], str[16], msg[200];
	long now = (long)time(NULL);
	int op, mode;
	tl_device d;
	tl_err e;

	if (!web_is_post(c))
		return web_error(c, 405, "schedule with the phone page's form");
	web_arg(c, "name", arg, sizeof(arg));
	web_arg(c, "operation", op_s, sizeof(op_s));
	web_arg(c, "auth_mode", mode_s, sizeof(mode_s));
	web_arg(c, "auth_string", str, sizeof(str));
	if (tl_dev_name(arg, name, &e))
		return web_error(c, 400, e.msg);
	if ((op = tl_capf_op_parse(op_s)) < 0)
		return web_error(c, 400, "the operation is install, fetch, delete or none");
	if ((mode = tl_capf_mode_parse(mode_s[0] ? mode_s : "null")) < 0)
		return web_error(c, 400, "the authentication mode is string, null, lsc or mic");
	if (mode == TL_CAPF_MODE_STRING && op != TL_CAPF_OP_NONE &&
	    !tl_capf_string_valid(str))
		return web_error(c, 400, "the authentication string is 4 to 10 digits");
	tl_device_init(&d);
	if (tl_dev_get(c->w->s, name, &d, &e) != 0) {
		tl_device_free(&d);
		return web_error(c, 404, "no such phone in the device database");
	}
	if (tl_capf_schedule_device(c->w->s, &d, op, mode,
				    mode == TL_CAPF_MODE_STRING ? str : "", d.capf_key,
				    now + TL_CAPF_DEADLINE_SECONDS, now, &e)) {
		tl_device_free(&d);
		return web_outcome(c, "CAPF Operation", 0, NULL, e.msg, NULL, "/devices");
	}
	snprintf(msg, sizeof(msg), "%s: %s, authentication by %s, key %s", name,
		 tl_capf_op_name(op), tl_capf_mode_name(mode), d.capf_key);
	tl_device_free(&d);
	if (c->api)
		return web_outcome(c, "CAPF Operation", 1, msg, NULL, NULL, "/devices");
	web_redirect(c, "/device?name=%s", name);
}
