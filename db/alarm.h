/* Alarms that stay raised until their cause goes (CertificateRevoked,
 * CRLChanged, ...): a row each in trustline.db, so a raise or a clear is
 * reported once, when it happens, not at every check. */
#ifndef TL_ALARM_H
#define TL_ALARM_H

#include <time.h>

#include "store.h"

typedef struct tl_alarm {
	char name[48];		/* "CertificateRevoked" */
	char object[512];	/* what it is about: "CallManager-trust/ca" */
	char severity[16];	/* "critical", "warning", "info" */
	char detail[512];
	time_t raised;
} tl_alarm;

/* Returns 1 when the alarm was not raised before (the caller reports it),
 * 0 when it already was (its detail is updated), -1 on error. */
int tl_alarm_raise(tl_store *s, const char *name, const char *object,
		   const char *severity, const char *detail, tl_err *e);
/* Returns 1 when it was raised and is now cleared, 0 when it was not. */
int tl_alarm_clear(tl_store *s, const char *name, const char *object, tl_err *e);
/* Every raised alarm (name NULL: of any name), oldest first; fn returns
 * nonzero to stop. */
int tl_alarm_each(tl_store *s, const char *name,
		  int (*fn)(void *arg, const tl_alarm *a), void *arg, tl_err *e);
/* One line "alarm=NAME state=raised|cleared severity=... object=... detail=..." */
void tl_alarm_print(FILE *f, const tl_alarm *a, int raised);

#endif
