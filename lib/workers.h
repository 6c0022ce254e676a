/* A daemon's worker processes: N children serving the same sockets
 * (SO_REUSEPORT), with SIGTERM and SIGHUP passed on and a worker that dies
 * started again. */
#ifndef TL_WORKERS_H
#define TL_WORKERS_H

/* Runs fn(arg, i) in child i for i < n and supervises them until SIGTERM
 * or SIGINT; then stops them and returns 0. user: the parent drops to it
 * once the children are started (NULL: stays). */
int tl_workers_run(int n, int (*fn)(void *arg, int i), void *arg,
		   const char *user);

#endif
