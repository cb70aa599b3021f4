/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal agent of your own on the installed SDK (omadm/device.h): a
 * device on the simulated platform with the built-in CSPs plus the Contoso
 * example, one session against the server, its result printed.
 *
 *   own-agent STATE_DIR DEVICE_ID URL CA CERT KEY [--own-transport]
 *
 * Default: the library's HTTPS transport (omadm_device_sync). With
 * --own-transport: the no-I/O session API driven over our own libcurl
 * POSTs. Exit status 0 when the session completed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <omadm/omadm.h>

#include "contoso_settings.h"

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t on_data(char *ptr, size_t size, size_t n, void *user)
{
    body *b = user;
    size_t add = size * n;
    char *grown;

    if (b->len + add > 1048576)
        return 0; /* a reply that large is refused */
    grown = realloc(b->data, b->len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, add);
    b->data = grown;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* One session over our own HTTPS POSTs. */
static omadm_status own_transport_session(omadm_device *dev, char **argv)
{
    omadm_device_session *s = NULL;
    omadm_status st = omadm_device_session_start(dev, &s);
    CURL *curl;
    struct curl_slist *headers = NULL;

    if (st != OMADM_OK)
        return st;
    curl = curl_easy_init();
    headers = curl_slist_append(headers, "Content-Type: application/vnd.syncml.dm+xml");
    if (!curl || !headers) {
        omadm_device_session_fail(s, OMADM_ERR_NOMEM, "cannot set up libcurl", -1);
    } else {
        curl_easy_setopt(curl, CURLOPT_URL, argv[3]);
        curl_easy_setopt(curl, CURLOPT_CAINFO, argv[4]);
        curl_easy_setopt(curl, CURLOPT_SSLCERT, argv[5]);
        curl_easy_setopt(curl, CURLOPT_SSLKEY, argv[6]);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    }
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        body reply = { NULL, 0 };
        long code = 0;
        CURLcode rc;

        if (omadm_device_session_next(s, &msg, &len) != OMADM_OK || !msg)
            break;
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, msg);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
        rc = curl_easy_perform(curl);
        omadm_free(msg);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        if (rc == CURLE_OK && code == 200)
            omadm_device_session_feed(s, reply.data ? reply.data : "", reply.len);
        else
            omadm_device_session_fail(s, OMADM_ERR_TRANSPORT,
                                      rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP error", -1);
        free(reply.data);
    }
    curl_slist_free_all(headers);
    if (curl)
        curl_easy_cleanup(curl);
    return omadm_device_session_finish(s);
}

int main(int argc, char **argv)
{
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;
    omadm_device_result res;
    omadm_device *dev = NULL;
    contoso_settings *cs = NULL;
    omadm_status st;
    int64_t next = 0;
    int own = argc == 8 && strcmp(argv[7], "--own-transport") == 0;

    if (argc != 7 && !own) {
        fprintf(stderr, "usage: %s STATE_DIR DEVICE_ID URL CA CERT KEY [--own-transport]\n",
                argv[0]);
        return 2;
    }
    if (omadm_version_number() != OMADM_VERSION_NUMBER) {
        fprintf(stderr, "built for libomadm %s, running with %s\n", OMADM_VERSION_STRING,
                omadm_version_string());
        return 1;
    }
    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = argv[1];
    cfg.device_id = argv[2];
    cfg.server_url = argv[3];
    cfg.ca_file = argv[4];
    cfg.cert_file = argv[5];
    cfg.key_file = argv[6];
    st = omadm_device_new(&dev, &cfg);
    if (st != OMADM_OK) {
        fprintf(stderr, "cannot open the device: %s\n", omadm_status_str(st));
        return 1;
    }
    cs = contoso_settings_new();
    if (!cs || contoso_settings_register(omadm_device_tree(dev), cs) != OMADM_OK) {
        fprintf(stderr, "cannot register the Contoso CSP\n");
        omadm_device_free(dev);
        contoso_settings_free(cs);
        return 1;
    }
    st = omadm_device_tick(dev, &next);
    if (st == OMADM_OK)
        st = own ? own_transport_session(dev, argv) : omadm_device_sync(dev);
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    if (omadm_device_last_result(dev, &res) == OMADM_OK)
        printf("session %u: %s, %u message(s)%s%s\n", res.session_id,
               res.completed ? "completed" : "failed", res.messages, res.error[0] ? ": " : "",
               res.error);
    else
        printf("no session: %s\n", omadm_status_str(st));
    omadm_device_free(dev);
    contoso_settings_free(cs); /* after the device: its tree borrowed it */
    return st == OMADM_OK && res.completed ? 0 : 1;
}
