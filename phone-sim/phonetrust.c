#include "phonetrust.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLES_TFTP (TL_ROLE_BIT(TL_ROLE_TFTP) | TL_ROLE_BIT(TL_ROLE_CCM_TFTP))
#define ROLES_ITL_SIGNER (TL_ROLE_BIT(TL_ROLE_SAST) | ROLES_TFTP)

void tl_phone_init(tl_phone *p, const char *name, const char *model)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->tvs_name, sizeof(p->tvs_name), "%s-%s", model, name);
}

void tl_phone_erase_trust(tl_phone *p)
{
	if (p->has_ctl)
		tl_tlist_free(&p->ctl);
	if (p->has_itl)
		tl_tlist_free(&p->itl);
	p->has_ctl = p->has_itl = 0;
	p->rollback = 0;
}

void tl_phone_free(tl_phone *p)
{
	tl_phone_erase_trust(p);
}

static time_t clock_of(const tl_phone *p)
{
	return p->now ? p->now : time(NULL);
}

/* Appends to the verdict line. */
static void say(tl_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(tl_verdict *v, const char *fmt, ...)
{
	size_t n = strlen(v->line);
	va_list ap;

	if (n >= sizeof(v->line) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(v->line + n, sizeof(v->line) - n, fmt, ap);
	va_end(ap);
}

static int verdict(tl_verdict *v, int accepted, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int vverdict(tl_verdict *v, int accepted, const char *fmt, va_list ap)
{
	size_t n = strlen(v->line);

	vsnprintf(v->line + n, sizeof(v->line) - n, fmt, ap);
	n = strlen(v->line);
	snprintf(v->line + n, sizeof(v->line) - n, " -> %s",
		 accepted ? "ACCEPTED" : "REJECTED");
	v->accepted = accepted;
	return accepted ? 0 : 1;
}

static int verdict(tl_verdict *v, int accepted, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vverdict(v, accepted, fmt, ap);
	va_end(ap);
	return rc;
}

/* The verdict with nothing more to say. */
static int done(tl_verdict *v, int accepted)
{
	return verdict(v, accepted, "%s", "");
}

static void begin(tl_verdict *v, const char *step, const char *file)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->line, sizeof(v->line), "%-5s %s  ", step, file);
}

void tl_verdict_vmake(tl_verdict *v, const char *step, const char *file,
		      int accepted, const char *fmt, va_list ap)
{
	begin(v, step, file);
	vverdict(v, accepted, fmt, ap);
}

static void signer_text(tl_verdict *v, const tl_sfile *h)
{
	char *serial = tl_hex(h->serial, h->serial_len, 1);

	say(v, "signer %s serial %s", h->signer_name, serial ? serial : "?");
	free(serial);
}

static void roles_text(char *out, size_t n, const uint8_t *roles, size_t nroles)
{
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; i < nroles && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "," : "",
				      tl_role_short(roles[i]));
}

static int has_role(const uint8_t *roles, size_t n, uint32_t mask)
{
	for (size_t i = 0; i < n; i++)
		if (mask & TL_ROLE_BIT(roles[i]))
			return 1;
	return 0;
}

/* A list (file bytes) the phone would install: parsed and self-consistent. */
static int parse_list(const uint8_t *file, size_t len, const char *name,
		      tl_tlist *l, size_t *self_signer, tl_verdict *v)
{
	tl_err e;

	if (tl_tlist_parse(l, file, len, name, &e))
		return verdict(v, 0, "unreadable: %s", e.msg);
	if (tl_tlist_verify(l, NULL, self_signer, &e)) {
		signer_text(v, &l->hdr);
		tl_tlist_free(l);
		return verdict(v, 0, ": the file does not verify with its own SAST "
			       "record (%s)", e.msg);
	}
	return 0;
}

static void install(tl_tlist *slot, int *has, const tl_tlist *l)
{
	if (*has)
		tl_tlist_free(slot);
	*slot = *l;
	*has = 1;
}

static int same_bytes(const tl_tlist *a, const uint8_t *file, size_t len)
{
	return a->len == len && memcmp(a->buf, file, len) == 0;
}

/* First use: nothing installed, or a rollback ITL. A pinned anchor
 * replaces trust on first use. */
static int first_use(tl_tlist *l, const tl_cert *pin, int rollback, tl_verdict *v)
{
	tl_pub *pub;
	tl_err e;
	int rc;

	signer_text(v, &l->hdr);
	if (pin == NULL)
		return verdict(v, 1, ", %s installed: trust on first use",
			       rollback ? "a rollback ITL" : "nothing");
	if (!tl_sfile_signed_by(&l->hdr, pin))
		return verdict(v, 0, " is not the pinned anchor %s", pin->subject);
	if (tl_pub_from_cert(pin, &pub, &e))
		return verdict(v, 0, ": pinned anchor unusable: %s", e.msg);
	rc = tl_sfile_verify(&l->hdr, pub, &e);
	tl_pub_free(pub);
	if (rc)
		return verdict(v, 0, ": signature does not verify with the pinned "
			       "anchor: %s", e.msg);
	return verdict(v, 1, ", pinned anchor %s", pin->subject);
}

int tl_phone_ctl(tl_phone *p, const uint8_t *file, size_t len, const tl_cert *pin,
		 tl_verdict *v)
{
	tl_tlist l;
	size_t self, rec;
	tl_err e;

	begin(v, "CTL", "CTLFile.tlv");
	if (file == NULL)
		return verdict(v, 1, "not on the server: %s", p->has_ctl ?
			       "keeping the installed CTL" : "no CTL (not mixed mode)");
	if (p->has_ctl && same_bytes(&p->ctl, file, len))
		return verdict(v, 1, "identical to the installed CTL");
	if (parse_list(file, len, "CTLFile.tlv", &l, &self, v))
		return 1;
	if (!p->has_ctl) {
		if (first_use(&l, pin, 0, v)) {
			tl_tlist_free(&l);
			return 1;
		}
		install(&p->ctl, &p->has_ctl, &l);
		return 0;
	}
	signer_text(v, &l.hdr);
	if (tl_sfile_verify_by_list(&l.hdr, &p->ctl, TL_ROLE_BIT(TL_ROLE_SAST), &rec, &e)) {
		tl_tlist_free(&l);
		return verdict(v, 0, " is not a SAST record of the installed CTL: "
			       "keeping it (%s)", e.msg);
	}
	say(v, " = SAST record #%zu of the installed CTL", rec + 1);
	install(&p->ctl, &p->has_ctl, &l);
	return done(v, 1);
}

/* The certificate in the new list that signed it (a full SAST record). */
static tl_cert *signing_cert(const tl_tlist *l, size_t rec)
{
	tl_cert *c;
	tl_err e;

	if (l->rec[rec].cert == NULL ||
	    tl_cert_from_der(l->rec[rec].cert, l->rec[rec].cert_len, &c, &e))
		return NULL;
	return c;
}

static void tvs_cache_put(tl_phone *p, const tl_cert *c, const tl_phone_tvs_answer *a)
{
	tl_tvs_cached *slot;

	if (!a->valid || a->ttl == 0)
		return;	/* invalid answers are never cached */
	slot = &p->cache[p->ncache < TL_PHONE_TVS_CACHE ? p->ncache++ :
			 (size_t)clock_of(p) % TL_PHONE_TVS_CACHE];
	uint8_t h[TL_HASH_MAX];

	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	memcpy(slot->sha256, h, 32);
	memcpy(slot->roles, a->roles, a->nroles);
	slot->nroles = a->nroles;
	slot->expires = clock_of(p) + (time_t)a->ttl;
}

static const tl_tvs_cached *tvs_cache_get(const tl_phone *p, const tl_cert *c)
{
	uint8_t h[TL_HASH_MAX];

	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	for (size_t i = 0; i < p->ncache; i++)
		if (!memcmp(p->cache[i].sha256, h, 32) &&
		    p->cache[i].expires > clock_of(p))
			return &p->cache[i];
	return NULL;
}

/* Why no TVS answer counts: none reachable, or the one tried not trusted. */
static void say_tvs_failed(tl_verdict *v, const tl_phone_tvs_answer *a)
{
	if (a->why[0])
		say(v, " -> TVS %s refused: %s: not trusted", a->server, a->why);
	else
		say(v, " -> TVS unreachable (%s): not trusted",
		    a->server[0] ? a->server : "none");
}

/* Asks TVS to VERIFY c; 1 when it vouches for c with a role in mask. */
static int ask_tvs(tl_phone *p, const tl_cert *c, uint32_t mask, tl_tvs_fn tvs,
		   void *arg, tl_verdict *v)
{
	const tl_tvs_cached *hit = tvs_cache_get(p, c);
	tl_phone_tvs_answer a;
	char roles[128];

	if (hit) {
		roles_text(roles, sizeof(roles), hit->roles, hit->nroles);
		say(v, " -> TVS cache -> VALID roles=%s", roles);
		return has_role(hit->roles, hit->nroles, mask);
	}
	if (tvs == NULL) {
		say(v, " -> no TVS server configured");
		return 0;
	}
	memset(&a, 0, sizeof(a));
	tvs(arg, c, NULL, NULL, 0, &a);
	if (!a.reachable) {
		say_tvs_failed(v, &a);
		return 0;
	}
	if (!a.valid) {
		say(v, " -> TVS %s -> INVALID", a.server);
		return 0;
	}
	roles_text(roles, sizeof(roles), a.roles, a.nroles);
	say(v, " -> TVS %s -> VALID roles=%s ttl=%u", a.server, roles, a.ttl);
	tvs_cache_put(p, c, &a);
	return has_role(a.roles, a.nroles, mask);
}

/* An ITL offered to a phone that holds none was refused: the configuration
 * step must know it was offered one. */
static int refused_first(tl_phone *p, const tl_verdict *v)
{
	static const char head[] = "ITLFile.tlv  ", tail[] = " -> REJECTED";

	if (!p->has_itl) {
		const char *why = strstr(v->line, head);
		size_t n;

		why = why ? why + sizeof(head) - 1 : v->line;
		n = strlen(why);
		if (n >= sizeof(tail) - 1 &&
		    strcmp(why + n - (sizeof(tail) - 1), tail) == 0)
			n -= sizeof(tail) - 1;
		if (n >= sizeof(p->itl_refused))
			n = sizeof(p->itl_refused) - 1;
		memcpy(p->itl_refused, why, n);
		p->itl_refused[n] = 0;
	}
	return 1;
}

int tl_phone_itl(tl_phone *p, const uint8_t *file, size_t len, const tl_cert *pin,
		 tl_tvs_fn tvs, void *tvs_arg, tl_verdict *v)
{
	tl_tlist l;
	size_t self, rec;
	tl_cert *signer;
	tl_err e;
	int ok;

	begin(v, "ITL", "ITLFile.tlv");
	p->itl_refused[0] = 0;
	if (file == NULL)
		return verdict(v, 1, "not on the server: %s", p->has_itl ?
			       "keeping the installed ITL" : "no ITL");
	if (p->has_itl && same_bytes(&p->itl, file, len))
		return verdict(v, 1, "identical to the installed ITL");
	if (parse_list(file, len, "ITLFile.tlv", &l, &self, v))
		return refused_first(p, v);
	if (!p->has_itl || p->rollback) {
		if (first_use(&l, pin, p->rollback, v)) {
			tl_tlist_free(&l);
			return refused_first(p, v);
		}
		goto accept;
	}
	signer_text(v, &l.hdr);
	if (tl_sfile_verify_by_list(&l.hdr, &p->itl, TL_ROLE_BIT(TL_ROLE_SAST), &rec,
				    &e) == 0) {
		say(v, " = SAST record #%zu of the installed ITL", rec + 1);
		done(v, 1);
		goto install;
	}
	if (p->has_ctl && tl_sfile_verify_by_list(&l.hdr, &p->ctl, ROLES_TFTP, &rec,
						  &e) == 0) {
		say(v, " = %s record #%zu of the installed CTL",
		    tl_role_short(p->ctl.rec[rec].role), rec + 1);
		done(v, 1);
		goto install;
	}
	say(v, " not in installed ITL");
	if (tl_record_count_role(&p->itl, TL_ROLE_TVS) == 0) {
		tl_tlist_free(&l);
		return verdict(v, 0, ", and the installed ITL lists no TVS: the phone "
			       "is stuck until its ITL is erased");
	}
	signer = signing_cert(&l, self);
	if (signer == NULL) {
		tl_tlist_free(&l);
		return verdict(v, 0, ": the new ITL carries no certificate for its "
			       "signer to show TVS");
	}
	ok = ask_tvs(p, signer, ROLES_ITL_SIGNER, tvs, tvs_arg, v);
	tl_cert_free(signer);
	if (!ok) {
		tl_tlist_free(&l);
		return done(v, 0);
	}
	done(v, 1);
	goto install;
accept:
	/* first use already wrote its verdict */
install:
	install(&p->itl, &p->has_itl, &l);
	p->rollback = p->itl.nrec == 1;
	if (p->rollback)
		say(v, " (rollback ITL: any TFTP server and unsigned configurations "
		    "are trusted until a populated ITL arrives)");
	return 0;
}

static int verify_with_cert(const tl_sfile *h, const tl_cert *c, tl_err *e)
{
	tl_pub *pub;
	int rc;

	if (tl_pub_from_cert(c, &pub, e))
		return -1;
	rc = tl_sfile_verify(h, pub, e);
	tl_pub_free(pub);
	return rc;
}

/* The configuration of a phone that was offered an ITL it refused and holds
 * no CTL: judged as a phone without any trust list, except that such a phone
 * would take it unverified, and a list it could not read must not buy that. */
static int refused_verdict(const tl_phone *p, tl_verdict *v, const char *what)
{
	return verdict(v, 0, "%s no ITL installed: the ITLFile.tlv offered was "
		       "refused (%s); judged as a phone with no ITL and no CTL, "
		       "which has nothing to verify with: not accepted unverified",
		       what, p->itl_refused);
}

int tl_phone_config(tl_phone *p, const char *filename, const uint8_t *file,
		    size_t len, tl_tvs_fn tvs, void *tvs_arg, tl_verdict *v)
{
	size_t n = strlen(filename), rec;
	tl_phone_tvs_answer a;
	char roles[128];
	tl_sfile h;
	tl_err e;

	begin(v, "CONF", filename);
	if (n < 4 || strcmp(filename + n - 4, ".sgn")) {
		if (!p->has_itl && p->itl_refused[0])
			return refused_verdict(p, v, "unsigned");
		if (p->rollback || (!p->has_itl && !p->has_ctl))
			return verdict(v, 1, "unsigned, accepted: %s", p->rollback ?
				       "rollback ITL installed" : "no trust list installed");
		return verdict(v, 0, "unsigned, while a trust list is installed");
	}
	if (tl_sfile_parse(&h, file, len, filename, &e))
		return verdict(v, 0, "unreadable: %s", e.msg);
	signer_text(v, &h);
	if (p->has_ctl && tl_sfile_verify_by_list(&h, &p->ctl, ROLES_TFTP, &rec, &e) == 0)
		return verdict(v, 1, " = %s record #%zu of the CTL",
			       tl_role_short(p->ctl.rec[rec].role), rec + 1);
	if (p->has_itl && tl_sfile_verify_by_list(&h, &p->itl, ROLES_TFTP, &rec, &e) == 0)
		return verdict(v, 1, " = %s record #%zu of the ITL",
			       tl_role_short(p->itl.rec[rec].role), rec + 1);
	if (p->has_itl && tl_tlist_find(&p->itl, h.issuer_name, h.serial, h.serial_len,
					ROLES_TFTP) >= 0)
		return verdict(v, 0, " is in the ITL but the signature is wrong "
			       "(tampered?): %s", e.msg);
	if (p->rollback)
		return verdict(v, 1, ": rollback ITL installed, any TFTP server trusted");
	if (!p->has_itl && p->itl_refused[0] && !p->has_ctl)
		return refused_verdict(p, v, ":");
	if (!p->has_itl && !p->has_ctl)
		return verdict(v, 1, ": no trust list installed, accepted unverified");
	say(v, " not in CTL/ITL");
	if (tvs == NULL)
		return verdict(v, 0, " and no TVS server configured");
	memset(&a, 0, sizeof(a));
	tvs(tvs_arg, NULL, h.issuer_name, h.serial, h.serial_len, &a);
	if (!a.reachable) {
		say_tvs_failed(v, &a);
		return done(v, 0);
	}
	if (!a.valid || a.cert == NULL) {
		tl_cert_free(a.cert);
		return verdict(v, 0, " -> TVS %s -> unknown", a.server);
	}
	roles_text(roles, sizeof(roles), a.roles, a.nroles);
	say(v, " -> TVS %s -> VALID roles=%s", a.server, roles);
	if (!has_role(a.roles, a.nroles, ROLES_TFTP) || !tl_sfile_signed_by(&h, a.cert) ||
	    verify_with_cert(&h, a.cert, &e)) {
		tl_cert_free(a.cert);
		return verdict(v, 0, ": not a TFTP signer, or the signature does not "
			       "verify");
	}
	tl_cert_free(a.cert);
	return done(v, 1);
}

/* Roles a record may hold to vouch for a peer in this role. */
static uint32_t accepting_roles(int role)
{
	switch (role) {
	case TL_ROLE_CCM: return TL_ROLE_BIT(TL_ROLE_CCM) | TL_ROLE_BIT(TL_ROLE_CCM_TFTP);
	case TL_ROLE_TFTP: return ROLES_TFTP;
	case TL_ROLE_APP_SERVER: return TL_ROLE_BIT(TL_ROLE_APP_SERVER) | ROLES_TFTP;
	default: return TL_ROLE_BIT(role);
	}
}

static long record_for(const tl_tlist *l, const tl_cert *c, uint32_t mask)
{
	for (size_t i = 0; i < l->nrec; i++)
		if ((mask & TL_ROLE_BIT(l->rec[i].role)) &&
		    tl_record_matches_cert(&l->rec[i], c))
			return (long)i;
	return -1;
}

int tl_phone_peer(tl_phone *p, const char *what, const tl_cert *peer, int role,
		  tl_tvs_fn tvs, void *tvs_arg, tl_verdict *v)
{
	uint32_t mask = accepting_roles(role);
	uint8_t h[TL_HASH_MAX];
	char *serial = tl_hex(peer->serial, peer->serial_len, 1);
	time_t now = clock_of(p);
	long i;

	begin(v, "PEER", what);
	tl_hash(TL_HASH_SHA1, peer->der, peer->der_len, h);
	say(v, "%s serial %s (SHA-1 %02x%02x%02x%02x…) as %s", peer->subject,
	    serial ? serial : "?", h[0], h[1], h[2], h[3], tl_role_short(role));
	free(serial);
	if (peer->not_after < now)
		return verdict(v, 0, ": certificate expired");
	if (peer->not_before > now)
		return verdict(v, 0, ": certificate not yet valid");
	if (p->has_ctl && (i = record_for(&p->ctl, peer, mask)) >= 0)
		return verdict(v, 1, " = %s record #%ld of the CTL",
			       tl_role_short(p->ctl.rec[i].role), i + 1);
	if (p->has_itl && (i = record_for(&p->itl, peer, mask)) >= 0)
		return verdict(v, 1, " = %s record #%ld of the ITL",
			       tl_role_short(p->itl.rec[i].role), i + 1);
	if (role == TL_ROLE_TVS)
		return verdict(v, 0, ": not a TVS record of the installed ITL");
	say(v, " not in CTL/ITL");
	if (!ask_tvs(p, peer, mask, tvs, tvs_arg, v))
		return done(v, 0);
	return done(v, 1);
}
