#include "devjson.h"

#include "capfdb.h"

json_t *tl_device_json(const tl_device *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "model", tl_json_opt(d->model));
	json_object_set_new(o, "protocol", tl_json_opt(d->protocol));
	json_object_set_new(o, "profile", json_string(tl_profile_name(d->profile)));
	json_object_set_new(o, "description", tl_json_opt(d->description));
	json_object_set_new(o, "template", tl_json_opt(d->template_name));
	json_object_set_new(o, "lsc", json_boolean(d->lsc != NULL));
	json_object_set_new(o, "mic", json_boolean(d->mic != NULL));
	json_object_set_new(o, "capf_operation", tl_json_opt(d->capf_operation));
	json_object_set_new(o, "capf_auth_mode", tl_json_opt(d->capf_auth_mode));
	json_object_set_new(o, "capf_key", tl_json_opt(d->capf_key));
	json_object_set_new(o, "capf_deadline", tl_json_time((time_t)d->capf_deadline));
	json_object_set_new(o, "lsc_status", json_integer(d->lsc_status));
	json_object_set_new(o, "lsc_status_text",
			    json_string(tl_lsc_status_text(d->lsc_status)));
	json_object_set_new(o, "lsc_status_time", tl_json_time((time_t)d->lsc_status_time));
	return o;
}

int tl_capf_event_json(void *arr, long ts, int status, const char *detail)
{
	json_t *o = json_object();

	json_object_set_new(o, "time", tl_json_time((time_t)ts));
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "status_text", json_string(tl_lsc_status_text(status)));
	json_object_set_new(o, "detail", tl_json_opt(detail));
	return json_array_append_new(arr, o);
}
