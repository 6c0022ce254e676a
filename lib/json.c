#include "json.h"

void tl_json_strn(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void tl_json_str(FILE *f, const char *s)
{
	size_t n = 0;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	while (s[n])
		n++;
	tl_json_strn(f, s, n);
}

void tl_json_hex(FILE *f, const uint8_t *p, size_t n, int colons)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, colons && i ? ":%02x" : "%02x", p[i]);
	fputc('"', f);
}
