/* --json output. Each command builds one jansson object and prints it once
 * with tl_json_print; the values follow one convention (docs/trustline.md,
 * "JSON output"): times in ISO 8601 UTC, null for what is absent, hex in
 * lower case. tl_json_str, tl_json_strn and tl_json_hex write fragments
 * with stdio for the commands not yet moved to jansson. */
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
/* The n bytes at p in lower-case hex ("aa:bb" with colons), null when p
 * is NULL. */
json_t *tl_json_hexstr(const uint8_t *p, size_t n, int colons);
/* "2026-12-07T15:52:05Z"; null for 0, which every caller uses for "none". */
json_t *tl_json_time(time_t t);
struct tl_cert;
/* A certificate as every command names one: subject, issuer, serial (hex
 * with colons), not_before, not_after, sha1 and sha256 of its DER. */
json_t *tl_json_cert(const struct tl_cert *c);
/* v on one line of standard output, then releases it. 0, or -1 when v is
 * NULL (out of memory building it) or the write failed. */
int tl_json_print(json_t *v);

void tl_json_str(FILE *f, const char *s);
void tl_json_strn(FILE *f, const char *s, size_t n);
void tl_json_hex(FILE *f, const uint8_t *p, size_t n, int colons);

#endif
