/* SPDX-License-Identifier: Apache-2.0 */
/* The "requested" marks (reboot.h): which intents of the current boot the
 * platform was asked to restart for, in OMADM_REBOOT_REQUESTED_FILE, one
 * line "v=1;boot=<boot identity>;ids=<id>,<id>...".
 *
 * The mark only matters within the boot that wrote it: a power loss ends
 * that boot, and an intent of an earlier boot is resolved by the boot
 * identity whatever its state. So the file is replaced atomically against
 * a process crash but not flushed (OMADM_FILE_FLUSH_NONE): after a power
 * loss it may be stale, absent or unreadable, and is then ignored. The
 * intent records themselves, written flushed, are never rewritten for the
 * mark. Records of older versions carrying "state=requested" still count. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "csp/reboot/rbint.h"
#include "csp/reboot/rbkv.h"

#define REQUESTED_FILE_MAX 65536

static int streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

void omadm__rb_requested_clear(omadm_reboot *rb)
{
    omadm__free(rb->req_boot);
    omadm__free(rb->req_ids);
    rb->req_boot = NULL;
    rb->req_ids = NULL;
    rb->n_req = 0;
}

/* "1,2,3" -> ids (n at most the commas + 1). */
static omadm_status parse_ids(const char *text, uint64_t **ids, size_t *n)
{
    size_t cap = 1, k = 0;
    const char *p;
    uint64_t *list;

    for (p = text; *p; p++)
        cap += *p == ',';
    list = omadm__calloc(cap, sizeof(*list));
    if (!list)
        return OMADM_ERR_NOMEM;
    for (p = text; *p;) {
        uint64_t v = 0;
        int digits = 0;

        for (; *p >= '0' && *p <= '9' && digits < 20; p++, digits++) {
            if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
                break;
            v = v * 10 + (uint64_t)(*p - '0');
        }
        if (!digits || (*p && *p != ',') || k == cap) {
            omadm__free(list);
            return OMADM_ERR_PARSE;
        }
        list[k++] = v;
        if (*p == ',')
            p++;
    }
    *ids = list;
    *n = k;
    return OMADM_OK;
}

omadm_status omadm__rb_requested_load(omadm_reboot *rb)
{
    char *data = NULL, *v = NULL, *boot = NULL, *ids_text = NULL;
    uint64_t *ids = NULL;
    size_t len = 0, n = 0;
    omadm_status st;

    omadm__rb_requested_clear(rb);
    st = rb->platform->file_read(rb->platform->ctx, OMADM_REBOOT_REQUESTED_FILE, REQUESTED_FILE_MAX,
                                 &data, &len);
    if (st == OMADM_ERR_NOT_FOUND)
        return OMADM_OK;
    if (st == OMADM_OK) {
        while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            len--;
        st = memchr(data, '\n', len) ? OMADM_ERR_PARSE : omadm__reboot_kv_get(data, len, "v", &v);
    }
    if (st == OMADM_OK && strcmp(v, "1") != 0)
        st = OMADM_ERR_UNSUPPORTED;
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(data, len, "boot", &boot);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_get(data, len, "ids", &ids_text);
    if (st == OMADM_OK)
        st = parse_ids(ids_text, &ids, &n);
    free(data);
    omadm__free(v);
    omadm__free(ids_text);
    if (st != OMADM_OK) {
        omadm__free(boot);
        if (st == OMADM_ERR_NOMEM)
            return st;
        /* Only a power loss (a new boot) leaves it unreadable. */
        omadm__log(OMADM_LOG_WARN, "reboot: %s unreadable (%s), ignored",
                   OMADM_REBOOT_REQUESTED_FILE, omadm_status_str(st));
        return OMADM_OK;
    }
    rb->req_boot = boot;
    rb->req_ids = ids;
    rb->n_req = n;
    return OMADM_OK;
}

int omadm__rb_requested_has(const omadm_reboot *rb, uint64_t id, const char *boot)
{
    size_t i;

    if (!rb->req_boot || !streq(rb->req_boot, boot))
        return 0;
    for (i = 0; i < rb->n_req; i++) {
        if (rb->req_ids[i] == id)
            return 1;
    }
    return 0;
}

omadm_status omadm__rb_requested_mark(omadm_reboot *rb, const unsigned char *mark, const char *boot)
{
    omadm_buf b = OMADM_BUF_INIT, ids = OMADM_BUF_INIT;
    uint64_t *list;
    char *boot_copy;
    size_t i, n = 0;
    omadm_status st = OMADM_OK;
    char num[24];

    /* This boot's intents marked before, and the new ones; ids of retired
     * intents and of other boots drop out. */
    list = omadm__calloc(rb->n_intents + 1, sizeof(*list));
    boot_copy = omadm__strdup(boot);
    for (i = 0; list && boot_copy && st == OMADM_OK && i < rb->n_intents; i++) {
        const rb_intent *in = &rb->intents[i];

        if (!streq(in->boot, boot) || !(mark[i] == 1 || omadm__rb_requested_has(rb, in->id, boot)))
            continue;
        snprintf(num, sizeof num, "%s%" PRIu64, n ? "," : "", in->id);
        st = omadm__buf_append_str(&ids, num);
        list[n++] = in->id;
    }
    if (!list || !boot_copy)
        st = OMADM_ERR_NOMEM;
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "v", "1");
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "boot", boot);
    if (st == OMADM_OK)
        st = omadm__reboot_kv_put(&b, "ids", ids.data ? ids.data : "");
    if (st == OMADM_OK)
        st = omadm__buf_append(&b, "\n", 1);
    if (st == OMADM_OK && rb->platform->file_replace_with)
        st = rb->platform->file_replace_with(rb->platform->ctx, OMADM_REBOOT_REQUESTED_FILE, b.data,
                                             b.len, OMADM_FILE_FLUSH_NONE);
    else if (st == OMADM_OK)
        st = rb->platform->file_replace(rb->platform->ctx, OMADM_REBOOT_REQUESTED_FILE, b.data,
                                        b.len);
    omadm__buf_free(&b);
    omadm__buf_free(&ids);
    if (st != OMADM_OK) {
        omadm__free(list);
        omadm__free(boot_copy);
        return st;
    }
    omadm__rb_requested_clear(rb);
    rb->req_boot = boot_copy;
    rb->req_ids = list;
    rb->n_req = n;
    return OMADM_OK;
}
