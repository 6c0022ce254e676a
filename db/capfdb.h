/* CAPF's part of trustline.db: scheduling operations on the device row,
 * the LSC status codes of docs/certificates.md with a timestamped history, the
 * LSCs capfd issued and whether the phone confirmed them, and the
 * authentication-string lockout. Each change is one transaction (or one
 * savepoint of a batch), so a crash leaves either the state before it or
 * the state after it. */
#ifndef TL_CAPFDB_H
#define TL_CAPFDB_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Operations, as the device row's capf_operation spells them. */
enum tl_capf_op { TL_CAPF_OP_NONE, TL_CAPF_OP_INSTALL, TL_CAPF_OP_FETCH,
		  TL_CAPF_OP_DELETE };
int tl_capf_op_parse(const char *s);	/* "install" -> TL_CAPF_OP_INSTALL, else -1 */
const char *tl_capf_op_name(int op);

/* Authentication modes (capf_auth_mode). */
enum tl_capf_mode { TL_CAPF_MODE_STRING, TL_CAPF_MODE_NULL, TL_CAPF_MODE_LSC,
		    TL_CAPF_MODE_MIC };
int tl_capf_mode_parse(const char *s);
const char *tl_capf_mode_name(int mode);

/* LSC status codes (docs/certificates.md). */
enum {
	TL_LSC_NONE = 1, TL_LSC_PENDING = 2, TL_LSC_UPGRADE_OK = 3,
	TL_LSC_DELETE_OK = 4, TL_LSC_FETCH_OK = 5, TL_LSC_UPGRADE_FAILED = 6,
	TL_LSC_DELETE_FAILED = 7, TL_LSC_FETCH_FAILED = 8, TL_LSC_MAX = 33,
};
/* Why an operation failed: the reasons 9..17 count for Upgrade; Delete
 * (18..25) and Troubleshoot (26..33) have eight, without CA Rejected
 * Connection. */
enum tl_capf_why {
	TL_WHY_LSC, TL_WHY_AUTH_STRING, TL_WHY_MIC, TL_WHY_CREDENTIALS,
	TL_WHY_COMM, TL_WHY_KEYGEN, TL_WHY_CA_COMM, TL_WHY_CA_REJECTED,
	TL_WHY_LATE,
	TL_WHY_OTHER = -1,	/* the plain "... Failed" code */
};
/* The code for an operation's success, or its failure for a reason. */
int tl_lsc_success(int op);
int tl_lsc_failure(int op, int why);
/* "Upgrade Failed: Invalid MIC"; "unknown" outside 1..33. */
const char *tl_lsc_status_text(int code);

/* A batch: the changes below made between these two on s (from this
 * thread) are savepoints of one transaction, committed together by
 * tl_capf_batch_end, each still whole or not at all; a change that fails
 * leaves the others in. Many phones' changes then cost one commit and one
 * generation bump. tl_capf_batch_end commits, and -1 means none of them
 * is in the database. */
int tl_capf_batch_begin(tl_store *s, tl_err *e);
int tl_capf_batch_end(tl_store *s, tl_err *e);

/* Schedules an operation on an existing device: operation, mode, string
 * (may be ""; given in clear it is stored hashed, a hash is kept as it
 * is), key ("rsa:2048", "ec:256"), deadline; status 2 (or 1 for "none"),
 * recorded as an event. 1 when the device does not exist. */
int tl_capf_schedule(tl_store *s, const char *device, int op, int mode,
		     const char *auth_string, const char *key, long deadline,
		     long now, tl_err *e);

/* How long a phone has to do a scheduled operation unless told otherwise. */
#define TL_CAPF_DEADLINE_SECONDS (7 * 86400L)

/* 1 when s is an authentication string a phone's keypad can take: 4 to
 * 10 digits. */
int tl_capf_string_valid(const char *s);

struct tl_device;
/* tl_capf_schedule for device d as the administrator's commands (trustline
 * device capf, the web page, the planner) schedule it: an install is
 * refused first when its key cannot take d's encrypted configuration. */
int tl_capf_schedule_device(tl_store *s, const struct tl_device *d, int op,
			    int mode, const char *auth_string, const char *key,
			    long deadline, long now, tl_err *e);

/* Records a status code on the device row and in its history. done also
 * clears the pending operation (it succeeded). */
int tl_capf_record(tl_store *s, const char *device, int status, int done,
		   const char *detail, long now, tl_err *e);

/* An LSC was issued and is about to be sent: kept as "issued" (not yet the
 * device's LSC) with an event, committed before it goes out. *id names it
 * for what follows. */
int tl_capf_lsc_issued(tl_store *s, const char *device, const tl_cert *lsc,
		       long now, long *id, tl_err *e);
/* The phone confirmed it: it becomes the device's LSC (an earlier one is
 * marked superseded), status 3, operation done, in one transaction. */
int tl_capf_lsc_confirmed(tl_store *s, long id, const char *device, long now,
			  tl_err *e);
/* The phone refused it or never confirmed it: "failed" or "unconfirmed",
 * with the status code. */
int tl_capf_lsc_unconfirmed(tl_store *s, long id, const char *device,
			    int status, const char *detail, long now, tl_err *e);
/* The phone deleted its LSC: the device has none, status 4, done. */
int tl_capf_lsc_deleted(tl_store *s, const char *device, long now, tl_err *e);
/* The administrator revokes the device's LSCs that are in use or may be
 * (installed, issued, unconfirmed): capfd refuses them from then on.
 * *count gets how many. */
int tl_capf_lsc_revoke(tl_store *s, const char *device, long now, int *count,
		       tl_err *e);
/* 1 when the LSC with this serial (hex with colons, as stored) issued to
 * device was revoked or deleted from the phone, 0 when not, -1 on error. */
int tl_capf_lsc_is_revoked(tl_store *s, const char *device, const char *serial,
			   tl_err *e);
/* Every LSC that is revoked or that its phone deleted, oldest change
 * first, for the LSC CRL: serial as stored, when it changed, its state
 * ("revoked" or "deleted"). fn returning non-zero stops the walk. */
typedef int (*tl_capf_revoked_fn)(void *arg, const char *serial, long when,
				  const char *state);
int tl_capf_lsc_revoked_each(tl_store *s, tl_capf_revoked_fn fn, void *arg,
			     tl_err *e);
/* The phone sent its certificate (troubleshoot): kept as "fetched",
 * status 5, done. */
int tl_capf_fetched(tl_store *s, const char *device, const tl_cert *c,
		    long now, tl_err *e);
/* After a crash: LSCs still "issued" were never confirmed; they become
 * "unconfirmed" and their devices record Phone Communication Failure.
 * *n counts them. */
int tl_capf_recover(tl_store *s, long now, int *n, tl_err *e);

/* Lockout. Returns 1 (with *until) when the device is locked at now. */
int tl_capf_locked(tl_store *s, const char *device, long now, long *until);
/* A wrong authentication string: counted; at the attempts-th within window
 * seconds the device is locked for window seconds. Returns 1 when this
 * failure locked it, 0 when not, -1 on error. */
int tl_capf_auth_failed(tl_store *s, const char *device, long now, int attempts,
			long window, long *until, tl_err *e);
/* A right one: the count starts again. */
int tl_capf_auth_ok(tl_store *s, const char *device, tl_err *e);

/* The history, newest first, at most max rows. */
typedef int (*tl_capf_event_fn)(void *arg, long ts, int status,
				const char *detail);
int tl_capf_events(tl_store *s, const char *device, int max,
		   tl_capf_event_fn fn, void *arg, tl_err *e);
/* The issued LSCs of a device, newest first. */
typedef int (*tl_capf_lsc_fn)(void *arg, long id, const char *serial,
			      long not_after, const char *state, long issued);
int tl_capf_lscs(tl_store *s, const char *device, tl_capf_lsc_fn fn, void *arg,
		 tl_err *e);

#endif
