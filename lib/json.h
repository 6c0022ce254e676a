/* --json output. Each command builds one jansson object and prints it once
 * with tl_json_print; the values follow one convention (docs/trustline.md,
 * "JSON output"): times in ISO 8601 UTC, null for what is absent, hex in
 * lower case. */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* s as a JSON string, null when s is NULL. Certificates carry names in
 * whatever encoding their issuer chose: bytes that are not UTF-8 are read
 * as Latin-1, so no name is lost. */
json_t *tl_json_text(const char *s);
/* tl_json_text, with an empty s null too: for the fixed-size fields that
 * say "none" with an empty string. */
json_t *tl_json_opt(const char *s);
/* The n bytes at p in lower-case hex ("aa:bb" with colons), null when p
 * is NULL. */
json_t *tl_json_hexstr(const uint8_t *p, size_t n, int colons);
/* "2026-12-07T15:52:05Z"; null for 0, which every caller uses for "none". */
json_t *tl_json_time(time_t t);
struct tl_cert;
/* A certificate as every command names one: subject, issuer, serial (hex
 * with colons), not_before, not_after, sha1 and sha256 of its DER. */
json_t *tl_json_cert(const struct tl_cert *c);
/* How every value is written: one line, members in the order set. */
#define TL_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
/* What a certificate and a request both carry, set in o: key ("RSA-2048",
 * "EC-256"), signature (the algorithm's name) and san (the subject's
 * alternative names). */
void tl_json_key_fields(json_t *o, const struct tl_cert *c);
/* v on one line of f, then releases it. 0, or -1 when v is NULL (out of
 * memory building it) or the write failed. */
int tl_json_write(json_t *v, FILE *f);
/* tl_json_write to standard output. */
int tl_json_print(json_t *v);

#endif
