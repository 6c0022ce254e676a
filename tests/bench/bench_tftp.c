/* `make bench-tftp`: tftpd against Debian's tftpd-hpa in the same run, on
 * 127.0.0.1, serving the same files, driven by the same load generator:
 * the TFTP client phones use (tftp/tftpclient.h) run from one event loop,
 * so hundreds of transfers go at once and the client is not what is
 * measured. (a) a 6 KB signed configuration rendered by tftpd, 2,000 times
 * at concurrency 500; (b) one 30 MB file at blksize 1428, and from tftpd
 * also with windowsize 8. Then a data directory of 10,000 devices: its
 * render time, what the cached configurations cost in memory, and the time
 * and tftpd CPU to sign them all again for a new CallManager certificate,
 * beside what as many RSA-2048 signatures cost (bu_rsa_limits). One table
 * with the targets; numbers, not pass/fail (a MISS still exits 0).
 * Environment: BENCH_TFTP_SMALL (downloads in (a), default 2000),
 * BENCH_TFTP_DEVICES (default 10000), BENCH_TFTPD_HPA (the binary, default
 * /usr/sbin/in.tftpd), BENCH_TFTP_BUSY_POLL_US (tftpd's [tftp] busy_poll_us,
 * default its default). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"
#include "devdb.h"
#include "loop.h"
#include "pki.h"
#include "tftpclient.h"

#define CONC 500
#define BIG_SIZE (30 << 20)
#define BLKSIZE 1428
#define WINDOW 8
#define TIMEOUT_MS 1000		/* a phone's first retransmission */
#define RETRIES 5
#define DEVICE "SEP00BE0C000001"
#define CNF DEVICE ".cnf.xml.sgn"
#define GENERATOR_SPIN_US 200	/* tl_loop_spin */
#define SMALL_TARGET 3.0	/* x tftpd-hpa */
#define BULK_TARGET 2.0		/* x tftpd-hpa */
#define WINDOW_TARGET 80.0	/* MB/s */
#define RSS_TARGET_MB 64.0

/* What one row of load measured. */
typedef struct result {
	int n, ok, resent, failed, timedout;
	double secs, bytes, p50, p99;
} result;

/* The generator: total transfers of one file, conc at a time. */
typedef struct load {
	tl_loop *loop;
	tl_tftpc_opts o;
	const char *file;
	const uint8_t *expect;	/* what must arrive; NULL: any bytes */
	size_t expect_len;
	int total, started, finished;
	double *lat;
	result *res;
} load;

typedef struct job {
	load *ld;
	tl_tftpc_result r;
	size_t off;
	double t0;
	int bad;		/* the bytes differ from the file */
} job;

static void start_job(load *ld);

/* Every byte is compared with the file: a fast wrong answer is no answer. */
static int check(void *arg, const uint8_t *p, size_t n)
{
	job *j = arg;

	if (j->ld->expect && (j->off + n > j->ld->expect_len ||
			      memcmp(j->ld->expect + j->off, p, n))) {
		j->bad = 1;
		return -1;
	}
	j->off += n;
	return 0;
}

static void finish(void *arg, int rc, uint8_t *out, size_t len, const tl_err *e)
{
	job *j = arg;
	load *ld = j->ld;
	result *res = ld->res;

	ld->lat[ld->finished++] = bu_now() - j->t0;
	if (rc == TL_TFTPC_OK && (ld->expect == NULL || j->off == ld->expect_len)) {
		res->ok++;
		res->bytes += (double)j->off;
	} else if (rc == TL_TFTPC_TIMEOUT) {
		res->timedout++;
	} else {
		res->failed++;
	}
	if (j->r.timeouts || j->r.repeats)
		res->resent++;
	free(j);
	if (ld->started < ld->total)
		start_job(ld);
	else if (ld->finished == ld->total)
		tl_loop_stop(ld->loop);
}

static void start_job(load *ld)
{
	job *j = calloc(1, sizeof(*j));
	tl_tftpc_opts o = ld->o;
	tl_err e;

	if (j == NULL)
		bu_die("generator", "out of memory");
	j->ld = ld;
	ld->started++;
	j->t0 = bu_now();
	o.sink_arg = j;
	if (tl_tftpc_ev_start(ld->loop, &o, ld->file, 0, &j->r, finish, j, &e) !=
	    TL_TFTPC_MORE)
		bu_die("generator", e.msg);
}

static result run_load(int port, const char *file, const uint8_t *expect,
		       size_t len, int total, int conc, const tl_tftp_opts *want)
{
	static result res;
	load ld;
	tl_err e;

	memset(&res, 0, sizeof(res));
	memset(&ld, 0, sizeof(ld));
	if ((ld.loop = tl_loop_new(&e)) == NULL)
		bu_die("generator", e.msg);
	/* the generator never sleeps between packets: what is measured is
	 * how soon each server answers, not how soon this process wakes */
	tl_loop_spin(ld.loop, GENERATOR_SPIN_US);
	ld.o.host = "127.0.0.1";
	ld.o.port = port;
	ld.o.want = *want;
	ld.o.timeout_ms = TIMEOUT_MS;
	ld.o.retries = RETRIES;
	ld.o.sink = check;
	ld.file = file;
	ld.expect = expect;
	ld.expect_len = len;
	ld.total = total;
	ld.res = &res;
	if ((ld.lat = calloc((size_t)total, sizeof(double))) == NULL)
		bu_die("generator", "out of memory");
	res.secs = bu_now();
	for (int i = 0; i < conc && i < total; i++)
		start_job(&ld);
	if (tl_loop_run(ld.loop, &e))
		bu_die("generator", e.msg);
	res.secs = bu_now() - res.secs;
	res.n = total;
	bu_percentiles(ld.lat, (size_t)total, &res.p50, &res.p99);
	free(ld.lat);
	tl_loop_free(ld.loop);
	return res;
}

/* ---- the data directory ---- */

static char dir[] = "/tmp/tl-bench-tftp-XXXXXX";

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f))
		bu_die(path, strerror(errno));
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = malloc(BIG_SIZE + 1);

	if (f == NULL || p == NULL)
		bu_die(path, "cannot read");
	*n = fread(p, 1, BIG_SIZE + 1, f);
	fclose(f);
	return p;
}

/* A template of the size of a real phone's configuration (about 6 KB
 * signed): three SIP lines and the vendor settings a CP-8865 carries. */
static void write_template(void)
{
	static const char *const vendor[] = {
		"disableSpeaker", "disableSpeakerAndHeadset", "pcPort", "settingsAccess",
		"garp", "voiceVlanAccess", "videoCapability", "autoSelectLineEnable",
		"webAccess", "daysDisplayNotActive", "displayOnTime", "displayOnDuration",
		"displayIdleTimeout", "spanToPCPort", "loggingDisplay", "loadServer",
		"sshAccess", "sshPort", "ipv6LogServer", "bluetooth", "wifi",
		"detectCMConnectionFailure", "g722CodecSupport", "handsetWidebandEnable",
	};
	char path[600], *t = malloc(16384);
	size_t n = 0;

	if (t == NULL)
		bu_die("template", "out of memory");
	n += (size_t)sprintf(t + n, "<device>\n<fullConfig>true</fullConfig>\n"
			     "<deviceProtocol>SIP</deviceProtocol>\n<sshUserId>admin</sshUserId>\n"
			     "<devicePool><dateTimeSetting><dateTemplate>M/D/Y</dateTemplate>"
			     "<timeZone>Pacific Standard/Daylight Time</timeZone>"
			     "<ntps><ntp><name>ntp.lab.example</name><ntpMode>Unicast</ntpMode>"
			     "</ntp></ntps></dateTimeSetting><callManagerGroup><members/>"
			     "</callManagerGroup></devicePool>\n<sipProfile><sipProxies>"
			     "<registerWithProxy>true</registerWithProxy></sipProxies>"
			     "<sipCallFeatures><cnfJoinEnabled>true</cnfJoinEnabled>"
			     "<rfc2543Hold>false</rfc2543Hold><callHoldRingback>2</callHoldRingback>"
			     "</sipCallFeatures><sipLines>\n");
	for (int i = 1; i <= 3; i++)
		n += (size_t)sprintf(t + n, "<line button=\"%d\"><featureID>9</featureID>"
				     "<featureLabel>Line %d</featureLabel><proxy>USECALLMANAGER"
				     "</proxy><port>5060</port><name>10%02d</name><displayName>"
				     "Lab phone line %d</displayName><autoAnswer><autoAnswerEnabled>"
				     "2</autoAnswerEnabled></autoAnswer><callWaiting>3</callWaiting>"
				     "<authName>user10%02d</authName><sharedLine>false</sharedLine>"
				     "<messageWaitingLampPolicy>3</messageWaitingLampPolicy>"
				     "<messagesNumber>8000</messagesNumber><ringSettingIdle>4"
				     "</ringSettingIdle><ringSettingActive>5</ringSettingActive>"
				     "<contact>10%02d</contact><forwardCallInfoDisplay><callerName>"
				     "true</callerName><callerNumber>false</callerNumber>"
				     "</forwardCallInfoDisplay></line>\n", i, i, i, i, i, i);
	n += (size_t)sprintf(t + n, "</sipLines><voipControlPort>5060</voipControlPort>"
			     "<dscpForAudio>184</dscpForAudio><ringSettingBusyStationPolicy>0"
			     "</ringSettingBusyStationPolicy><dialTemplate>dialplan.xml"
			     "</dialTemplate></sipProfile>\n<loadInformation/>\n<vendorConfig>\n");
	for (size_t i = 0; i < sizeof(vendor) / sizeof(vendor[0]); i++)
		n += (size_t)sprintf(t + n, "<%s>%zu</%s>\n", vendor[i], i % 3, vendor[i]);
	n += (size_t)sprintf(t + n, "</vendorConfig>\n<userLocale><name>English_United_States"
			     "</name><langCode>en_US</langCode></userLocale>\n"
			     "<ipAddressMode>0</ipAddressMode>\n</device>\n");
	snprintf(path, sizeof(path), "%s/templates", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/templates/bench.cnf.xml", dir);
	write_file(path, t, n);
	free(t);
}

static int busy_poll_us;	/* tftpd's, for the report */

/* The cluster, one device and the 30 MB file in tftpboot/. */
static void setup(void)
{
	struct passwd *pw = getpwuid(geteuid());
	char path[600];
	uint8_t *big = malloc(BIG_SIZE);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	tl_device d;
	tl_store s;
	tl_conf c;
	tl_err e;

	if (!mkdtemp(dir) || big == NULL || pw == NULL)
		bu_die("setup", "mkdtemp, memory or user");
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "bench");
	snprintf(c.domain, sizeof(c.domain), "lab.example");
	c.nnodes = tl_conf_parse_nodes("cucm-pub,cucm-sub1", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	/* every phone here is 127.0.0.1; as root, tftpd stays this user */
	c.tftp.per_client_rate = 0;
	if (getenv("BENCH_TFTP_BUSY_POLL_US"))
		c.tftp.busy_poll_us = atoi(getenv("BENCH_TFTP_BUSY_POLL_US"));
	busy_poll_us = c.tftp.busy_poll_us;
	snprintf(c.tftp.user, sizeof(c.tftp.user), "%s", pw->pw_name);
	if (tl_pki_cluster_init(dir, &c, 1, NULL, &e))
		bu_die("cluster init", e.msg);
	write_template();
	if (tl_store_open(&s, dir, &e))
		bu_die("store", e.msg);
	tl_device_init(&d);
	snprintf(d.name, sizeof(d.name), DEVICE);
	snprintf(d.model, sizeof(d.model), "CP-8865");
	snprintf(d.template_name, sizeof(d.template_name), "bench");
	if (tl_dev_put(&s, &d, 1, &e))
		bu_die("device", e.msg);
	tl_store_close(&s);
	/* incompressible, so no layer below can make it cheaper than it is */
	for (size_t i = 0; i < BIG_SIZE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		big[i] = (uint8_t)x;
	}
	snprintf(path, sizeof(path), "%s/tftpboot/big.bin", dir);
	write_file(path, big, BIG_SIZE);
	free(big);
}

/* Devices up to n in one transaction, as `trustline device import` does. */
static void add_devices(int n)
{
	size_t cap = (size_t)n * 40 + 64, len;
	char *csv = malloc(cap);
	int added;
	tl_store s;
	tl_err e;

	if (csv == NULL)
		bu_die("devices", "out of memory");
	len = (size_t)sprintf(csv, "name,model,template\n");
	for (int i = 2; i <= n; i++)
		len += (size_t)sprintf(csv + len, "SEP00BE0C%06X,CP-8865,bench\n", i);
	if (tl_store_open(&s, dir, &e) ||
	    tl_dev_import_csv(&s, csv, len, "bench.csv", &added, &e))
		bu_die("devices", e.msg);
	tl_store_close(&s);
	free(csv);
}

/* ---- the servers ---- */

static const char *const tftpd_argv[] = { "tftpd", "--data-dir", dir, "--listen",
	"127.0.0.1", "--port", "0", "--http-port", "-1", "--foreground", NULL };
static const char *const *tftpd_args = tftpd_argv + 1;

/* bin with argv, its standard error appended to log, stopped at exit. */
static pid_t spawn(const char *bin, const char *const *argv, const char *log)
{
	int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid_t pid;

	if (lfd < 0)
		bu_die(log, "cannot create the log");
	if ((pid = fork()) == 0) {
		dup2(lfd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(lfd);
	if (pid < 0)
		bu_die("fork", strerror(errno));
	bu_child(pid);
	return pid;
}

/* tftpd-hpa in the foreground on a free loopback port, serving hdir. */
static pid_t start_hpa(const char *bin, const char *hdir, const char *log, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct passwd *pw = getpwuid(geteuid());
	char addr[64];
	const char *argv[] = { "in.tftpd", "-L", "-a", addr, "-s", hdir, "-u",
		pw->pw_name, NULL };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	/* a port the kernel just found free, given back for tftpd-hpa */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		bu_die("tftpd-hpa", "no free port");
	*port = ntohs(a.sin_port);
	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", *port);
	return spawn(bin, argv, log);
}

/* Fetches file until the server answers (it binds after it starts). */
static uint8_t *fetch(int port, const char *file, size_t *len)
{
	tl_tftpc_opts o;
	tl_tftpc_result r;
	uint8_t *p;
	tl_err e;

	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = port;
	o.timeout_ms = 100;
	o.retries = 50;
	if (tl_tftp_fetch(&o, file, BIG_SIZE, &p, len, &r, &e))
		bu_die(file, e.msg);
	return p;
}

/* VmHWM of one process, kB: the peak, which a render may set. */
static long peak_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) && sscanf(line, "VmHWM: %ld kB", &kb) != 1)
		;
	fclose(f);
	return kb;
}

/* The first line of log holding key, or "". */
static void log_line(const char *log, const char *key, char *out, size_t n)
{
	FILE *f = fopen(log, "r");
	char line[1024];

	*out = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, key)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, n, "%s", strstr(line, key));
			break;
		}
	if (f)
		fclose(f);
}

/* ---- the table ---- */

static void row3(const char *what, const char *hpa, const char *ours, const char *target)
{
	printf("  %-34s %18s %18s   %s\n", what, hpa, ours, target);
}

static const char *fmt(char *b, const char *f, double v)
{
	snprintf(b, 32, f, v);
	return b;
}

static const char *counts(char *b, const result *r)
{
	snprintf(b, 32, "%d / %d / %d", r->resent, r->failed, r->timedout);
	return b;
}

static const char *verdict(char *b, const char *target, int pass)
{
	snprintf(b, 128, "%-26.64s %s", target, pass ? "PASS" : "MISS");
	return b;
}

static void small_rows(const result *h, const result *o)
{
	char a[32], b[32], t[128], tg[64];
	double hr = h->ok / h->secs, or = o->ok / o->secs;

	printf("(a) %s (%.0f bytes), %d downloads at concurrency %d, blksize 512\n",
	       CNF, o->bytes / (o->ok ? o->ok : 1), o->n, CONC);
	snprintf(tg, sizeof(tg), ">= %.0fx tftpd-hpa (%.2fx)", SMALL_TARGET, hr > 0 ? or / hr : 0);
	row3("downloads/s", fmt(a, "%.0f", hr), fmt(b, "%.0f", or),
	     verdict(t, tg, or >= SMALL_TARGET * hr && o->resent == 0 && o->ok == o->n));
	row3("MB/s", fmt(a, "%.1f", h->bytes / h->secs / 1e6),
	     fmt(b, "%.1f", o->bytes / o->secs / 1e6), "");
	row3("latency p50 / p99, ms", "", "", "");
	snprintf(a, sizeof(a), "%.1f / %.1f", h->p50 * 1e3, h->p99 * 1e3);
	snprintf(b, sizeof(b), "%.1f / %.1f", o->p50 * 1e3, o->p99 * 1e3);
	row3("", a, b, "");
	row3("retransmitted / failed / timed out", counts(a, h), counts(b, o),
	     verdict(t, "none retransmitted", o->resent == 0));
}

static void bulk_rows(const char *title, const result *h, const result *o,
		      double target_x, double target_mbs)
{
	char a[32], b[32], t[128], tg[64];
	double hr = h ? h->bytes / h->secs / 1e6 : 0, or = o->bytes / o->secs / 1e6;

	printf("%s\n", title);
	if (h)
		snprintf(tg, sizeof(tg), ">= %.0fx tftpd-hpa (%.2fx)", target_x, hr > 0 ? or / hr : 0);
	else
		snprintf(tg, sizeof(tg), ">= %.0f MB/s", target_mbs);
	row3("MB/s", h ? fmt(a, "%.1f", hr) : "-", fmt(b, "%.1f", or),
	     verdict(t, tg, o->ok == 1 && (h ? or >= target_x * hr : or >= target_mbs)));
	row3("seconds", h ? fmt(a, "%.2f", h->secs) : "-", fmt(b, "%.2f", o->secs), "");
	row3("retransmitted / failed / timed out", h ? counts(a, h) : "-", counts(b, o), "");
}

/* The better of two runs of one 30 MB transfer: one transfer is at the
 * mercy of one scheduling hiccup. */
/* A reset storm while tftpd signs every configuration again (a new
 * CallManager certificate): batches of downloads at concurrency 500 from
 * the change until the new namespace is served, their latencies together.
 * The configuration changes under the phones, so any bytes will do. */
static result storm(const char *self, int port, const char *log, char *reload,
		    size_t n)
{
	char cmd[1200];
	result all, r;
	double t0, worst = 0;

	snprintf(cmd, sizeof(cmd), "%s", self);
	snprintf(strrchr(cmd, '/'), sizeof(cmd) - strlen(cmd),
		 "/../bin/trustline cert generate CallManager --node cucm-pub "
		 "--data-dir %s >/dev/null", dir);
	if (system(cmd) != 0)
		bu_die("trustline cert generate", "failed");
	memset(&all, 0, sizeof(all));
	t0 = bu_now();
	for (*reload = 0; !*reload && bu_now() - t0 < 120;
	     log_line(log, "event=reload result=", reload, n)) {
		r = run_load(port, CNF, NULL, 0, 1000, CONC, &(tl_tftp_opts){ 0 });
		all.n += r.n;
		all.ok += r.ok;
		all.resent += r.resent;
		all.failed += r.failed;
		all.timedout += r.timedout;
		all.bytes += r.bytes;
		all.p50 = r.p50 > all.p50 ? r.p50 : all.p50;
		worst = r.p99 > worst ? r.p99 : worst;
	}
	all.secs = bu_now() - t0;
	all.p99 = worst;
	return all;
}

static result bulk(int port, const uint8_t *big, const tl_tftp_opts *want)
{
	result a = run_load(port, "big.bin", big, BIG_SIZE, 1, 1, want);
	result b = run_load(port, "big.bin", big, BIG_SIZE, 1, 1, want);

	return a.ok && (!b.ok || a.secs < b.secs) ? a : b;
}

int main(int argc, char **argv)
{
	const char *hpa_bin = getenv("BENCH_TFTPD_HPA") ? getenv("BENCH_TFTPD_HPA")
							: "/usr/sbin/in.tftpd";
	int small = getenv("BENCH_TFTP_SMALL") ? atoi(getenv("BENCH_TFTP_SMALL")) : 2000;
	int devices = getenv("BENCH_TFTP_DEVICES") ? atoi(getenv("BENCH_TFTP_DEVICES"))
						   : 10000;
	char hdir[700], path[800], log[700], hlog[700], render[256], started[256], reload[256], a[32], b[32],
	     t[128], tg[32];
	tl_tftp_opts plain = { 0 }, b1428 = { .blksize = BLKSIZE },
		     w8 = { .blksize = BLKSIZE, .windowsize = WINDOW };
	result hs, os, hb, ob, ow, st;
	uint8_t *cnf, *big;
	size_t cnf_len, big_len;
	int port, hport;
	long ours_rss, ours_hwm, hpa_rss, big_rss, big_hwm;
	pid_t pid, hpid;
	double t0, rsa, storm_cpu;

	(void)argc;
	bu_time_limit(300);
	if (access(hpa_bin, X_OK))
		bu_die(hpa_bin, "not installed (apt-get install tftpd-hpa)");
	rsa = bu_rsa_limits();
	t0 = bu_now();
	setup();
	snprintf(log, sizeof(log), "%s/tftpd.log", dir);
	snprintf(hlog, sizeof(hlog), "%s/hpa.log", dir);
	pid = bu_daemon(argv[0], "tftpd", tftpd_args, log, &port);
	/* tftpd-hpa serves the very bytes tftpd rendered and signed */
	cnf = fetch(port, CNF, &cnf_len);
	snprintf(path, sizeof(path), "%s/tftpboot/big.bin", dir);
	big = read_file(path, &big_len);
	snprintf(hdir, sizeof(hdir), "%s/hpa", dir);
	mkdir(hdir, 0755);
	snprintf(path, sizeof(path), "%s/%s", hdir, CNF);
	write_file(path, cnf, cnf_len);
	snprintf(path, sizeof(path), "%s/big.bin", hdir);
	write_file(path, big, big_len);
	hpid = start_hpa(hpa_bin, hdir, hlog, &hport);
	free(fetch(hport, CNF, &cnf_len));
	printf("\nsetup %.1f s: tftpd on 127.0.0.1:%d, tftpd-hpa on 127.0.0.1:%d, %ld cores\n",
	       bu_now() - t0, port, hport, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);

	hs = run_load(hport, CNF, cnf, cnf_len, small, CONC, &plain);
	os = run_load(port, CNF, cnf, cnf_len, small, CONC, &plain);
	hb = bulk(hport, big, &b1428);
	ob = bulk(port, big, &b1428);
	ow = bulk(port, big, &w8);
	ours_rss = bu_proc_rss_kb(pid);
	ours_hwm = peak_kb(pid);
	hpa_rss = bu_proc_rss_kb(hpid);
	bu_stop(hpid);
	bu_stop(pid);

	/* a cluster of phones: every configuration rendered, signed, cached */
	add_devices(devices);
	snprintf(log, sizeof(log), "%s/tftpd-%d.log", dir, devices);
	/* not bu_daemon: rendering 10,000 devices outlasts its wait */
	snprintf(path, sizeof(path), "%s", argv[0]);
	snprintf(strrchr(path, '/'), sizeof(path) - strlen(path), "/../bin/tftpd");
	t0 = bu_now();
	pid = spawn(path, tftpd_argv, log);
	for (*render = 0; !*render && waitpid(pid, NULL, WNOHANG) == 0; usleep(50000))
		log_line(log, "event=start", render, sizeof(render));
	if (!*render)
		bu_die("tftpd", "exited while rendering (see its log)");
	t0 = bu_now() - t0;
	big_rss = bu_proc_rss_kb(pid);
	big_hwm = peak_kb(pid);
	log_line(log, "event=start", started, sizeof(started));
	log_line(log, "event=render devices=", render, sizeof(render));
	storm_cpu = bu_proc_cpu(pid);
	st = storm(argv[0], atoi(strstr(started, " port=") + 6), log, reload,
		   sizeof(reload));
	storm_cpu = bu_proc_cpu(pid) - storm_cpu;
	bu_stop(pid);

	printf("\nmake bench-tftp: trustline tftpd against tftpd-hpa, 127.0.0.1, the same "
	       "files and generator\n(the generator: tftp/tftpclient on one event loop; "
	       "a phone's %d ms timeout, %d retries, polling for %d us after each packet;\n"
	       "tftpd's busy_poll_us = %d)\n\n", TIMEOUT_MS, RETRIES, GENERATOR_SPIN_US,
	       busy_poll_us);
	row3("", "tftpd-hpa 5.2", "trustline tftpd", "target");
	small_rows(&hs, &os);
	bulk_rows("(b) big.bin (30 MB), blksize 1428", &hb, &ob, BULK_TARGET, 0);
	bulk_rows("(b) big.bin (30 MB), blksize 1428, windowsize 8", NULL, &ow, 0,
		  WINDOW_TARGET);
	printf("server memory after (a) and (b)\n");
	snprintf(a, sizeof(a), "%.1f MB", hpa_rss / 1024.0);
	snprintf(b, sizeof(b), "%.1f / %.1f MB", ours_rss / 1024.0, ours_hwm / 1024.0);
	row3("VmRSS (tftpd: VmRSS / VmHWM)", a, b, "(tftpd-hpa: its listener)");
	printf("%d devices' configurations rendered, signed and cached\n", devices);
	snprintf(b, sizeof(b), "%.1f / %.1f MB", big_rss / 1024.0, big_hwm / 1024.0);
	snprintf(tg, sizeof(tg), "< %.0f MB", RSS_TARGET_MB);
	row3("VmRSS / VmHWM", "-", b, verdict(t, tg, big_rss / 1024.0 < RSS_TARGET_MB));
	snprintf(b, sizeof(b), "%.1f s", t0);
	row3("start to serving (render included)", "-", b, "");
	printf("  tftpd: %s\n  tftpd: %s\n  (big.bin, 30 MB, is held as well: the "
	       "configurations are what is left)\n", render, started);
	printf("a reset storm while a new CallManager certificate re-signs all %d\n",
	       devices);
	snprintf(b, sizeof(b), "%d in %.1f s", st.ok, st.secs);
	row3("downloads until the new files serve", "-", b, "");
	snprintf(b, sizeof(b), "%.1f s", storm_cpu);
	snprintf(t, sizeof(t), "(%d RSA-2048 signatures: %.1f s)", devices, devices / rsa);
	row3("tftpd CPU, re-sign and downloads", "-", b, t);
	snprintf(b, sizeof(b), "%.1f / %.1f", st.p50 * 1000, st.p99 * 1000);
	row3("latency, worst batch's p50 / p99, ms", "-", b, "");
	row3("retransmitted / failed / timed out", "-", counts(a, &st),
	     verdict(t, "none retransmitted", st.resent + st.failed + st.timedout == 0 &&
		     *reload));
	printf("  tftpd: %s\n", *reload ? reload : "(no reload within 120 s)");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	free(cnf);
	free(big);
	return 0;
}
