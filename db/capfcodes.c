/* CAPF's vocabulary as trustline.db keeps it (capfdb.h): the operation
 * and authentication-mode names of the device row, and the LSC status
 * codes of docs/certificates.md with their text. No SQL here: any backend
 * stores the same words and numbers. */
#include "capfdb.h"

#include <stdio.h>
#include <string.h>

static const char *const ops[] = { "none", "install", "fetch", "delete" };
static const char *const modes[] = { "string", "null", "lsc", "mic" };

static int lookup(const char *const *v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return i;
	return -1;
}

int tl_capf_op_parse(const char *s) { return lookup(ops, 4, s); }
int tl_capf_mode_parse(const char *s) { return lookup(modes, 4, s); }
const char *tl_capf_op_name(int op) { return op >= 0 && op < 4 ? ops[op] : "none"; }
const char *tl_capf_mode_name(int m) { return m >= 0 && m < 4 ? modes[m] : "null"; }

static const char *const reasons[] = {
	"Invalid LSC", "Invalid Authentication String", "Invalid MIC",
	"Invalid Credentials", "Phone Communication Failure",
	"Key Generation Failed/Timeout", "CA Communication Failure",
	"CA Rejected Connection", "User Initiated Request Late/Timeout",
};

int tl_lsc_success(int op)
{
	return op == TL_CAPF_OP_DELETE ? TL_LSC_DELETE_OK :
	       op == TL_CAPF_OP_FETCH ? TL_LSC_FETCH_OK : TL_LSC_UPGRADE_OK;
}

int tl_lsc_failure(int op, int why)
{
	int base = op == TL_CAPF_OP_DELETE ? 18 : op == TL_CAPF_OP_FETCH ? 26 : 9;

	if (why < 0 || why > TL_WHY_LATE)
		return op == TL_CAPF_OP_DELETE ? TL_LSC_DELETE_FAILED :
		       op == TL_CAPF_OP_FETCH ? TL_LSC_FETCH_FAILED :
		       TL_LSC_UPGRADE_FAILED;
	if (base == 9)
		return base + why;
	/* Delete and Troubleshoot have no CA Rejected Connection. */
	if (why == TL_WHY_CA_REJECTED)
		why = TL_WHY_CA_COMM;
	return base + (why == TL_WHY_LATE ? 7 : why);
}

const char *tl_lsc_status_text(int code)
{
	static char text[TL_LSC_MAX + 1][64];
	static const char *const plain[] = {
		NULL, "None", "Operation Pending", "Upgrade Success",
		"Delete Success", "Troubleshoot Success", "Upgrade Failed",
		"Delete Failed", "Troubleshoot Failed",
	};
	const char *what;
	int why;

	if (code < 1 || code > TL_LSC_MAX)
		return "unknown";
	if (code <= 8)
		return plain[code];
	if (code <= 17) {
		what = "Upgrade";
		why = code - 9;
	} else {
		what = code <= 25 ? "Delete" : "Troubleshoot";
		why = (code - 18) % 8;
		if (why == 7)
			why = TL_WHY_LATE;
	}
	/* The table is filled on first use; every call writes the same bytes. */
	snprintf(text[code], sizeof(text[code]), "%s Failed: %s", what, reasons[why]);
	return text[code];
}
