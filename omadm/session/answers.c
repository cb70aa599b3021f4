/* SPDX-License-Identifier: Apache-2.0 */
/* Answers (Status, Results) to the server's commands: encoded once when
 * queued, packed into our messages as they fit the server's MaxMsgSize. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hex.h"
#include "core/log.h"
#include "dispatch/dispatch.h"
#include "session/session_priv.h"
#include "syncml/fragment.h"

static void batch_free(answer_batch *b)
{
    syncml_msg_free(b->arena);
    omadm__buf_free(&b->tails);
    omadm__free(b->tail_end);
    omadm__free(b);
}

void omadm__session_free_batches(omadm_session *s)
{
    while (s->batches) {
        answer_batch *next = s->batches->next;

        batch_free(s->batches);
        s->batches = next;
    }
    s->batches_tail = NULL;
}

int omadm__session_answers_pending(const omadm_session *s)
{
    const answer_batch *b;

    for (b = s->batches; b; b = b->next)
        if (b->head)
            return 1;
    return 0;
}

/* What the pending answers add to a message, at most `max` bytes: their
 * tails plus a generous allowance for each command's head. */
static size_t pending_size(const omadm_session *s, size_t max)
{
    const answer_batch *b;
    size_t want = 0;

    for (b = s->batches; b && want < max; b = b->next) {
        const syncml_cmd *c;

        want += b->tails.len - (b->sent ? b->tail_end[b->sent - 1] : 0);
        for (c = b->head; c && want < max; c = c->next)
            want += 64;
    }
    return want < max ? want : max;
}

/* Appends as many pending answers to `out` (a message opened with
 * omadm__syncml_write_open) as fit in the server's MaxMsgSize, each from
 * its tail encoded when it was queued. */
omadm_status omadm__session_pack_answers(omadm_session *s, omadm_buf *out, unsigned *counter,
                                         int *added)
{
    size_t size = out->len + omadm__syncml_close_size(false), cmd_size,
           final_size = omadm__syncml_close_size(true) - omadm__syncml_close_size(false);
    omadm_status st;

    *added = 0;
    /* One allocation for what this message will hold rather than doubling
     * through it (each doubling copies and touches fresh pages); if it
     * fails, the appends below grow the buffer as they need. */
    if (s->server_max > out->len) {
        size_t want = pending_size(s, s->server_max - out->len);

        if (out->limit && want > out->limit - out->len)
            want = out->limit > out->len ? out->limit - out->len : 0;
        (void)omadm__buf_reserve(out, want);
    }
    while (s->batches) {
        answer_batch *b = s->batches;

        while (b->head) {
            size_t from = b->sent ? b->tail_end[b->sent - 1] : 0, len = b->tail_end[b->sent] - from;
            char id[16];

            omadm__dec_u64(*counter, id);
            cmd_size = omadm__syncml_cmd_size_from_tail(b->head, id, len);
            if (*added && size + cmd_size + final_size > s->server_max)
                return OMADM_OK;
            st = omadm__syncml_write_cmd_from_tail(b->head, id, b->tails.data + from, len, out);
            if (st != OMADM_OK)
                return st;
            (*counter)++;
            size += cmd_size;
            (*added)++;
            b->head = b->head->next;
            b->sent++;
        }
        s->batches = b->next;
        if (!s->batches)
            s->batches_tail = NULL;
        batch_free(b);
    }
    return OMADM_OK;
}

/* Encodes the tail of answers[from..n) into b->tails. */
static omadm_status encode_tails(answer_batch *b, syncml_cmd *const *answers, size_t from, size_t n)
{
    omadm_status st;

    b->tails.len = from ? b->tail_end[from - 1] : 0;
    for (; from < n; from++) {
        st = omadm__syncml_cmd_tail(answers[from], &b->tails);
        if (st != OMADM_OK)
            return st;
        b->tail_end[from] = b->tails.len;
    }
    return OMADM_OK;
}

/* Encodes every answer once (its tail, see answer_batch). A Results too
 * large for any message of ours is dropped and its Get answered 413
 * instead (the Status precedes it in the same batch). */
static omadm_status fit_results(omadm_session *s, answer_batch *b)
{
    syncml_cmd **link = &b->head, **answers;
    /* Room left for one command once header, SyncHdr Status and Final are
     * in: a generous fixed allowance (the header is well under 1 KiB with
     * the 1 KiB URI limits). */
    size_t room = s->server_max > 2048 ? s->server_max - 2048 : 0, n = 0, status_at = 0;
    int have_status = 0;
    omadm_status st = OMADM_OK;

    n = syncml_cmd_count(b->head);
    b->tail_end = omadm__calloc(n ? n : 1, sizeof *b->tail_end);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    answers = omadm__calloc(n ? n : 1, sizeof *answers);
    if (!b->tail_end || !answers) {
        omadm__free(answers);
        return OMADM_ERR_NOMEM;
    }
    n = 0;
    while (*link && st == OMADM_OK) {
        syncml_cmd *c = *link;

        answers[n] = c;
        st = encode_tails(b, answers, n, n + 1);
        if (st != OMADM_OK)
            break;
        if (c->type == SYNCML_CMD_STATUS) {
            status_at = n;
            have_status = 1;
        } else if (c->type == SYNCML_CMD_RESULTS) {
            size_t from = n ? b->tail_end[n - 1] : 0,
                   size = omadm__syncml_cmd_size_from_tail(c, NULL, b->tail_end[n] - from);

            if (size > room) {
                omadm__log(OMADM_LOG_WARN, "Results for Get %s (%zu bytes) cannot fit in %zu",
                           c->cmd_ref ? c->cmd_ref : "", size, s->server_max);
                *link = c->next;
                if (have_status) {
                    if (!(answers[status_at]->data = syncml_strdup(b->arena, "413")))
                        st = OMADM_ERR_NOMEM;
                    else /* rare: encode again from that Status on */
                        st = encode_tails(b, answers, status_at, n);
                } else {
                    b->tails.len = from;
                }
                continue;
            }
        }
        n++;
        link = &c->next;
    }
    omadm__free(answers);
    return st;
}

omadm_status omadm__session_queue_answers(omadm_session *s, const syncml_msg *in)
{
    answer_batch *b = omadm__calloc(1, sizeof *b);
    omadm_status st;

    if (!b)
        return OMADM_ERR_NOMEM;
    st = syncml_msg_new(&b->arena);
    if (st == OMADM_OK)
        st = omadm__dispatch_message(s->tree, in, s->server_uri_in, b->arena, &b->head);
    if (st == OMADM_OK)
        st = fit_results(s, b);
    if (st != OMADM_OK || !b->head) {
        batch_free(b);
        return st;
    }
    if (s->batches_tail)
        s->batches_tail->next = b;
    else
        s->batches = b;
    s->batches_tail = b;
    return OMADM_OK;
}
