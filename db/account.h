/* The web page's administrator accounts (docs/web.md): a name, the
 * password's salted slow hash (secret.h, the same as CAPF's strings) and
 * the wrong-password count that locks an account for a while. */
#ifndef TL_ACCOUNT_H
#define TL_ACCOUNT_H

#include <time.h>

#include "store.h"

/* Wrong passwords in a row that lock an account, and for how long. */
#define TL_ACCOUNT_MAX_FAILURES 10
#define TL_ACCOUNT_LOCK_SECONDS 900

typedef struct tl_account {
	char name[64];
	int failures;		/* wrong passwords since the last right one */
	time_t locked_until;	/* 0: not locked */
	time_t created, updated;
} tl_account;

/* A name of 1 to 63 letters, digits, '.', '_' or '-'; else e says so. */
int tl_account_name_ok(const char *name, tl_err *e);
/* add refuses a name that exists, passwd one that does not; both refuse a
 * password shorter than 8 characters. Each change is in the audit log. */
int tl_account_add(tl_store *s, const char *name, const char *password, tl_err *e);
int tl_account_passwd(tl_store *s, const char *name, const char *password,
		      tl_err *e);
int tl_account_remove(tl_store *s, const char *name, tl_err *e);
/* 1 when the account exists, 0 when not, -1 on error. */
int tl_account_exists(tl_store *s, const char *name);
/* Every account by name; fn returns nonzero to stop. */
int tl_account_each(tl_store *s, int (*fn)(void *arg, const tl_account *a),
		    void *arg, tl_err *e);

enum { TL_LOGIN_OK = 0, TL_LOGIN_WRONG = 1, TL_LOGIN_LOCKED = 2 };
/* Checks a password at now: TL_LOGIN_OK (the count starts again),
 * TL_LOGIN_WRONG (an unknown name too; counted for a known one, the
 * TL_ACCOUNT_MAX_FAILURES-th locks it), TL_LOGIN_LOCKED (*until says until
 * when; the password is not even checked), -1 on error. */
int tl_account_login(tl_store *s, const char *name, const char *password,
		     time_t now, time_t *until, tl_err *e);

#endif
