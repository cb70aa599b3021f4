/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the syncml unit tests. */
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (!f)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

static const char *fixtures_dir(void)
{
    const char *dir = getenv("OMADM_FIXTURES");

    /* the build's default lets the executable run on its own (valgrind) */
    return dir ? dir : TEST_FIXTURES_DIR;
}

char *read_fixture(const char *name, size_t *len)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/syncml/%s", fixtures_dir(), name);
    return read_file(path, len);
}

char *read_golden(const char *name, size_t *len)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/syncml/golden/%s", fixtures_dir(), name);
    return read_file(path, len);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

size_t list_fixtures(char names[][64], size_t max)
{
    char path[1024];
    DIR *d;
    struct dirent *e;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/syncml", fixtures_dir());
    d = opendir(path);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);

        if (l < 5 || l >= 64 || strcmp(e->d_name + l - 4, ".xml") != 0)
            continue;
        assert_true(n < max);
        memcpy(names[n++], e->d_name, l + 1);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    assert_true(n >= 10);
    return n;
}

syncml_msg *parse_ok(const char *data, size_t len)
{
    syncml_msg *msg = NULL;
    syncml_error err;
    omadm_status st = syncml_parse(data, len, NULL, &msg, &err);

    if (st != OMADM_OK)
        fail_msg("parse failed: %s: %s (line %u)", omadm_status_name(st), err.message, err.line);
    assert_non_null(msg);
    return msg;
}

void expect_error(const char *data, size_t len, const syncml_limits *lim, omadm_status st,
                  const char *needle)
{
    syncml_msg *msg = (syncml_msg *)&msg; /* must be reset to NULL */
    syncml_error err;
    omadm_status got = syncml_parse(data, len, lim, &msg, &err);

    if (got != st)
        fail_msg("expected %s, got %s: %s", omadm_status_name(st), omadm_status_name(got),
                 err.message);
    assert_null(msg);
    if (!strstr(err.message, needle))
        fail_msg("error message \"%s\" lacks \"%s\"", err.message, needle);
}

char *fmt(const char *f, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

char *repeat(const char *s, size_t n)
{
    size_t l = strlen(s), i;
    char *out = malloc(l * n + 1);

    assert_non_null(out);
    for (i = 0; i < n; i++)
        memcpy(out + i * l, s, l);
    out[l * n] = '\0';
    return out;
}

#define HDR                                                                                        \
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"                             \
    "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"                          \
    "<Target><LocURI>dev</LocURI></Target><Source><LocURI>https://s.test/</LocURI></Source>"       \
    "</SyncHdr><SyncBody>"
#define TRAILER "</SyncBody></SyncML>"

char *wrap_body(const char *body, size_t *len)
{
    char *s = fmt("%s%s%s", HDR, body, TRAILER);

    *len = strlen(s);
    return s;
}

const syncml_cmd *first_rejected(const syncml_cmd *list)
{
    const syncml_cmd *c, *r;

    for (c = list; c; c = c->next) {
        if (c->reject_code)
            return c;
        r = first_rejected(c->children);
        if (r)
            return r;
    }
    return NULL;
}

void expect_reject(const char *data, size_t len, const syncml_limits *lim, int code,
                   const char *needle, const char *cmd_id)
{
    syncml_msg *msg = NULL;
    syncml_error err;
    omadm_status st = syncml_parse(data, len, lim, &msg, &err);
    const syncml_cmd *c;

    if (st != OMADM_OK)
        fail_msg("expected a rejected command, got %s: %s", omadm_status_name(st), err.message);
    c = first_rejected(msg->body);
    if (!c) {
        syncml_msg_free(msg);
        fail_msg("no command rejected (expected %d: %s)", code, needle);
        return;
    }
    assert_int_equal(c->reject_code, code);
    assert_non_null(c->reject_reason);
    if (!strstr(c->reject_reason, needle))
        fail_msg("reject reason \"%s\" lacks \"%s\"", c->reject_reason, needle);
    if (cmd_id) {
        assert_non_null(c->cmd_id);
        assert_string_equal(c->cmd_id, cmd_id);
    }
    syncml_msg_free(msg);
}
