/* Transport against a real HTTPS server on loopback: tls_server.py (Python
 * standard library) with certificates made by make-certs.sh at start.
 *
 * The group setup makes the certificates in a temp dir and starts the
 * server; the group teardown (which cmocka runs even when a test fails)
 * closes the server's stdin and kills it. The server also dies on its own
 * with this process (PR_SET_PDEATHSIG, stdin EOF) and after 120 s. Proxy
 * variables are cleared: nothing here leaves 127.0.0.1. */
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
#include "transport/transport.h"

#define MiB (1024 * 1024)

static char certdir[256];
static pid_t server_pid = -1;
static int server_stdin = -1;
static int port_good, port_expired, port_wronghost, port_tarpit, port_proxy, port_tls12, port_notls;

/* ---- log capture ---------------------------------------------------- */

static char logged[8192];

static void capture_log(void *user, omadm_log_level level, const char *line)
{
    size_t used = strlen(logged);

    (void)user;
    (void)level;
    snprintf(logged + used, sizeof logged - used, "%s\n", line);
}

/* ---- helpers -------------------------------------------------------- */

/* A path in certdir; valid until 32 more calls. */
static const char *cert(const char *name)
{
    static char paths[32][512];
    static int next;
    char *p = paths[next++ % 32];

    snprintf(p, sizeof paths[0], "%s/%s", certdir, name);
    return p;
}

static char ca_pem[512], client_pem[512], client_key[512];

static const char *url(int port, const char *path)
{
    static char urls[4][128];
    static int next;
    char *u = urls[next++ % 4];

    snprintf(u, sizeof urls[0], "https://127.0.0.1:%d%s", port, path);
    return u;
}

/* Mutual TLS with the test CA: what a good client has. */
static omadm_transport_config good_config(int port, const char *path)
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

static omadm_transport *make(const omadm_transport_config *cfg)
{
    omadm_transport *t = NULL;

    assert_int_equal(omadm_transport_new(&t, cfg), OMADM_OK);
    assert_non_null(t);
    return t;
}

/* One POST of `body` on a new transport; asserts the status and that the
 * error message contains `want` (or is empty on success). */
static void post_expect(const omadm_transport_config *cfg, const char *body, omadm_status want_st,
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

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "connections=N tunnels=M" from the server's /stats, over a direct
 * connection whatever the environment says. */
static void server_stats(long *connections, long *tunnels)
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

static void clear_proxy_env(void)
{
    size_t i;

    for (i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++)
        unsetenv(proxy_vars[i]);
}

static int group_setup(void **state)
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

static int group_teardown(void **state)
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

static int each_setup(void **state)
{
    (void)state;
    clear_proxy_env();
    logged[0] = '\0';
    return 0;
}

/* ---- tests ---------------------------------------------------------- */

/* Mutual TLS; two messages on one handle share one connection (the server
 * sees the second request on the same connection). */
static void test_ok_mutual_tls_and_reuse(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/reuse");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 0;
    long conn1, req1, conn2, req2;

    (void)state;
    assert_int_equal(omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info), OMADM_OK);
    assert_int_equal(info.http_status, 200);
    assert_int_equal(info.num_connects, 1);
    assert_string_equal(info.error, "");
    assert_int_equal(sscanf(resp, "%ld %ld", &conn1, &req1), 2);
    assert_int_equal(req1, 1);
    assert_int_equal(len, strlen(resp));
    omadm__free(resp);

    assert_int_equal(omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info), OMADM_OK);
    assert_int_equal(info.num_connects, 0); /* reused */
    assert_int_equal(sscanf(resp, "%ld %ld", &conn2, &req2), 2);
    assert_int_equal(conn2, conn1);
    assert_int_equal(req2, 2);
    omadm__free(resp);
    omadm_transport_free(t);
}

/* The body goes out as sent and comes back byte for byte; the response's
 * Content-Type with a charset parameter is accepted. */
static void test_echo_body(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    static const char body[] = "<SyncML xmlns=\"SYNCML:SYNCML1.2\">\xc3\xa9\0tail</SyncML>";
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_transport_post(t, body, sizeof body - 1, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, sizeof body - 1);
    assert_memory_equal(resp, body, sizeof body - 1);
    assert_int_equal(resp[len], '\0');
    assert_string_equal(info.content_type, "application/vnd.syncml.dm+xml; charset=utf-8");
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_request_headers(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/headers");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_transport_post(t, "abc", 3, &resp, &len, &info), OMADM_OK);
    assert_non_null(strstr(resp, "ct=application/vnd.syncml.dm+xml\n"));
    assert_non_null(strstr(resp, "accept=application/vnd.syncml.dm+xml\n"));
    assert_non_null(strstr(resp, "ua=MSFT OMA DM Client/1.2.0.1\n"));
    assert_non_null(strstr(resp, "expect=None\n"));
    assert_non_null(strstr(resp, "len=3\nbody=abc\n"));
    omadm__free(resp);
    omadm_transport_free(t);

    cfg.user_agent = "omadm-agent/0.1";
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, "", 0, &resp, &len, &info), OMADM_OK);
    assert_non_null(strstr(resp, "ua=omadm-agent/0.1\n"));
    assert_non_null(strstr(resp, "len=0\n"));
    omadm__free(resp);
    omadm_transport_free(t);
}

/* The key inside the certificate file (key_file NULL). */
static void test_key_in_cert_file(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.cert_file = cert("client-combined.pem");
    cfg.key_file = NULL;
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
}

static void test_wrong_ca(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.ca_file = cert("other-ca.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS,
                /* the server sends its chain, root included */
                "TLS: server certificate verification failed (self-signed certificate in "
                "certificate chain)",
                &info);
    assert_int_equal(info.http_status, 0);
}

static void test_expired_server_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_expired, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TLS,
                "TLS: server certificate verification failed (certificate has expired)", &info);
}

static void test_wrong_host_name(void **state)
{
    omadm_transport_config cfg = good_config(port_wronghost, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: server certificate verification failed", &info);
    assert_non_null(strstr(info.error, "'127.0.0.1'"));
}

/* The server requires a client certificate: none, or one from another CA. */
static void test_no_client_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    /* The server's alert or its closing the connection may come first: the
     * message varies, not the status. */
    cfg.cert_file = NULL;
    cfg.key_file = NULL;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: the server ", &info);
    assert_non_null(strstr(info.error, "client certificate"));
    assert_int_equal(info.http_status, 0);

    cfg.cert_file = cert("other-client.pem");
    cfg.key_file = cert("other-client.key");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: the server ", &info);
    assert_non_null(strstr(info.error, "client certificate"));
    assert_int_equal(info.http_status, 0);
}

static void test_unreadable_client_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.cert_file = cert("no-such-cert.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: client certificate or key unusable", &info);
    /* The key's content never reaches the log. */
    assert_null(strstr(logged, "PRIVATE KEY"));
    /* Whole: the file and OpenSSL's reason, not libcurl's sentence cut off
     * at 256 bytes. */
    assert_non_null(strstr(info.error, "no-such-cert.pem (No such file or directory)"));
    assert_int_equal(info.error[strlen(info.error) - 1], ')');

    cfg.cert_file = cert("client.pem");
    cfg.key_file = cert("no-such-key.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "cannot use private key ", &info);
    assert_non_null(strstr(info.error, "no-such-key.pem (unreadable, protected by a pass phrase, "
                                       "or not the certificate's key)"));
}

static void test_not_https(void **state)
{
    static const char *const bad[] = { "http://127.0.0.1:1/ok", "ftp://127.0.0.1/x", "127.0.0.1/ok",
                                       "httpsx://127.0.0.1/" };
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport *t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        logged[0] = '\0';
        cfg.url = bad[i];
        t = (omadm_transport *)1;
        assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
        assert_null(t);
        assert_non_null(strstr(logged, "URL scheme must be https"));
    }
    /* The scheme is case-insensitive (RFC 3986). */
    cfg.url = "HTTPS://127.0.0.1:1/ok";
    t = make(&cfg);
    omadm_transport_free(t);
}

static void test_invalid_arguments(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t;
    char *resp;
    size_t len;

    (void)state;
    assert_int_equal(omadm_transport_new(NULL, &cfg), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_new(&t, NULL), OMADM_ERR_INVALID);
    cfg.url = "";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_non_null(strstr(logged, "no server URL"));
    cfg = good_config(port_good, "/ok");
    cfg.cert_file = NULL;
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_non_null(strstr(logged, "a client key needs a client certificate"));
    cfg = good_config(port_good, "/ok");
    cfg.total_timeout_ms = -1;
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);

    cfg = good_config(port_good, "/ok");
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, NULL, 3, &resp, &len, &info), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_post(t, "x", 1, NULL, &len, &info), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_post(NULL, "x", 1, &resp, &len, NULL), OMADM_ERR_INVALID);
    /* NULL body of length 0 and no info are fine. */
    assert_int_equal(omadm_transport_post(t, NULL, 0, &resp, &len, NULL), OMADM_OK);
    omadm__free(resp);
    omadm_transport_free(t);
    omadm_transport_free(NULL);
}

static void test_total_timeout(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/slow");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    cfg.total_timeout_ms = 500;
    post_expect(&cfg, "x", OMADM_ERR_TIMEOUT, "timed out after 500 ms", &info);
    took = now_ms() - start;
    print_message("    took %ld ms\n", took);
    assert_true(took >= 450 && took < 1500); /* the server sleeps 2000 ms */
    assert_null(strstr(info.error, "connect"));
}

/* The total timeout on a reused connection is not called a connect one. */
static void test_timeout_on_reused_connection(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/slowsecond");
    omadm_transport_info info;
    omadm_transport *t;
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    cfg.connect_timeout_ms = 400; /* shorter, yet not the one that fires */
    cfg.total_timeout_ms = 500;
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_OK);
    omadm__free(resp);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_ERR_TIMEOUT);
    assert_int_equal(info.num_connects, 0);
    assert_string_equal(info.error, "timed out after 500 ms");
    assert_null(resp);
    omadm_transport_free(t);
}

/* TCP connects, the TLS handshake never completes. */
static void test_connect_timeout(void **state)
{
    omadm_transport_config cfg = good_config(port_tarpit, "/ok");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    cfg.connect_timeout_ms = 300;
    post_expect(&cfg, "x", OMADM_ERR_TIMEOUT, "connect timed out after 300 ms", &info);
    took = now_ms() - start;
    assert_true(took >= 250 && took < 1500);
}

/* 50 MB announced by Content-Length: refused before reading the body. */
static void test_too_big_announced(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/big");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_LIMIT, "response larger than 1048576 bytes", &info);
    took = now_ms() - start;
    print_message("    %zu bytes received in %ld ms\n", info.bytes_received, took);
    assert_true(info.bytes_received <= 1 * MiB);
    assert_true(took < 2000);
}

/* 50 MB chunked: the size is only learnt while reading; reading stops at
 * the cap. */
static void test_too_big_streamed(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/stream");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_LIMIT, "response larger than 1048576 bytes", &info);
    took = now_ms() - start;
    print_message("    %zu bytes received in %ld ms\n", info.bytes_received, took);
    assert_true(info.bytes_received > 1 * MiB - 65536); /* it did read up to the cap */
    assert_true(info.bytes_received <= 1 * MiB + 65536);
    assert_true(took < 2000);

    cfg.max_response = 4096;
    post_expect(&cfg, "x", OMADM_ERR_LIMIT, "response larger than 4096 bytes", &info);
    assert_true(info.bytes_received <= 4096 + 65536);
}

/* 4 MiB of response headers, in one line or many: reported as such (not
 * libcurl's "out of memory"), bounded, and quick. */
static void test_huge_response_headers(void **state)
{
    static const char *const paths[] = { "/bigheader", "/manyheaders" };
    omadm_transport_info info;
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        omadm_transport_config cfg = good_config(port_good, paths[i]);
        long start = now_ms();

        post_expect(&cfg, "x", OMADM_ERR_PROTOCOL, "response headers larger than", &info);
        print_message("    %s: %s (%ld ms)\n", paths[i], info.error, now_ms() - start);
        assert_null(strstr(info.error, "out of memory"));
        assert_true(now_ms() - start < 5000);
    }
}

/* A cap failure leaves the transport usable for the next message. */
static void test_usable_after_limit(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t;
    char big[300], *resp = NULL;
    size_t len = 0;

    (void)state;
    memset(big, 'a', sizeof big);
    cfg.max_response = 200;
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, big, 201, &resp, &len, &info), OMADM_ERR_LIMIT);
    assert_string_equal(info.error, "response larger than 200 bytes");
    assert_int_equal(omadm_transport_post(t, big, 200, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, 200);
    assert_memory_equal(resp, big, 200);
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_wrong_content_type(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/html");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_PROTOCOL,
                "Content-Type text/html is not application/vnd.syncml.dm+xml", &info);
    assert_int_equal(info.http_status, 200);
    assert_string_equal(info.content_type, "text/html");

    cfg = good_config(port_good, "/lookalike");
    post_expect(&cfg, "x", OMADM_ERR_PROTOCOL,
                "Content-Type application/vnd.syncml.dm+xml2 is not application/vnd.syncml.dm+xml",
                &info);

    cfg = good_config(port_good, "/notype");
    post_expect(&cfg, "x", OMADM_ERR_PROTOCOL, "response has no Content-Type", &info);

    /* Media types are case-insensitive. */
    cfg = good_config(port_good, "/okcase");
    post_expect(&cfg, "x", OMADM_OK, "", &info);
}

static void test_429_retry_after(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/429");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "server answered HTTP 429 (retry after 120 s)",
                &info);
    assert_int_equal(info.http_status, 429);
    assert_int_equal(info.retry_after_s, 120);

    /* An HTTP-date, measured from the server's Date (which is in 2001). */
    cfg = good_config(port_good, "/429date");
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "HTTP 429", &info);
    assert_int_equal(info.retry_after_s, 90);

    cfg = good_config(port_good, "/429bad");
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "HTTP 429 (no usable Retry-After)", &info);
    assert_int_equal(info.retry_after_s, -1);
}

static void test_redirect_not_followed(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/redirect");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT,
                "server answered HTTP 302 (redirects are not followed)", &info);
    assert_int_equal(info.http_status, 302);
    assert_int_equal(info.num_connects, 1);
}

static void test_empty_body(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/empty");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 99;

    (void)state;
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, 0);
    assert_non_null(resp);
    assert_string_equal(resp, "");
    assert_string_equal(info.content_type, "text/plain"); /* no matter when empty */
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_http_500(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/500");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "server answered HTTP 500", &info);
    assert_int_equal(info.http_status, 500);
    assert_int_equal(info.retry_after_s, -1);
}

static void test_connection_refused(void **state)
{
    omadm_transport_config cfg = good_config(1, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "cannot connect", &info);
}

/* proxy: NULL = the environment's, "" = none even if the environment has
 * one, else the one given. */
static void test_proxy(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    char proxy[64];
    long c0, t0, c1, t1;

    (void)state;
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", port_proxy);

    server_stats(&c0, &t0);
    cfg.proxy = proxy;
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    server_stats(&c1, &t1);
    assert_int_equal(t1, t0 + 1);

    setenv("https_proxy", proxy, 1);
    cfg.proxy = NULL;
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    server_stats(&c0, &t0);
    assert_int_equal(t0, t1 + 1);

    cfg.proxy = "";
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    server_stats(&c1, &t1);
    assert_int_equal(t1, t0);
    assert_int_equal(c1, c0 + 2); /* the direct POST and the /stats one */

    /* A proxy that is not there. */
    setenv("https_proxy", "http://127.0.0.1:1", 1);
    cfg.proxy = NULL;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "cannot connect", &info);
    clear_proxy_env();
}

/* Bodies are never logged, not even at debug level. */
static void test_no_body_in_logs(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "<Data>SECRET-BODY</Data>", OMADM_OK, "", &info);
    assert_non_null(strstr(logged, "transport: POST 24 bytes: HTTP 200, 24 bytes back"));
    assert_null(strstr(logged, "SECRET-BODY"));
}

/* Failing each of our allocations in turn: a clean error, no leak. */
static void test_alloc_failures(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    long n;
    int completed = 0;

    (void)state;
    for (n = 1; n < 100 && !completed; n++) {
        omadm_transport *t = NULL;
        omadm_transport_info info;
        char *resp = NULL;
        size_t len = 0;
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm_transport_new(&t, &cfg);
        if (st == OMADM_OK)
            st = omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info);
        omadm_transport_free(t);
        if (!omadm__alloc_failed()) {
            assert_int_equal(st, OMADM_OK);
            assert_int_equal(len, 9);
            completed = 1;
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_null(resp);
        }
        omadm__free(resp);
    }
    omadm__alloc_fail_at(0, 0);
    print_message("    %ld allocation points\n", n - 2);
    assert_true(completed);
    assert_true(n > 2); /* at least one allocation was failed */
}

/* ---- TLS failures that never ran before (issue 19) ------------------- */

/* A CA file that holds no certificate, and one that does not exist. */
static void test_ca_file_unusable(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.ca_file = cert("garbage.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS,
                "TLS: CA file unusable (error setting certificate file: ", &info);
    assert_non_null(strstr(info.error, "garbage.pem)"));
    assert_int_equal(info.http_status, 0);
    cfg.ca_file = cert("no-such-ca.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: CA file unusable (", &info);
    assert_non_null(strstr(info.error, "no-such-ca.pem)"));
}

/* The server answers in plain text: the handshake fails. */
static void test_handshake_failure(void **state)
{
    omadm_transport_config cfg = good_config(port_notls, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: handshake failed (", &info);
    assert_non_null(strstr(info.error, "wrong version number)"));
    assert_int_equal(info.http_status, 0);
}

/* A TLS 1.2 server requiring a certificate of its CA rejects ours (from
 * another CA) in the handshake itself; our own certificate passes. */
static void test_tls12_server_rejects_our_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_tls12, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
    cfg.cert_file = cert("other-client.pem");
    cfg.key_file = cert("other-client.key");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: handshake failed (", &info);
    assert_non_null(strstr(info.error, "alert unknown ca)"));
    assert_int_equal(info.http_status, 0);
}

/* The client certificate as PKCS#12 (key inside) in a real handshake,
 * TLS 1.3 and 1.2: the server, which requires a certificate of its CA,
 * answers. */
static void test_pkcs12_client_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.cert_file = cert("client.p12");
    cfg.key_file = NULL;
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
    cfg.url = url(port_tls12, "/ok");
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, each_setup)
        T(test_ok_mutual_tls_and_reuse),
        T(test_echo_body),
        T(test_request_headers),
        T(test_key_in_cert_file),
        T(test_wrong_ca),
        T(test_expired_server_cert),
        T(test_wrong_host_name),
        T(test_no_client_cert),
        T(test_unreadable_client_cert),
        T(test_not_https),
        T(test_invalid_arguments),
        T(test_total_timeout),
        T(test_timeout_on_reused_connection),
        T(test_connect_timeout),
        T(test_too_big_announced),
        T(test_too_big_streamed),
        T(test_huge_response_headers),
        T(test_usable_after_limit),
        T(test_wrong_content_type),
        T(test_429_retry_after),
        T(test_redirect_not_followed),
        T(test_empty_body),
        T(test_http_500),
        T(test_connection_refused),
        T(test_proxy),
        T(test_no_body_in_logs),
        T(test_alloc_failures),
        T(test_ca_file_unusable),
        T(test_handshake_failure),
        T(test_tls12_server_rejects_our_cert),
        T(test_pkcs12_client_cert),
#undef T
    };

    return cmocka_run_group_tests_name("transport", tests, group_setup, group_teardown);
}
