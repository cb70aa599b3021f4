/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "omadm/log.h"
#include "outbox_fixture.h"
#include "platform/sim/sim.h"
#include "testutil.h"

static int should_fail(faulty *w, long calls, long at, const char *name)
{
    if (w->fail_only && !strstr(name, w->fail_only))
        return 0;
    return at > 0 && (calls == at || (w->fail_sticky && calls > at));
}

static omadm_status w_now(void *ctx, int64_t *t)
{
    faulty *w = ctx;
    return w->inner.now(w->inner.ctx, t);
}

static omadm_status w_read(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    faulty *w = ctx;
    if (w->fail_read_name && strcmp(name, w->fail_read_name) == 0)
        return w->fail_read_status;
    return w->inner.file_read(w->inner.ctx, name, max, data, len);
}

static omadm_status w_replace(void *ctx, const char *name, const void *data, size_t len)
{
    faulty *w = ctx;
    w->replace_calls++;
    if (should_fail(w, w->replace_calls, w->fail_replace_at, name))
        return OMADM_ERR_IO;
    return w->inner.file_replace(w->inner.ctx, name, data, len);
}

static omadm_status w_remove(void *ctx, const char *name)
{
    faulty *w = ctx;
    w->remove_calls++;
    if (should_fail(w, w->remove_calls, w->fail_remove_at, name))
        return OMADM_ERR_IO;
    return w->inner.file_remove(w->inner.ctx, name);
}

static omadm_status w_list(void *ctx, const char *prefix, omadm_platform_list_cb cb, void *user)
{
    faulty *w = ctx;
    return w->inner.file_list(w->inner.ctx, prefix, cb, user);
}

void faults_reset(fixture *f)
{
    f->fw.replace_calls = f->fw.remove_calls = 0;
    f->fw.fail_replace_at = f->fw.fail_remove_at = 0;
    f->fw.fail_sticky = 0;
    f->fw.fail_only = NULL;
    f->fw.fail_read_name = NULL;
}

/* Warnings the outbox logged, to check it reports what it drops. */
char warnings[1 << 16];

static void capture(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    if (level <= OMADM_LOG_WARN && strlen(warnings) + strlen(line) + 2 < sizeof warnings) {
        strcat(warnings, line);
        strcat(warnings, "\n");
    }
}

int count_lines_with(const char *needle)
{
    const char *p = warnings;
    int n = 0;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->dir = tu_mkdtemp();
    assert_int_equal(omadm_platform_sim_new(&f->fw.inner, f->dir), OMADM_OK);
    f->pf.version = OMADM_PLATFORM_VERSION;
    f->pf.ctx = &f->fw;
    f->pf.now = w_now;
    f->pf.file_read = w_read;
    f->pf.file_replace = w_replace;
    f->pf.file_remove = w_remove;
    f->pf.file_list = w_list;
    warnings[0] = '\0';
    omadm_log_set(capture, NULL, OMADM_LOG_WARN);
    *state = f;
    return 0;
}

int teardown(void **state)
{
    fixture *f = *state;

    omadm__alloc_fail_at(0, 0);
    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);
    omadm_outbox_close(f->ob);
    f->fw.inner.destroy(f->fw.inner.ctx);
    tu_rmtree_free(f->dir);
    free(f);
    return 0;
}

void open_ob(fixture *f, const omadm_outbox_limits *lim, unsigned expect_corrupt)
{
    unsigned corrupt = 99;

    omadm_outbox_close(f->ob);
    f->ob = NULL;
    assert_int_equal(omadm_outbox_open(&f->ob, &f->pf, lim, &corrupt), OMADM_OK);
    assert_int_equal(corrupt, expect_corrupt);
}

uint64_t add(fixture *f, omadm_outbox_kind kind, const char *mark, const char *data)
{
    omadm_outbox_entry e;
    uint64_t id = 0;

    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.created = 1700000000;
    e.source_uri = "./Device/Vendor/MSFT/Reboot/RebootNow";
    e.type = kind == OMADM_OUTBOX_INTENT ? NULL : "org.omadm-agent.reboot.outcome";
    e.format = "chr";
    e.mark = (char *)mark;
    e.data = (char *)data;
    assert_int_equal(omadm_outbox_add(f->ob, &e, &id), OMADM_OK);
    return id;
}

char *rec_path(fixture *f, uint64_t id, const char *suffix)
{
    char name[64];
    snprintf(name, sizeof name, "outbox-%016llx.rec%s", (unsigned long long)id, suffix);
    return tu_path(f->dir, name, NULL);
}

/* Memory: the entries in order, every field, as one string. */
char *mem_snapshot(const omadm_outbox *ob)
{
    size_t n = omadm_outbox_count(ob), i, cap = 64 + n * 1024, len = 0;
    char *s = malloc(cap);

    assert_non_null(s);
    s[0] = '\0';
    for (i = 0; i < n; i++) {
        const omadm_outbox_entry *e = omadm_outbox_at(ob, i);
        len += (size_t)snprintf(s + len, cap - len, "%llu|%d|%lld|%u|%s|%s|%s|%s|%.300s\n",
                                (unsigned long long)e->id, (int)e->kind, (long long)e->created,
                                e->attempts, e->source_uri ? e->source_uri : "(null)",
                                e->type ? e->type : "(null)", e->format ? e->format : "(null)",
                                e->mark ? e->mark : "(null)", e->data ? e->data : "(null)");
        assert_true(len < cap);
    }
    return s;
}

static int snap_file(void *user, const char *name)
{
    disk_snap *d = user;
    char *p, *data;
    size_t n = 0;

    if (d->skip_seq && strcmp(name, "outbox.seq") == 0)
        return 0;
    p = tu_path(d->f->dir, name, NULL);
    data = tu_read(p, &n);

    assert_non_null(data);
    assert_true(d->len + strlen(name) + n + 2 < sizeof d->buf);
    d->len += (size_t)sprintf(d->buf + d->len, "%s=", name);
    memcpy(d->buf + d->len, data, n);
    d->len += n;
    d->buf[d->len++] = '\n';
    free(data);
    free(p);
    return 0;
}

/* Disk: every durable file (name and bytes), outbox.seq optional. */
disk_snap *disk_snapshot_seq(fixture *f, int skip_seq)
{
    disk_snap *d = calloc(1, sizeof *d);

    assert_non_null(d);
    d->f = f;
    d->skip_seq = skip_seq;
    assert_int_equal(f->fw.inner.file_list(f->fw.inner.ctx, "", snap_file, d), OMADM_OK);
    return d;
}

disk_snap *disk_snapshot(fixture *f)
{
    return disk_snapshot_seq(f, 0);
}

void assert_same_disk(disk_snap *a, disk_snap *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->buf, b->buf, a->len);
}
