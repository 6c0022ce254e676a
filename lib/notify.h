/* systemd's service notification (sd_notify(3)) without libsystemd: a
 * daemon started by a Type=notify unit says when it serves. */
#ifndef TL_NOTIFY_H
#define TL_NOTIFY_H

/* Sends state ("READY=1") as one datagram to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or an abstract name written with '@'). 0 when
 * sent or when there is no $NOTIFY_SOCKET (not started by systemd), -1
 * when it could not be sent (errno says why). */
int tl_notify(const char *state);

#endif
