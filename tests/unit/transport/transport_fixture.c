/* SPDX-License-Identifier: Apache-2.0 */
/* The transport tests' fixture (transport_fixture.h). */
#include "transport_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "omadm/log.h"

static char certdir[256];
static pid_t server_pid = -1;
static int server_stdin = -1;
int port_good, port_expired, port_wronghost, port_tarpit, port_proxy, port_tls12, port_notls;

/* ---- log capture ---------------------------------------------------- */

char logged[8192];

static void capture_log(void *user, omadm_log_level level, const char *line)
{
    size_t used = strlen(logged);

    (void)user;
    (void)level;
    snprintf(logged + used, sizeof logged - used, "%s\n", line);
}

/* ---- helpers -------------------------------------------------------- */

const char *cert(const char *name)
{
    static char paths[32][512];
    static int next;
    char *p = paths[next++ % 32];

    snprintf(p, sizeof paths[0], "%s/%s", certdir, name);
    return p;
}

static char ca_pem[512], client_pem[512], client_key[512];

const char *url(int port, const char *path)
{
    static char urls[4][128];
    static int next;
    char *u = urls[next++ % 4];

    snprintf(u, sizeof urls[0], "https://127.0.0.1:%d%s", port, path);
    return u;
}

char *slurp(const char *name)
{
    FILE *f = fopen(cert(name), "rb");
    char *data;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    return data;
}

omadm_transport_config good_config(int port, const char *path)
{
    omadm_transport_config cfg = OMADM_TRANSPORT_CONFIG_INIT;

    cfg.url = url(port, path);
    cfg.ca_file = ca_pem;
    cfg.cert_file = client_pem;
    cfg.key_file = client_key;
    cfg.connect_timeout_ms = 5000;
    cfg.total_timeout_ms = 10000;
    return cfg;
}

omadm_transport *make(const omadm_transport_config *cfg)
{
    omadm_transport *t = NULL;

    assert_int_equal(omadm_transport_new(&t, cfg), OMADM_OK);
    assert_non_null(t);
    return t;
}

void post_expect(const omadm_transport_config *cfg, const char *body, omadm_status want_st,
                 const char *want, omadm_transport_info *info)
{
    omadm_transport *t = make(cfg);
    char *resp = (char *)1;
    size_t len = 99;
    omadm_status st = omadm_transport_post(t, body, strlen(body), &resp, &len, info);

    print_message("    -> %s: %s\n", omadm_status_name(st), info->error);
    assert_string_equal(omadm_status_name(st), omadm_status_name(want_st));
    if (st == OMADM_OK) {
        assert_non_null(resp);
        assert_string_equal(info->error, "");
    } else {
        assert_null(resp);
        assert_int_equal(len, 0);
        assert_non_null(strstr(info->error, want));
    }
    omadm__free(resp);
    omadm_transport_free(t);
}

long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void server_stats(long *connections, long *tunnels)
{
    omadm_transport_config cfg = good_config(port_good, "/stats");
    omadm_transport_info info;
    omadm_transport *t;
    char *resp = NULL;
    size_t len = 0;

    cfg.proxy = "";
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, "", 0, &resp, &len, &info), OMADM_OK);
    assert_int_equal(sscanf(resp, "connections=%ld tunnels=%ld", connections, tunnels), 2);
    omadm__free(resp);
    omadm_transport_free(t);
}

/* ---- server lifetime ------------------------------------------------ */

static int run_wait(char *const argv[])
{
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void stop_server(void)
{
    if (server_stdin >= 0)
        close(server_stdin);
    server_stdin = -1;
    if (server_pid > 0) {
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
    }
    server_pid = -1;
}

static const char *const proxy_vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                          "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY" };

void clear_proxy_env(void)
{
    size_t i;

    for (i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++)
        unsetenv(proxy_vars[i]);
}

int transport_group_setup(void **state)
{
    const char *root = getenv("OMADM_SOURCE_ROOT");
    const char *tmp = getenv("TMPDIR");
    char script[512], server[512], line[256];
    int in[2], out[2];
    size_t used = 0;
    long deadline;

    (void)state;
    clear_proxy_env();
    if (!root) {
        fprintf(stderr, "OMADM_SOURCE_ROOT is not set\n");
        return -1;
    }
    snprintf(certdir, sizeof certdir, "%s/omadm-transport-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(certdir))
        return -1;
    snprintf(ca_pem, sizeof ca_pem, "%s/ca.pem", certdir);
    snprintf(client_pem, sizeof client_pem, "%s/client.pem", certdir);
    snprintf(client_key, sizeof client_key, "%s/client.key", certdir);
    snprintf(script, sizeof script, "%s/tests/unit/transport/make-certs.sh", root);
    snprintf(server, sizeof server, "%s/tests/unit/transport/tls_server.py", root);
    {
        char *argv[] = { "/bin/sh", script, certdir, NULL };
        if (run_wait(argv) != 0) {
            fprintf(stderr, "make-certs.sh failed\n");
            return -1;
        }
    }

    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0) {
        char *argv[] = { "/usr/bin/python3", server, certdir, NULL };
        /* Dies with the test, whatever kills the test. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_stdin = in[1];

    /* The port line, within 10 s. */
    deadline = now_ms() + 10000;
    while (!memchr(line, '\n', used)) {
        struct pollfd pfd = { out[0], POLLIN, 0 };
        ssize_t n;
        long left = deadline - now_ms();

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0 || used + 1 >= sizeof line)
            break;
        n = read(out[0], line + used, sizeof line - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(out[0]);
    line[used] = '\0';
    if (sscanf(line, "good=%d expired=%d wronghost=%d tarpit=%d proxy=%d tls12=%d notls=%d",
               &port_good, &port_expired, &port_wronghost, &port_tarpit, &port_proxy, &port_tls12,
               &port_notls) != 7) {
        fprintf(stderr, "test server did not start: '%s'\n", line);
        stop_server();
        return -1;
    }
    omadm_log_set(capture_log, NULL, OMADM_LOG_DEBUG);
    return 0;
}

int transport_group_teardown(void **state)
{
    (void)state;
    stop_server();
    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);
    omadm_transport_global_cleanup();
    if (certdir[0]) {
        char *argv[] = { "/bin/rm", "-rf", certdir, NULL };
        run_wait(argv);
    }
    return 0;
}

int transport_each_setup(void **state)
{
    (void)state;
    clear_proxy_env();
    logged[0] = '\0';
    return 0;
}
