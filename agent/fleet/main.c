/* SPDX-License-Identifier: Apache-2.0 */
/* omadm-fleet: load-test an MDM server with many simulated Windows devices
 * in one process (see fleet.h, loop.c). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "fleet.h"
#include "omadm/log.h"

#define MAX_DEVICES 1000000u

static volatile int stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fputs("usage: omadm-fleet --devices N --server URL --ca FILE --state-dir DIR\n"
          "                   [--issue-ca FILE --issue-key FILE | --enroll URL\n"
          "                    [--enroll-user NAME --enroll-secret-file FILE |\n"
          "                     --enroll-token-file FILE]] [--poll SECONDS]\n"
          "                   [--duration SECONDS] [--ramp SECONDS] [--time-scale X]\n"
          "                   [--max-inflight N] [--timeout SECONDS] [--max-reply BYTES] [--json]\n"
          "\n"
          "  --devices N        simulated devices (1..1000000)\n"
          "  --server URL       the MDM server's https:// URL\n"
          "  --ca FILE          PEM CA bundle the server's certificate is checked against\n"
          "  --state-dir DIR    one sub-directory per device (kept between runs)\n"
          "  --issue-ca/-key    CA certificate and key that sign a device certificate\n"
          "                     (CN = device id) for each device that has none\n"
          "  --enroll URL       enroll each device once (MS-MDE2) at this server instead;\n"
          "                     its certificate and key stay in its directory\n"
          "  --enroll-user NAME and --enroll-secret-file FILE (owner-only): OnPremise\n"
          "  --enroll-token-file FILE (owner-only): Federated\n"
          "  --poll SECONDS     sim seconds between a device's sessions, +-10% (900)\n"
          "  --duration SECONDS real seconds to run, 0 = until Ctrl-C (0)\n"
          "  --ramp SECONDS     real seconds over which the devices come up (0)\n"
          "  --time-scale X     sim seconds per real second (1)\n"
          "  --max-inflight N   sessions at once (64)\n"
          "  --timeout SECONDS  per HTTPS exchange (30)\n"
          "  --max-reply BYTES  largest reply accepted (1048576)\n"
          "  --json             the final summary as one JSON object\n",
          out);
}

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
    va_list ap;

    fputs("omadm-fleet: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (--help for usage)\n", stderr);
    return 2;
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int readable(const char *path)
{
    FILE *f = fopen(path, "r");

    if (!f)
        return 0;
    fclose(f);
    return 1;
}

static unsigned log_lines;

static void on_log(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    (void)level;
    if (log_lines++ < 20)
        fprintf(stderr, "omadm-fleet: libomadm: %s\n", line);
}

/* Fills *o from argv; 0, or the exit status (2) after saying why. */
static int parse_args(int argc, char **argv, fleet_options *o, const char **secret_file,
                      const char **token_file)
{
    double v;
    int i;

    memset(o, 0, sizeof *o);
    o->poll = 900;
    o->time_scale = 1;
    o->max_inflight = 64;
    o->timeout_ms = 30000;
    o->max_reply = 1048576;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        }
        if (i + 1 >= argc)
            return bad("%s needs a value", a);
        val = argv[i + 1];
        if (!strcmp(a, "--devices")) {
            if (parse_num(val, 1, MAX_DEVICES, &v) || v != (unsigned)v)
                return bad("--devices %s: expected a whole number 1..1000000", val);
            o->devices = (unsigned)v;
        } else if (!strcmp(a, "--server")) {
            CURLU *u = curl_url();
            CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, val, 0) : CURLUE_OUT_OF_MEMORY;
            curl_url_cleanup(u);
            if (strncmp(val, "https://", 8) != 0)
                return bad("--server %s: only https:// URLs", val);
            if (uc != CURLUE_OK)
                return bad("--server %s: %s", val, curl_url_strerror(uc));
            o->server = val;
        } else if (!strcmp(a, "--ca")) {
            o->ca = val;
        } else if (!strcmp(a, "--state-dir")) {
            o->state_dir = val;
        } else if (!strcmp(a, "--issue-ca")) {
            o->issue_ca = val;
        } else if (!strcmp(a, "--issue-key")) {
            o->issue_key = val;
        } else if (!strcmp(a, "--enroll")) {
            if (strncmp(val, "https://", 8) != 0)
                return bad("--enroll %s: only https:// URLs", val);
            o->enroll = val;
        } else if (!strcmp(a, "--enroll-user")) {
            o->enroll_user = val;
        } else if (!strcmp(a, "--enroll-secret-file")) {
            *secret_file = val;
        } else if (!strcmp(a, "--enroll-token-file")) {
            *token_file = val;
        } else if (!strcmp(a, "--poll")) {
            if (parse_num(val, 1, 31 * 86400, &o->poll))
                return bad("--poll %s: expected seconds, 1..2678400", val);
        } else if (!strcmp(a, "--duration")) {
            if (parse_num(val, 0, 366 * 86400, &o->duration))
                return bad("--duration %s: expected seconds (0 = until Ctrl-C)", val);
        } else if (!strcmp(a, "--ramp")) {
            if (parse_num(val, 0, 86400, &o->ramp))
                return bad("--ramp %s: expected seconds, 0..86400", val);
        } else if (!strcmp(a, "--time-scale")) {
            if (parse_num(val, 0.001, 10000, &o->time_scale))
                return bad("--time-scale %s: expected 0.001..10000", val);
        } else if (!strcmp(a, "--max-inflight")) {
            if (parse_num(val, 1, 10000, &v) || v != (unsigned)v)
                return bad("--max-inflight %s: expected 1..10000", val);
            o->max_inflight = (unsigned)v;
        } else if (!strcmp(a, "--timeout")) {
            if (parse_num(val, 0.1, 3600, &v))
                return bad("--timeout %s: expected seconds, 0.1..3600", val);
            o->timeout_ms = (long)(v * 1000);
        } else if (!strcmp(a, "--max-reply")) {
            if (parse_num(val, 1024, 64.0 * 1048576, &v) || v != (double)(size_t)v)
                return bad("--max-reply %s: expected bytes, 1024..67108864", val);
            o->max_reply = (size_t)v;
        } else {
            return bad("unknown option %s", a);
        }
        i++;
    }
    if (!o->devices || !o->server || !o->ca || !o->state_dir)
        return bad("%s", "--devices, --server, --ca and --state-dir are required");
    if (!readable(o->ca))
        return bad("--ca %s: cannot read it", o->ca);
    if (!o->issue_ca != !o->issue_key)
        return bad("%s", "--issue-ca and --issue-key go together");
    if (o->enroll && o->issue_ca)
        return bad("%s", "--enroll and --issue-ca exclude each other");
    if (!o->enroll && (o->enroll_user || *secret_file || *token_file))
        return bad("%s", "--enroll-user/-secret-file/-token-file need --enroll");
    if (o->enroll && !*token_file && !(o->enroll_user && *secret_file))
        return bad("%s", "--enroll needs --enroll-user with --enroll-secret-file, or "
                         "--enroll-token-file");
    if (*token_file && (o->enroll_user || *secret_file))
        return bad("%s", "--enroll-token-file excludes --enroll-user/-secret-file");
    if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST)
        return bad("--state-dir %s: cannot create it", o->state_dir);
    if (access(o->state_dir, W_OK | X_OK) != 0)
        return bad("--state-dir %s: not a writable directory", o->state_dir);
    o->progress = isatty(STDOUT_FILENO);
    return 0;
}

static void wipe(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

int main(int argc, char **argv)
{
    fleet_options o;
    fleet_stats *st;
    fleet_ca *ca = NULL;
    const char *secret_file = NULL, *token_file = NULL;
    char err[300];
    int rc = parse_args(argc, argv, &o, &secret_file, &token_file);

    if (rc)
        return rc;
    if ((secret_file && fleet_read_secret(secret_file, &o.enroll_secret, err, sizeof err) != 0) ||
        (token_file && fleet_read_secret(token_file, &o.enroll_token, err, sizeof err) != 0)) {
        fprintf(stderr, "omadm-fleet: --enroll-%s-file %s\n", secret_file ? "secret" : "token",
                err);
        wipe(o.enroll_secret);
        return 2;
    }
    if (o.issue_ca && fleet_ca_load(&ca, o.issue_ca, o.issue_key, err, sizeof err) != 0) {
        fprintf(stderr, "omadm-fleet: %s\n", err);
        return 2;
    }
    st = calloc(1, sizeof *st);
    if (!st || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "omadm-fleet: cannot initialise\n");
        free(st);
        fleet_ca_free(ca);
        return 1;
    }
    omadm_log_set(on_log, NULL, OMADM_LOG_ERROR);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (o.enroll && fleet_enroll_all(&o, st, &stop_requested) != 0)
        rc = 1;
    else
        rc = fleet_run(&o, ca, st, &stop_requested) == 0 ? 0 : 1;
    if (rc == 0) {
        fleet_summary(&o, st);
        if (st->device_errors)
            rc = 1;
    }
    free(st);
    fleet_ca_free(ca);
    wipe(o.enroll_secret);
    wipe(o.enroll_token);
    curl_global_cleanup();
    return rc;
}
