/* trustline cert check|monitor: the problems of a certificate or of the
 * data directory, and the expiry alarms (once, or as a --watch service). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certcmd.h"
#include "file.h"
#include "fromstore.h"
#include "json.h"
#include "pki.h"
#include "revcheck.h"

/* What `cert check` found about what (a file, or the data directory:
 * key names it in JSON), one line each. */
static void print_problems(const char *key, const char *what,
			   const tl_problem *probs, int n, int json)
{
	if (json) {
		json_t *o = json_object(), *list = json_array();

		json_object_set_new(o, key, tl_json_text(what));
		json_object_set_new(o, "clean", json_boolean(n == 0));
		for (int i = 0; i < n; i++) {
			json_t *one = json_object();

			json_object_set_new(one, "code", json_string(probs[i].code));
			json_object_set_new(one, "message", tl_json_text(probs[i].msg));
			json_array_append_new(list, one);
		}
		json_object_set_new(o, "problems", list);
		tl_json_print(o);
		return;
	}
	for (int i = 0; i < n; i++)
		printf("%s: %s: %s\n", what, probs[i].code, probs[i].msg);
	if (n == 0)
		printf("%s: no problem found\n", what);
}

/* `cert check` without a file: the data directory as a whole. What a
 * crash or a hand edit can leave: a change whose cascade did not finish,
 * and trust lists that no longer list what the stores hold. */
static int check_data_dir(const char *given, int json)
{
	tl_problem probs[3];
	const char *dir = tl_store_default_dir(given);
	tl_store s;
	tl_err e;
	int n = 0, rc;

	/* opened without completing, so that what is left shows */
	if (tl_store_open(&s, dir, &e))
		return cli_fail(EXIT_USAGE, &e);
	tl_pki_journal_pending(&s, probs[n].msg, sizeof(probs[n].msg));
	if (probs[n].msg[0]) {
		snprintf(probs[n].code, sizeof(probs[n].code), "interrupted-change");
		strncat(probs[n].msg, ": run any trustline command to complete it",
			sizeof(probs[n].msg) - strlen(probs[n].msg) - 1);
		n++;
	}
	for (int ctl = 0; ctl < 2; ctl++) {
		char why[512];

		rc = ctl ? tl_ctl_matches_store(&s, why, sizeof(why), &e) :
		     tl_itl_matches_store(&s, why, sizeof(why), &e);
		if (rc == 1)
			continue;
		snprintf(probs[n].code, sizeof(probs[n].code), ctl ? "stale-ctl" : "stale-itl");
		snprintf(probs[n].msg, sizeof(probs[n].msg), "%s: %s", rc < 0 ? e.msg : why,
			 ctl ? "run `trustline ctl update`" : "run `trustline itl rebuild`");
		n++;
	}
	tl_store_close(&s);
	print_problems("data_dir", dir, probs, n, json);
	return n ? EXIT_INVALID : 0;
}

int cli_cert_check(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "purpose", required_argument, 0, 'p' },
		{ "host", required_argument, 0, 'H' },
		{ "key", required_argument, 0, 'k' },
		{ "chain", required_argument, 0, 'c' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	tl_cert *chain[CLI_CERT_CHAIN_MAX], **pool = NULL;
	tl_problem probs[32];
	tl_lintreq r;
	tl_store s;
	tl_cert *cert = NULL;
	tl_key *key = NULL;
	uint8_t *key_file = NULL;
	size_t nchain = 0, npool = 0, key_len = 0;
	const char *key_path = NULL, *dir = NULL;
	int json = 0, c, n, rc = EXIT_USAGE;
	tl_err e;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((r.purpose = tl_purpose_find(optarg)) == NULL)
				return cli_usage(cmd, "unknown purpose \"%s\": "
						 "one of %s", optarg, tl_purpose_names());
			break;
		case 'H': r.host = optarg; break;
		case 'k': key_path = optarg; break;
		case 'c':
			if (cli_cert_chain_add(optarg, chain, &nchain, &e)) {
				rc = cli_fail(EXIT_USAGE, &e);
				goto out;
			}
			break;
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind == argc && nchain == 0 && !key_path && !r.purpose && !r.host)
		return check_data_dir(dir, json);
	if (optind + 1 != argc) {
		rc = cli_usage(cmd, "give one certificate FILE, or none to "
			       "check the data directory");
		goto out;
	}
	if (tl_cert_load(argv[optind], &cert, &e) ||
	    (key_path && (tl_read_file(key_path, 1 << 20, &key_file, &key_len, &e) ||
			  tl_key_from_mem(key_file, key_len, key_path, &key, &e)))) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto out;
	}
	/* the data directory's trust stores, when there is one, complete chains */
	if (tl_pki_store_open(&s, tl_store_default_dir(dir), stderr, &e) == 0) {
		if (tl_pki_trust_pool(&s, nchain, &pool, &npool, &e))
			npool = 0;
		tl_store_close(&s);
	}
	if (pool == NULL && (pool = calloc(nchain + 1, sizeof(*pool))) == NULL) {
		rc = cli_error(EXIT_USAGE, "out of memory");
		goto out;
	}
	memcpy(pool + npool, chain, nchain * sizeof(*chain));
	r.cert = cert;
	r.key = key;
	r.key_file = key_file;
	r.key_file_len = key_len;
	r.pool = pool;
	r.npool = npool + nchain;
	n = tl_pki_lint(&r, probs, 32);
	print_problems("file", argv[optind], probs, n, json);
	rc = n ? EXIT_INVALID : 0;
out:
	for (size_t i = 0; i < npool; i++)
		tl_cert_free(pool[i]);
	free(pool);
	for (size_t i = 0; i < nchain; i++)
		tl_cert_free(chain[i]);
	tl_cert_free(cert);
	tl_key_free(key);
	if (key_file)
		explicit_bzero(key_file, key_len);
	free(key_file);
	return rc;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = sig;
}

int cli_cert_monitor(const char *cmd, void (*help)(FILE *), int argc,
		     char **argv)
{
	static const struct option opts[] = {
		{ "notify-days", required_argument, 0, 'n' },
		{ "json", no_argument, 0, 'j' },
		{ "watch", no_argument, 0, 'w' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int days = 0, json = 0, watch = 0, c, rc, worst = 0;
	time_t next_monitor = 0, next_rev = 0;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': days = atoi(optarg); break;
		case 'j': json = 1; break;
		case 'w': watch = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc || days < 0)
		return cli_usage(cmd, "unexpected argument");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	do {
		time_t now = time(NULL);
		int every;

		if (cli_open_store(&s, dir))
			return EXIT_USAGE;
		if (now >= next_monitor) {
			worst = tl_pki_monitor(&s, days, json, watch ? stderr : stdout, &e);
			/* daily, hourly once something is critical */
			next_monitor = now + (worst == 2 ? 3600 :
					      s.conf.notify_every_hours * 3600);
		}
		/* --watch is also the revocation schedule: a verdict that changes
		 * bumps the generation, and tvsd stops vouching within seconds */
		every = s.conf.rev.check_every_hours;
		if (worst >= 0 && watch && every > 0 && now >= next_rev) {
			if (tl_pki_rev_check(&s, NULL, json, stderr, stderr, &e) < 0)
				fprintf(stderr, "trustline: revocation check: %s\n", e.msg);
			next_rev = now + (time_t)every * 3600;
		}
		tl_store_close(&s);
		if (worst < 0)
			return cli_fail(EXIT_USAGE, &e);
		fflush(NULL);
		while (watch && !stop && time(NULL) < next_monitor &&
		       (every <= 0 || time(NULL) < next_rev))
			sleep(1);
	} while (watch && !stop);
	/* distinct from EXIT_INVALID and EXIT_USAGE, so a cron job or a check
	 * script can tell an alarm from a failure; --watch ends on a signal */
	if (watch)
		return 0;
	return worst == 2 ? EXIT_ALARM_CRITICAL : worst == 1 ? EXIT_ALARM_WARNING : 0;
}
