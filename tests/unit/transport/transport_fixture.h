/* SPDX-License-Identifier: Apache-2.0 */
/* The transport tests' fixture: a real HTTPS server on loopback: tls_server.py (Python
 * standard library) with certificates made by make-certs.sh at start.
 *
 * The group setup makes the certificates in a temp dir and starts the
 * server; the group teardown (which cmocka runs even when a test fails)
 * closes the server's stdin and kills it. The server also dies on its own
 * with this process (PR_SET_PDEATHSIG, stdin EOF) and after 120 s. Proxy
 * variables are cleared: nothing here leaves 127.0.0.1. */
#ifndef TESTS_TRANSPORT_FIXTURE_H
#define TESTS_TRANSPORT_FIXTURE_H

#include "transport/transport.h"

#define MiB (1024 * 1024)

/* The server's ports (tls_server.py prints them at start). */
extern int port_good, port_expired, port_wronghost, port_tarpit, port_proxy, port_tls12, port_notls;
/* What the library logged since the test began (transport_each_setup). */
extern char logged[8192];

/* A path in the certificate directory; valid until 32 more calls. */
const char *cert(const char *name);
/* A certificate-directory file read whole, NUL-terminated (free());
 * asserts it could be. */
char *slurp(const char *name);
/* "https://127.0.0.1:<port><path>"; valid until 4 more calls. */
const char *url(int port, const char *path);
/* Mutual TLS with the test CA: what a good client has. */
omadm_transport_config good_config(int port, const char *path);
/* A new transport; asserts it was made. */
omadm_transport *make(const omadm_transport_config *cfg);
/* One POST of `body` on a new transport; asserts the status and that the
 * error message contains `want` (or is empty on success). */
void post_expect(const omadm_transport_config *cfg, const char *body, omadm_status want_st,
                 const char *want, omadm_transport_info *info);
long now_ms(void);
/* "connections=N tunnels=M" from the server's /stats, over a direct
 * connection whatever the environment says. */
void server_stats(long *connections, long *tunnels);
void clear_proxy_env(void);

/* cmocka group setup (certificates, server) and teardown, and each test's
 * setup (proxy variables cleared, log capture emptied). */
int transport_group_setup(void **state);
int transport_group_teardown(void **state);
int transport_each_setup(void **state);

#endif
