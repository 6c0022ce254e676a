/* A fleet phone's flash (fleetphone.h): its state directory under
 * --state-root, or with --memory a few numbers and the trust lists kept
 * once for all phones. */
#include "fleetphone.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint32_t blob_ref(tl_fleet *fl, const tl_tlist *l)
{
	tl_fleet_blob *nb;

	for (size_t i = 0; i < fl->nblobs; i++)
		if (fl->blobs[i].len == l->len && !memcmp(fl->blobs[i].p, l->buf, l->len))
			return (uint32_t)i + 1;
	if ((nb = realloc(fl->blobs, (fl->nblobs + 1) * sizeof(*nb))) == NULL)
		return 0;
	fl->blobs = nb;
	if ((nb[fl->nblobs].p = malloc(l->len)) == NULL)
		return 0;
	memcpy(nb[fl->nblobs].p, l->buf, l->len);
	nb[fl->nblobs].len = l->len;
	return (uint32_t)++fl->nblobs;
}

static int mem_list(const tl_fleet *fl, uint32_t ref, const char *name, tl_tlist *l,
		    int *has, tl_err *e)
{
	if (ref == 0)
		return 0;
	if (tl_tlist_parse(l, fl->blobs[ref - 1].p, fl->blobs[ref - 1].len, name, e))
		return -1;
	*has = 1;
	return 0;
}

int tl_fleet_flash_load(tl_fleet_boot *b, const char *mac, tl_err *e)
{
	tl_fleet *fl = b->fl;
	char dir[600];
	tl_fleet_mphone *m;

	if (fl->state_root)
		snprintf(dir, sizeof(dir), "%s/SEP%s", fl->state_root, mac);
	if (fl->state_root && !fl->mem)
		return tl_flash_load(&b->f, dir, mac, fl->model, e);
	m = &fl->mem[b->idx];
	if (fl->state_root && !access(dir, F_OK)) {
		/* --memory with --state-root: the phone starts from its flash,
		 * which is never written */
		if (tl_flash_load(&b->f, dir, mac, fl->model, e))
			return -1;
		b->f.dir[0] = 0;
		return 0;
	}
	tl_flash_mem(&b->f, mac, fl->model);
	if (mem_list(fl, m->ctl, "CTLFile.tlv", &b->f.phone.ctl, &b->f.phone.has_ctl, e) ||
	    mem_list(fl, m->itl, "ITLFile.tlv", &b->f.phone.itl, &b->f.phone.has_itl, e)) {
		tl_flash_free(&b->f);
		return -1;
	}
	b->f.phone.rollback = m->rollback;
	if (m->ncache)
		memcpy(b->f.phone.cache, m->cache, m->ncache * sizeof(*m->cache));
	b->f.phone.ncache = m->ncache;
	b->f.config = m->config;
	b->f.config_len = m->config_len;
	m->config = NULL;	/* the flash owns it until the boot ends */
	return 0;
}

/* Writes the phone's state (a directory), or keeps it in memory. */
int tl_fleet_flash_save(tl_fleet_boot *b, tl_err *e)
{
	tl_fleet *fl = b->fl;
	time_t t = time(NULL);
	tl_fleet_mphone *m;

	if (!fl->mem)
		return tl_flash_save_trust(&b->f, e);
	m = &fl->mem[b->idx];
	m->ctl = b->f.phone.has_ctl ? blob_ref(fl, &b->f.phone.ctl) : 0;
	m->itl = b->f.phone.has_itl ? blob_ref(fl, &b->f.phone.itl) : 0;
	m->rollback = (uint8_t)b->f.phone.rollback;
	m->ncache = 0;
	free(m->cache);
	m->cache = NULL;
	if (b->f.phone.ncache &&
	    (m->cache = malloc(b->f.phone.ncache * sizeof(*m->cache))) != NULL)
		for (size_t i = 0; i < b->f.phone.ncache; i++)
			if (b->f.phone.cache[i].expires > t)
				m->cache[m->ncache++] = b->f.phone.cache[i];
	m->config = b->f.config;
	m->config_len = b->f.config_len;
	b->f.config = NULL;
	if ((b->f.phone.has_ctl && !m->ctl) || (b->f.phone.has_itl && !m->itl))
		return tl_fail(e, "out of memory");
	return 0;
}
