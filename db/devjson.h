/* A device row and its CAPF history as JSON: one shape for `trustline
 * device list|show|capf-status --json` and the web page's /api/device, so
 * a phone's fields have the same names wherever they are read. */
#ifndef TL_DEVJSON_H
#define TL_DEVJSON_H

#include "devdb.h"
#include "json.h"

/* name, model, protocol, profile, description, template, lsc, mic,
 * capf_operation, capf_auth_mode, capf_key, capf_deadline, lsc_status,
 * lsc_status_text, lsc_status_time; an empty text and a time of 0 are
 * null. */
json_t *tl_device_json(const tl_device *d);
/* A tl_capf_event_fn: appends {time, status, status_text, detail} to the
 * jansson array arr. */
int tl_capf_event_json(void *arr, long ts, int status, const char *detail);

#endif
