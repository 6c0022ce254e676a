#include "deliver.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "json.h"

static void iso(time_t t, char *out, size_t n)
{
	struct tm tm;

	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

json_t *tl_deliver_json(const tl_conf *c, const tl_alarm *a, int raised)
{
	json_t *o = json_object();

	json_object_set_new(o, "alarm", tl_json_text(a->name));
	json_object_set_new(o, "state", json_string(raised ? "raised" : "cleared"));
	json_object_set_new(o, "severity", tl_json_text(a->severity));
	json_object_set_new(o, "object", tl_json_text(a->object));
	json_object_set_new(o, "detail", tl_json_text(a->detail));
	json_object_set_new(o, "raised", tl_json_time(a->raised ? a->raised : time(NULL)));
	json_object_set_new(o, "cluster", tl_json_text(c->name));
	return o;
}

/* ---- e-mail ---- */

typedef struct msg {
	char *text;
	size_t len, at;
} msg;

static size_t feed(char *buf, size_t size, size_t n, void *arg)
{
	msg *m = arg;
	size_t k = m->len - m->at < size * n ? m->len - m->at : size * n;

	memcpy(buf, m->text + m->at, k);
	m->at += k;
	return k;
}

/* The alarm's fields come from certificate names an outsider may choose:
 * no line break of theirs may reach the message's header or start a line
 * of its own. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			*s = ' ';
}

/* mail_from, else trustline@ the cluster's domain or this host */
static void sender(const tl_conf *c, char *out, size_t n)
{
	char host[256] = "localhost";

	if (c->mail_from[0]) {
		snprintf(out, n, "%s", c->mail_from);
		return;
	}
	if (c->domain[0])
		snprintf(host, sizeof(host), "%s", c->domain);
	else
		gethostname(host, sizeof(host) - 1);
	snprintf(out, n, "trustline@%s", host);
}

static int compose(const tl_conf *c, const char *from, const tl_alarm *raw,
		   int raised, msg *m)
{
	tl_alarm line = *raw, *a = &line;
	char date[64], when[32];
	struct tm tm;
	time_t now = time(NULL);
	FILE *f = open_memstream(&m->text, &m->len);

	if (f == NULL)
		return -1;
	one_line(line.name);
	one_line(line.object);
	one_line(line.severity);
	one_line(line.detail);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
	iso(a->raised ? a->raised : now, when, sizeof(when));
	fprintf(f, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n"
		"Subject: [trustline %s] %s %s: %s\r\n"
		"Message-ID: <%ld.%ld@trustline.%s>\r\n"
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Auto-Submitted: auto-generated\r\n\r\n",
		date, from, c->mail_to, c->name, a->name,
		raised ? "raised" : "cleared", a->object, (long)now, (long)getpid(),
		c->name[0] ? c->name : "cluster");
	fprintf(f, "Alarm:    %s (%s)\r\nState:    %s\r\nObject:   %s\r\n"
		"Detail:   %s\r\nSince:    %s\r\nCluster:  %s\r\n\r\n"
		"Sent by trustline's certificate monitor; `trustline cert monitor` "
		"shows every alarm.\r\n", a->name, a->severity,
		raised ? "raised" : "cleared", a->object, a->detail, when, c->name);
	return fclose(f) != 0 ? -1 : 0;
}

static int mail(const tl_conf *c, const tl_alarm *a, int raised, tl_err *e)
{
	struct curl_slist *rcpt = NULL;
	char *to = strdup(c->mail_to), *save = NULL, *password = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", from[300];
	msg m = { 0 };
	CURL *h;
	CURLcode rc;
	int n = 0;

	if (to == NULL)
		return tl_fail(e, "out of memory");
	for (char *r = strtok_r(to, ", ", &save); r; r = strtok_r(NULL, ", ", &save)) {
		struct curl_slist *l = curl_slist_append(rcpt, r);

		if (l == NULL)
			break;
		rcpt = l;
		n++;
	}
	free(to);
	if (n == 0) {
		curl_slist_free_all(rcpt);
		return tl_fail(e, "mail_to names no recipient");
	}
	if (c->smtp_password_file[0]) {
		size_t len;

		if (tl_read_file(c->smtp_password_file, 4096, (uint8_t **)&password,
				 &len, e)) {
			curl_slist_free_all(rcpt);
			return tl_wrap(e, "smtp_password_file");
		}
		password = realloc(password, len + 1);
		if (password == NULL) {
			curl_slist_free_all(rcpt);
			return tl_fail(e, "out of memory");
		}
		password[len] = 0;
		password[strcspn(password, "\r\n")] = 0;
	}
	sender(c, from, sizeof(from));
	if (compose(c, from, a, raised, &m) || (h = curl_easy_init()) == NULL) {
		free(m.text);
		free(password);
		curl_slist_free_all(rcpt);
		return tl_fail(e, "out of memory");
	}
	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, feed);
	curl_easy_setopt(h, CURLOPT_READDATA, &m);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* smtps:// is TLS from the start; smtp:// must upgrade with STARTTLS
	 * unless smtp_starttls = off says the relay is trusted without it */
	curl_easy_setopt(h, CURLOPT_USE_SSL, c->smtp_starttls ? (long)CURLUSESSL_ALL
							       : (long)CURLUSESSL_NONE);
	if (c->smtp_ca_file[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file);
	if (c->smtp_user[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
	}
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(m.text);
	if (rc != CURLE_OK)
		return tl_fail(e, "e-mail to %s through %s: %s", c->mail_to, c->smtp_url,
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return 0;
}

/* ---- notify_command ---- */

static int hook(const tl_conf *c, const tl_alarm *a, int raised, tl_err *e)
{
	char *json = NULL;
	size_t len = 0, at = 0;
	FILE *f = open_memstream(&json, &len);
	int in[2], status = 0, done = 0, bad;
	time_t deadline;
	pid_t pid;

	if (f == NULL)
		return tl_fail(e, "out of memory");
	bad = tl_json_write(tl_deliver_json(c, a, raised), f);
	if (fclose(f) || bad) {
		free(json);
		return tl_fail(e, "out of memory");
	}
	if (pipe2(in, O_CLOEXEC)) {
		free(json);
		return tl_fail(e, "notify_command: pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		free(json);
		close(in[0]);
		close(in[1]);
		return tl_fail(e, "notify_command: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* its own process group, so a timeout stops what it started too */
		setpgid(0, 0);
		dup2(in[0], 0);
		setenv("TRUSTLINE_ALARM", a->name, 1);
		setenv("TRUSTLINE_ALARM_STATE", raised ? "raised" : "cleared", 1);
		setenv("TRUSTLINE_ALARM_OBJECT", a->object, 1);
		execl("/bin/sh", "sh", "-c", c->notify_command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(in[0]);
	deadline = time(NULL) + c->notify_timeout;
	/* the JSON is small, but a command that never reads must not block us */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (!done) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			done = 1;
			break;
		}
		if (time(NULL) >= deadline)
			break;
		if (in[1] >= 0 && at < len) {
			ssize_t k = write(in[1], json + at, len - at);

			if (k > 0)
				at += (size_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EINTR)
				at = len;	/* it closed its input: fine */
		}
		if (in[1] >= 0 && at >= len) {
			close(in[1]);
			in[1] = -1;
		}
		poll(NULL, 0, 20);
	}
	if (in[1] >= 0)
		close(in[1]);
	free(json);
	if (!done) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		return tl_fail(e, "notify_command did not finish within %d s and was "
			       "stopped", c->notify_timeout);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return tl_fail(e, "notify_command exited %d", WEXITSTATUS(status));
	return tl_fail(e, "notify_command was killed by signal %d", WTERMSIG(status));
}

int tl_deliver(const tl_conf *c, const tl_alarm *a, int raised, tl_err *e)
{
	tl_err me = { 0 }, he = { 0 };
	int bad_mail = 0, bad_hook = 0;

	if (c->mail_to[0] && c->smtp_url[0])
		bad_mail = mail(c, a, raised, &me) != 0;
	if (c->notify_command[0])
		bad_hook = hook(c, a, raised, &he) != 0;
	if (bad_mail && bad_hook)
		return tl_fail(e, "%s; %s", me.msg, he.msg);
	if (bad_mail || bad_hook)
		return tl_fail(e, "%s", bad_mail ? me.msg : he.msg);
	return 0;
}

void tl_deliver_change(tl_store *s, const tl_alarm *a, int raised)
{
	tl_err e;

	if (tl_deliver(&s->conf, a, raised, &e) == 0)
		return;
	fprintf(stderr, "trustline: warning: alarm %s %s for %s not delivered: %s\n",
		a->name, raised ? "raised" : "cleared", a->object, e.msg);
	if (raised)
		tl_alarm_clear(s, a->name, a->object, &e);
}
