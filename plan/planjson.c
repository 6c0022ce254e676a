/* A plan as the one JSON object `trustline plan --json` prints and the web
 * page's /api/ sends, and the step both plan for `cert generate`. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "pki.h"
#include "plan.h"

static int step_generate(tl_store *s, const void *arg, FILE *report, tl_err *e)
{
	return tl_pki_generate(s, arg, report, e);
}

void tl_plan_step_generate(tl_plan_step *st, const tl_genopts *o)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->what, sizeof(st->what), "cert generate %s%s%s", o->purpose,
		 o->node ? " --node " : "", o->node ? o->node : "");
	st->fn = step_generate;
	st->arg = o;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *tl_plan_json(const tl_plan *p)
{
	json_t *o = json_object(), *change = json_array(), *groups = json_array();
	json_t *devices = json_array(), *order = json_null();

	for (size_t i = 0; i < p->nsteps; i++)
		json_array_append_new(change, json_string(p->steps[i].what));
	for (size_t i = 0; i < p->ngroups; i++) {
		const tl_plan_group *g = &p->groups[i];
		json_t *j = json_object();

		json_object_set_new(j, "outcome", json_string(g->outcome));
		json_object_set_new(j, "reason", str_or_null(g->reason));
		json_object_set_new(j, "count", json_integer((json_int_t)g->count));
		json_object_set_new(j, "stranded", json_boolean(g->stranded));
		json_object_set_new(j, "example", json_string(g->first));
		json_array_append_new(groups, j);
	}
	for (size_t i = 0; i < p->nphones; i++) {
		const tl_plan_phone *ph = &p->phones[i];
		json_t *j = json_object();

		json_object_set_new(j, "device", json_string(ph->name));
		json_object_set_new(j, "model", json_string(ph->model));
		json_object_set_new(j, "before", json_string(ph->before_ok ? "trusted" : "refused"));
		json_object_set_new(j, "after", json_string(ph->accepted ? "trusted" : "refused"));
		json_object_set_new(j, "via_tvs", json_boolean(ph->tvs_vouched));
		json_object_set_new(j, "stranded", json_boolean(ph->stage != 0));
		json_object_set_new(j, "step", str_or_null(ph->step));
		json_object_set_new(j, "file", str_or_null(ph->file));
		json_object_set_new(j, "reason", str_or_null(ph->line));
		json_object_set_new(j, "before_source",
				    json_string(ph->recorded ? "recorded" : "derived"));
		json_object_set_new(j, "recorded", tl_json_time(ph->recorded));
		json_object_set_new(j, "derived", str_or_null(ph->derived));
		json_object_set_new(j, "unknown", str_or_null(ph->unknown));
		json_object_set_new(j, "capf", str_or_null(ph->capf));
		json_object_set_new(j, "capf_done", json_boolean(ph->capf_done));
		json_array_append_new(devices, j);
	}
	if (p->have_order) {
		order = json_array();
		for (size_t i = 0; i < p->nsteps; i++)
			json_array_append_new(order, json_string(p->steps[p->order[i]].what));
	}
	json_object_set_new(o, "change", change);
	json_object_set_new(o, "phones", json_integer((json_int_t)p->nphones));
	json_object_set_new(o, "stranded", json_integer((json_int_t)p->stranded));
	json_object_set_new(o, "unknown", json_integer((json_int_t)p->unknown));
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "devices", devices);
	json_object_set_new(o, "order", order);
	return o;
}

