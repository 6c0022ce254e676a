/* The planner's run (plan.h): the copy, the renderings before and after,
 * every device's boot on them, the phones grouped by outcome, and for a
 * change of several steps that strands phones, the first order of its
 * steps, phones fetching the new files between them, that strands none. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct devices {
	tl_device *v;
	size_t n, cap;
	/* what the servers recorded of each (rec[i] NULL: none, why says why) */
	tl_truststate *st, **rec;
	char why[200];
};

static int dup_blob(uint8_t **p, size_t len)
{
	uint8_t *c;

	if (*p == NULL)
		return 0;
	if ((c = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(c, *p, len);
	*p = c;
	return 0;
}

static int keep_device(void *arg, const tl_device *d)
{
	struct devices *l = arg;

	if (l->n == l->cap) {
		tl_device *g = realloc(l->v, (l->cap = l->cap ? l->cap * 2 : 64) * sizeof(*g));

		if (g == NULL)
			return -1;
		l->v = g;
	}
	l->v[l->n] = *d;
	if (dup_blob(&l->v[l->n].lsc, d->lsc_len) || dup_blob(&l->v[l->n].mic, d->mic_len))
		return -1;
	l->n++;
	return 0;
}

static void devices_free(struct devices *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].lsc);
		free(l->v[i].mic);
	}
	free(l->v);
	free(l->st);
	free(l->rec);
}

/* Each device's recorded trust state. A store that cannot give it (only
 * SQLite records it) leaves every state derived, saying so: the plan does
 * not depend on the record. */
static int load_records(tl_store *s, struct devices *l, tl_err *e)
{
	l->st = calloc(l->n ? l->n : 1, sizeof(*l->st));
	l->rec = calloc(l->n ? l->n : 1, sizeof(*l->rec));
	if (l->st == NULL || l->rec == NULL)
		return tl_fail(e, "out of memory");
	snprintf(l->why, sizeof(l->why), "no record");
	for (size_t i = 0; i < l->n; i++) {
		tl_err te;
		int rc = tl_truststate_get(s, l->v[i].name, &l->st[i], &te);

		if (rc < 0) {
			for (size_t j = 0; j < i; j++)
				l->rec[j] = NULL;
			snprintf(l->why, sizeof(l->why), "trust state unreadable: %.160s", te.msg);
			return 0;
		}
		l->rec[i] = rc ? &l->st[i] : NULL;
	}
	return 0;
}

/* Makes the steps order[0..n) on the copy in dir, rendering what the
 * servers serve after each into sv[0..n) (every 0: after the last only,
 * the others left NULL); report, when given, hears what the steps print. */
static int make_steps(const char *dir, const tl_plan_step *steps, const size_t *order,
		      size_t n, int every, tl_plan_served **sv, FILE *report, tl_err *e)
{
	for (size_t i = 0; i < n; i++) {
		const tl_plan_step *st = &steps[order[i]];
		FILE *quiet = report ? NULL : fopen("/dev/null", "w");
		tl_store c;
		int rc;

		if (tl_store_open(&c, dir, e))
			return -1;
		rc = st->fn(&c, st->arg, report ? report : quiet ? quiet : stderr, e);
		tl_store_close(&c);
		if (quiet)
			fclose(quiet);
		if (rc)
			return tl_wrap(e, "%s", st->what);
		if ((every || i + 1 == n) && (sv[i] = tl_plan_served_open(dir, e)) == NULL)
			return tl_wrap(e, "after %s", st->what);
	}
	return 0;
}

/* What a phone taking part in the change (then) does after its boot: when
 * it took its configuration and trusts the CAPF server, and the server's
 * record changes its device row (later), it boots again on what is served
 * after the record, holding what the row holds. */
struct then {
	tl_plan_served *sv;	/* after the record, or NULL: no such step */
	const struct devices *rows;
};

static const tl_device *changed_row(const struct then *t, const tl_device *d)
{
	for (size_t i = 0; t->sv && i < t->rows->n; i++) {
		const tl_device *r = &t->rows->v[i];

		if (strcmp(r->name, d->name))
			continue;
		if (r->lsc_len == d->lsc_len && (!r->lsc_len || !memcmp(r->lsc, d->lsc, r->lsc_len)))
			return NULL;
		return r;
	}
	return NULL;
}

/* A phone through what each of sv[0..n) serves in turn, from its state
 * before: 0 with out the last boot's outcome and out->stage the first
 * step at which it was refused (0: none). */
static void walk(tl_plan_served *before, tl_plan_served **sv, size_t n,
		 const struct devices *l, size_t di, const struct then *t,
		 tl_plan_phone *out)
{
	const tl_device *later;
	const tl_device *d = &l->v[di];
	tl_phone ph;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", d->name);
	snprintf(out->model, sizeof(out->model), "%s", d->model);
	if (l->rec[di] == NULL)
		snprintf(out->derived, sizeof(out->derived), "%s", l->why);
	tl_phone_init(&ph, d->name, d->model);
	tl_plan_phone_before(&ph, before, d, l->rec[di], out);
	for (size_t i = 0; i < n; i++) {
		tl_plan_boot_device(&ph, sv[i], d, out);
		if (!out->accepted && out->before_ok && !out->stage)
			out->stage = (int)i + 1;
	}
	if (t && (later = changed_row(t, d)) != NULL && out->configured &&
	    tl_plan_capf_peer(&ph, sv[n - 1], out) == 0) {
		out->capf_done = 1;
		tl_plan_boot_device(&ph, t->sv, later, out);
		if (!out->accepted && out->before_ok && !out->stage)
			out->stage = (int)n + 1;
	}
	if (out->unknown[0])
		out->stage = 0;	/* not predicted, so not counted stranded */
	tl_phone_free(&ph);
}

/* Below this many phones a second process costs more than it saves. */
enum { PARALLEL_FROM = 1000 };

/* Phones from..n walked into out[0..): both cores used, a child process
 * walking the second half into memory shared with this one (the phones
 * are plain data; what the child's boots cache stays its own). */
static int walk_all(tl_plan_served *before, tl_plan_served **sv, size_t nsv,
		    const struct devices *d, size_t from, const struct then *t,
		    tl_plan_phone *out, tl_err *e)
{
	size_t n = d->n - from, half = n >= PARALLEL_FROM ? n / 2 : n;
	size_t bytes = (n - half) * sizeof(*out);
	tl_plan_phone *shared = MAP_FAILED;
	pid_t pid = -1;
	int status;

	if (half < n)
		shared = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
	if (shared != MAP_FAILED && (pid = fork()) == 0) {
		for (size_t i = half; i < n; i++)
			walk(before, sv, nsv, d, from + i, t, &shared[i - half]);
		_exit(0);
	}
	if (pid < 0)
		half = n;	/* no second process: this one walks them all */
	for (size_t i = 0; i < half; i++)
		walk(before, sv, nsv, d, from + i, t, &out[i]);
	if (pid > 0) {
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			munmap(shared, bytes);
			return tl_fail(e, "the planner's second process failed");
		}
		memcpy(&out[half], shared, bytes);
	}
	if (shared != MAP_FAILED)
		munmap(shared, bytes);
	return 0;
}

static const char *outcome(const tl_plan_phone *ph)
{
	if (ph->unknown[0])
		return "unknown: holds a trust list no longer served";
	if (ph->accepted && ph->capf[0])
		return "accepts, but does not trust the CAPF server: the operation is not done";
	if (ph->accepted && ph->capf_done)
		return "does the CAPF operation, then accepts with the certificate it records";
	if (ph->capf_done)
		return !strcmp(ph->step, "ENC") || !strcmp(ph->step, "CONF") ?
		       "stranded after the CAPF operation: no configuration it can take "
		       "(encrypted to, or made for, a certificate it does not hold)" :
		       "stranded after the CAPF operation";
	if (ph->accepted)
		return !ph->before_ok ? "accepts (it was refused before the change)" :
		       ph->tvs_vouched ? "accepts via TVS" :
		       "accepts: the new files are signed by certificates it trusts";
	if (!ph->before_ok)
		return "refused before the change and after it";
	if (ph->configured)
		return "configured, but refuses the new trust list and keeps the one it has";
	if (!strcmp(ph->step, "CTL") || !strcmp(ph->step, "ITL"))
		return "stuck: the new trust list and the configuration's signer are both "
		       "unknown to it (TFTP and TVS both changed): needs erase or ITLRecovery";
	if (!strcmp(ph->step, "ENC"))
		return "config refused: encrypted to a certificate it does not hold";
	return "config refused: signed by a certificate it does not trust";
}

/* The reason, the same for every phone it happened to: its MAC masked. */
static char *masked(const tl_plan_phone *ph)
{
	char *s = strdup(ph->unknown[0] ? ph->unknown : ph->line[0] ? ph->line : ph->capf);
	const char *mac = ph->name + 3;

	for (char *p = s ? strstr(s, mac) : NULL; p; p = strstr(p, mac)) {
		memmove(p + 5, p + 12, strlen(p + 12) + 1);
		memcpy(p, "<MAC>", 5);
	}
	return s;
}

static int group(tl_plan *p, const tl_plan_phone *ph, tl_err *e)
{
	const char *o = outcome(ph);
	char *r = masked(ph);
	size_t i;

	if (r == NULL)
		return tl_fail(e, "out of memory");
	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i].outcome == o && !strcmp(p->groups[i].reason, r))
			break;
	if (i == p->ngroups) {
		tl_plan_group *g = realloc(p->groups, (p->ngroups + 1) * sizeof(*g));

		if (g == NULL) {
			free(r);
			return tl_fail(e, "out of memory");
		}
		p->groups = g;
		memset(&g[i], 0, sizeof(g[i]));
		g[i].outcome = o;
		g[i].reason = r;
		g[i].stranded = ph->stage != 0;
		snprintf(g[i].first, sizeof(g[i].first), "%s", ph->name);
		p->ngroups++;
	} else {
		free(r);
	}
	p->groups[i].count++;
	return 0;
}

static int next_perm(size_t *a, size_t n)
{
	size_t i = n - 1, j = n - 1;

	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return 0;
	while (a[j] <= a[i - 1])
		j--;
	size_t t = a[i - 1];
	a[i - 1] = a[j];
	a[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
	return 1;
}

static void served_free_all(tl_plan_served **sv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tl_plan_served_free(sv[i]);
}

/* Whether the order strands no phone, phones fetching between the steps. */
static int order_safe(tl_store *s, tl_plan *p, tl_plan_served *before,
		      const struct devices *d, const size_t *order, tl_err *e)
{
	tl_plan_served *sv[8] = { 0 };
	char dir[1024];
	int safe = 1;

	if (tl_plan_copy(s, dir, sizeof(dir), e))
		return -1;
	if (make_steps(dir, p->steps, order, p->nsteps, 1, sv, NULL, e)) {
		served_free_all(sv, p->nsteps);
		tl_plan_remove(dir);
		return 0;	/* a step refused in this order: not an order to give */
	}
	/* the first phone alone: phones alike are refused alike, and an
	 * order that strands one is not walked further */
	if (d->n) {
		tl_plan_phone ph;

		walk(before, sv, p->nsteps, d, 0, NULL, &ph);
		safe = !ph.stage;
	}
	if (safe && d->n > 1) {
		tl_plan_phone *all = calloc(d->n - 1, sizeof(*all));

		if (all == NULL || walk_all(before, sv, p->nsteps, d, 1, NULL, all, e))
			safe = all ? -1 : tl_fail(e, "out of memory");
		for (size_t i = 0; safe == 1 && i + 1 < d->n; i++)
			safe = !all[i].stage;
		free(all);
	}
	served_free_all(sv, p->nsteps);
	tl_plan_remove(dir);
	return safe;
}

/* The record of a step phones take part in, made on the copy after it:
 * the device rows it leaves, and what is served then. */
static int run_then(const char *dir, const tl_plan_step *st, FILE *rep,
		    struct devices *rows, tl_plan_served **later, tl_err *e)
{
	tl_store c;
	int rc;

	if (tl_store_open(&c, dir, e))
		return -1;
	rc = st->then(&c, st->arg, rep, e);
	if (rc == 0)
		rc = tl_dev_each(&c, keep_device, rows, e);
	tl_store_close(&c);
	if (rc)
		return tl_wrap(e, "%s", st->what);
	if ((*later = tl_plan_served_open(dir, e)) == NULL)
		return tl_wrap(e, "after %s", st->what);
	return 0;
}

int tl_plan_run(tl_store *s, const tl_plan_step *steps, size_t n, tl_plan *p, tl_err *e)
{
	struct devices rows = { 0 };
	struct then t = { NULL, &rows };
	tl_plan_served *svs[8] = { 0 };
	struct devices d = { 0 };
	tl_plan_served *before = NULL, *after = NULL;
	size_t all[8], len = 0;
	char dir[1024];
	FILE *rep;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (n == 0 || n > 8)
		return tl_fail(e, "a plan has 1 to 8 steps");
	for (size_t i = 0; i < n; i++)
		if (steps[i].then && n > 1)
			return tl_fail(e, "%s is planned alone", steps[i].what);
	memcpy(p->steps, steps, n * sizeof(*steps));
	p->nsteps = n;
	if (tl_dev_each(s, keep_device, &d, e) || load_records(s, &d, e) ||
	    tl_plan_copy(s, dir, sizeof(dir), e)) {
		devices_free(&d);
		return -1;
	}
	if ((rep = open_memstream(&p->report, &len)) == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	if ((before = tl_plan_served_open(dir, e)) == NULL) {
		fclose(rep);
		tl_wrap(e, "what the servers serve now");
		goto out;
	}
	/* all the steps, one after the other, and what is served after them */
	for (size_t i = 0; i < n; i++)
		all[i] = i;
	rc = make_steps(dir, steps, all, n, 0, svs, rep, e);
	after = svs[n - 1];
	if (rc) {
		rc = -1;
		fclose(rep);
		goto out;
	}
	if (steps[0].then && run_then(dir, &steps[0], rep, &rows, &t.sv, e)) {
		fclose(rep);
		goto out;
	}
	fclose(rep);
	if ((p->phones = calloc(d.n ? d.n : 1, sizeof(*p->phones))) == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	if (walk_all(before, &after, 1, &d, 0, &t, p->phones, e))
		goto out;
	for (size_t i = 0; i < d.n; i++) {
		p->nphones++;
		p->unknown += p->phones[i].unknown[0] != 0;
		p->stranded += p->phones[i].stage != 0;
		if (group(p, &p->phones[i], e))
			goto out;
	}
	rc = 0;
	if (p->stranded && n > 1)
		do {
			int safe = order_safe(s, p, before, &d, all, e);

			if (safe < 0) {
				rc = -1;
				break;
			}
			if (safe) {
				p->have_order = 1;
				memcpy(p->order, all, n * sizeof(*all));
				break;
			}
		} while (next_perm(all, n));
out:
	tl_plan_served_free(before);
	tl_plan_served_free(after);
	tl_plan_served_free(t.sv);
	tl_plan_remove(dir);
	devices_free(&d);
	devices_free(&rows);
	return rc;
}

void tl_plan_free(tl_plan *p)
{
	for (size_t i = 0; i < p->ngroups; i++)
		free(p->groups[i].reason);
	free(p->groups);
	free(p->phones);
	free(p->report);
	memset(p, 0, sizeof(*p));
}
