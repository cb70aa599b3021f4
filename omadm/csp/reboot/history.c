/* SPDX-License-Identifier: Apache-2.0 */
/* The history of executed RebootNow CmdIDs (reboot.h): a state file of
 * "server=...;cmdref=...;boot=...;at=<unix>" lines after a "v=1" line,
 * rewritten whole (atomic replace) on each addition. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "csp/reboot/rbint.h"
#include "csp/reboot/rbkv.h"

#define HISTORY_FILE_MAX 65536

static int streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void history_entry_free(rb_history *h)
{
    omadm__free(h->server);
    omadm__free(h->cmdref);
    omadm__free(h->boot);
}

void omadm__rb_history_clear(omadm_reboot *rb)
{
    size_t i;

    for (i = 0; i < rb->n_history; i++)
        history_entry_free(&rb->history[i]);
    omadm__free(rb->history);
    rb->history = NULL;
    rb->n_history = 0;
}

omadm_status omadm__rb_history_load(omadm_reboot *rb)
{
    char *data = NULL;
    size_t len = 0, pos, count = 0, lines = 0;
    rb_history *list = NULL;
    omadm_status st;

    st = rb->platform->file_read(rb->platform->ctx, OMADM_REBOOT_HISTORY_FILE, HISTORY_FILE_MAX,
                                 &data, &len);
    if (st == OMADM_ERR_NOT_FOUND) {
        omadm__rb_history_clear(rb);
        return OMADM_OK;
    }
    if (st != OMADM_OK)
        return st;
    for (pos = 0; pos < len; pos++)
        lines += data[pos] == '\n';
    list = omadm__calloc(lines + 1, sizeof(*list));
    if (!list) {
        free(data);
        return OMADM_ERR_NOMEM;
    }
    if (len < 4 || memcmp(data, "v=1\n", 4) != 0) {
        st = OMADM_ERR_PARSE;
        pos = len;
    } else {
        pos = 4;
    }
    while (st == OMADM_OK && pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        rb_history *h = &list[count];

        st = omadm__reboot_kv_get(line, llen, "server", &h->server);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_get(line, llen, "cmdref", &h->cmdref);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_get(line, llen, "boot", &h->boot);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_get_i64(line, llen, "at", &h->at);
        count++;
        pos += llen + 1;
    }
    free(data);
    if (st != OMADM_OK) {
        size_t i;

        for (i = 0; i < count; i++)
            history_entry_free(&list[i]);
        omadm__free(list);
        if (st == OMADM_ERR_NOMEM)
            return st;
        omadm__log(OMADM_LOG_ERROR, "reboot: %s is corrupt (%s), ignored",
                   OMADM_REBOOT_HISTORY_FILE, omadm_status_str(st));
        omadm__rb_history_clear(rb);
        return OMADM_OK;
    }
    omadm__rb_history_clear(rb);
    rb->history = list;
    rb->n_history = count;
    return OMADM_OK;
}

int omadm__rb_history_has(const omadm_reboot *rb, const char *server, const char *cmdref)
{
    size_t i;

    for (i = 0; i < rb->n_history; i++) {
        if (streq(rb->history[i].server, server) && streq(rb->history[i].cmdref, cmdref))
            return 1;
    }
    return 0;
}

omadm_status omadm__rb_history_add(omadm_reboot *rb, const char *server, const char *cmdref,
                                   const char *boot, int64_t now)
{
    omadm_buf b = OMADM_BUF_INIT;
    size_t i, first = 0;
    omadm_status st;

    if (omadm__rb_history_has(rb, server, cmdref))
        return OMADM_OK;
    /* Keep the newest MAX-1 entries that are young enough, then the new one. */
    if (rb->n_history >= OMADM_REBOOT_HISTORY_MAX)
        first = rb->n_history - (OMADM_REBOOT_HISTORY_MAX - 1);
    st = omadm__buf_append_str(&b, "v=1\n");
    for (i = first; st == OMADM_OK && i < rb->n_history; i++) {
        const rb_history *h = &rb->history[i];

        if (now - h->at > (int64_t)OMADM_REBOOT_HISTORY_DAYS * 86400)
            continue;
        st = omadm__reboot_kv_put(&b, "server", h->server);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(&b, "cmdref", h->cmdref);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put(&b, "boot", h->boot);
        if (st == OMADM_OK)
            st = omadm__reboot_kv_put_i64(&b, "at", h->at);
        if (st == OMADM_OK)
            st = omadm__buf_append(&b, "\n", 1);
    }
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "server", server);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "cmdref", cmdref);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "boot", boot);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put_i64(&b, "at", now);
    if (st == OMADM_OK)
        st = omadm__buf_append(&b, "\n", 1);
    if (st == OMADM_OK)
        st =
            rb->platform->file_replace(rb->platform->ctx, OMADM_REBOOT_HISTORY_FILE, b.data, b.len);
    omadm__buf_free(&b);
    if (st != OMADM_OK)
        return st;
    st = omadm__rb_history_load(rb);
    if (st != OMADM_OK) /* durable already; the cache catches up later */
        omadm__log(OMADM_LOG_WARN, "reboot: history reload failed (%s)", omadm_status_str(st));
    return OMADM_OK;
}
