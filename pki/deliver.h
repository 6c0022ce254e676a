/* Delivering alarm changes to people: one e-mail per raise or clear
 * through libcurl's SMTP (STARTTLS, authentication), and notify_command
 * run with the alarm as JSON on its standard input. Both are set in
 * [monitor]; either may be off. */
#ifndef TL_DELIVER_H
#define TL_DELIVER_H

#include <stdio.h>

#include "alarm.h"
#include "conf.h"
#include "json.h"

/* Sends one alarm change (raised 1: raised, 0: cleared) every configured
 * way. Each way that fails is named in e, after the others were tried;
 * -1 then, else 0 (also when nothing is configured). */
int tl_deliver(const tl_conf *c, const tl_alarm *a, int raised, tl_err *e);

/* An alarm change just stored in s's alarm table, delivered: when it
 * cannot be, a warning on standard error, and a raise is taken back from
 * the table, so that the next check raises and sends it again. */
void tl_deliver_change(tl_store *s, const tl_alarm *a, int raised);

/* The alarm change as one JSON object, as notify_command reads it. */
json_t *tl_deliver_json(const tl_conf *c, const tl_alarm *a, int raised);

#endif
