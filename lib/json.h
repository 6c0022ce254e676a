/* Just enough JSON output for --json: escaped strings and hex values. */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void tl_json_str(FILE *f, const char *s);
void tl_json_strn(FILE *f, const char *s, size_t n);
void tl_json_hex(FILE *f, const uint8_t *p, size_t n, int colons);

#endif
