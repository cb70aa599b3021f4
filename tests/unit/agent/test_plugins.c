/* SPDX-License-Identifier: Apache-2.0 */
/* The CSP plugin loader (agent/plugins.c): one named test per refusal with
 * its message, in the log and in the record `status` shows; the agent
 * carries on with the other plugins; the host table of a good plugin
 * (facts, log, key-value store) and its CSP in the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/log.h"
#include "agent/os.h"
#include "agent/plugins.h"
#include "platform/sim/sim.h"

#define DEVICE_ID "TESTDEVICE01"

typedef struct fixture {
    char *state;
    char *dir; /* the plugin directory */
    omadm_platform pf;
    omadm_tree *tree;
    agent_plugins *plugins;
    char log[8192];
} fixture;

static void tee(void *user, omadm_log_level level, const char *line)
{
    fixture *f = user;
    size_t n = strlen(f->log);

    (void)level;
    snprintf(f->log + n, sizeof f->log - n, "%s\n", line);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];

    assert_non_null(f);
    assert_int_equal(agent_os_make_temp_dir(&f->state, err, sizeof err), 0);
    assert_int_equal(agent_os_make_temp_dir(&f->dir, err, sizeof err), 0);
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(omadm_platform_sim_new(&f->pf, f->state), OMADM_OK);
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(agent_log_open(OMADM_LOG_DEBUG, "/dev/null", err, sizeof err), 0);
    agent_log_set_tee(tee, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    agent_log_set_tee(NULL, NULL);
    agent_log_close();
    omadm_tree_free(f->tree);
    agent_plugins_unload(f->plugins);
    f->pf.destroy(f->pf.ctx);
    agent_os_remove_tree(f->state);
    agent_os_remove_tree(f->dir);
    free(f->state);
    free(f->dir);
    free(f);
    return 0;
}

/* Copies the built test plugin tp-<which>.so into the directory as `as`. */
static void put(fixture *f, const char *which, const char *as, unsigned mode)
{
    char from[1024], to[1024], buf[65536];
    FILE *in, *out;
    size_t n;

    snprintf(from, sizeof from, "%s/tp-%s.so", TP_DIR, which);
    snprintf(to, sizeof to, "%s/%s", f->dir, as);
    in = fopen(from, "rb");
    assert_non_null(in);
    out = fopen(to, "wb");
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(chmod(to, mode), 0);
}

static void load(fixture *f)
{
    assert_int_equal(
        agent_plugins_load(&f->plugins, f->dir, 1, f->tree, &f->pf, DEVICE_ID, 1700000000), 0);
}

/* The record `status` reads back. */
static agent_plugin_record *record(fixture *f)
{
    static agent_plugin_record rec;
    char *text = NULL;
    size_t len = 0;

    assert_int_equal(f->pf.file_read(f->pf.ctx, AGENT_FILE_PLUGINS, 1 << 20, &text, &len),
                     OMADM_OK);
    assert_int_equal(agent_plugin_record_parse(&rec, text), 0);
    free(text);
    return &rec;
}

/* Exactly one refusal, of `file`, with `reason`: in the log and the record. */
static void assert_refused(fixture *f, const char *file, const char *reason)
{
    char line[1200];
    agent_plugin_record *rec = record(f);
    size_t refused = 0;

    snprintf(line, sizeof line, "plugin %s refused: %s\n", file, reason);
    if (!strstr(f->log, line))
        fail_msg("log lacks [%s]; it has:\n%s", line, f->log);
    for (size_t i = 0; i < rec->n; i++) {
        if (rec->e[i].loaded)
            continue;
        refused++;
        assert_string_equal(rec->e[i].file, file);
        assert_string_equal(rec->e[i].detail, reason);
    }
    assert_int_equal(refused, 1);
    assert_int_equal(agent_plugins_refused(f->plugins), 1);
}

static void test_loads_good_plugin_host_table(void **state)
{
    fixture *f = *state;
    agent_plugin_record *rec;
    static const char get[] =
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2"
        "</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>" DEVICE_ID
        "</LocURI></Target><Source><LocURI>https://mdm</LocURI></Source></SyncHdr><SyncBody>"
        "<Get><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/Test/Good/Value</LocURI></Target>"
        "</Item></Get><Final/></SyncBody></SyncML>";
    char *reply = NULL, *kv = NULL;
    size_t len = 0;

    put(f, "good", "10-good.so", 0755);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 1);
    assert_int_equal(agent_plugins_refused(f->plugins), 0);
    assert_non_null(strstr(f->log, "plugin 10-good.so loaded: good 0.1 on ./Vendor/Test/Good\n"));
    /* Log lines from a plugin are prefixed and made one line. */
    assert_non_null(strstr(f->log, "plugin good: device " DEVICE_ID " bell \n"));
    /* Its store is the agent's file, and its CSP answers from it. */
    assert_int_equal(f->pf.file_read(f->pf.ctx, "plugin.good.kv", 4096, &kv, &len), OMADM_OK);
    assert_string_equal(kv, "omadm-kv 1\nvalue=" DEVICE_ID "\nend 1\n");
    free(kv);
    assert_int_equal(omadm_tree_process(f->tree, get, strlen(get), &reply, &len), OMADM_OK);
    assert_non_null(strstr(reply, "<Data>" DEVICE_ID "</Data>"));
    omadm_free(reply);
    rec = record(f);
    assert_int_equal(rec->n, 1);
    assert_true(rec->e[0].loaded);
    assert_string_equal(rec->e[0].file, "10-good.so");
    assert_string_equal(rec->e[0].name, "good");
    assert_string_equal(rec->e[0].version, "0.1");
    assert_string_equal(rec->e[0].detail, "./Vendor/Test/Good");
    assert_string_equal(rec->dir, f->dir);
}

static void test_refuses_world_writable_dir(void **state)
{
    fixture *f = *state;
    char reason[600];

    put(f, "good", "10-good.so", 0755);
    assert_int_equal(chmod(f->dir, 0777), 0);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 0);
    snprintf(reason, sizeof reason,
             "plugin directory refused, no plugin loaded from it: writable by group or others "
             "(mode 0777); chmod go-w it");
    assert_refused(f, f->dir, reason);
    assert_int_equal(chmod(f->dir, 0755), 0);
}

static void test_refuses_group_writable_file(void **state)
{
    fixture *f = *state;

    put(f, "good", "10-good.so", 0775);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 0);
    assert_refused(f, "10-good.so", "writable by group or others (mode 0775); chmod go-w it");
}

static void test_refuses_wrong_abi_version(void **state)
{
    fixture *f = *state;

    put(f, "good", "10-good.so", 0755);
    put(f, "abi2", "20-abi2.so", 0755);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 1); /* the others carry on */
    assert_refused(f, "20-abi2.so", "built for plugin ABI version 2, this agent has version 1");
}

static void test_refuses_missing_entry_point(void **state)
{
    fixture *f = *state;

    put(f, "noentry", "10-noentry.so", 0755);
    put(f, "good", "20-good.so", 0755);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 1);
    assert_refused(f, "10-noentry.so",
                   "no entry point omadm_plugin_entry_v1 (not a plugin, or built for another "
                   "plugin ABI)");
}

static void test_refuses_init_failure(void **state)
{
    fixture *f = *state;

    put(f, "initfail", "10-initfail.so", 0755);
    put(f, "good", "20-good.so", 0755);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 1);
    assert_refused(f, "10-initfail.so", "init failed (returned 7)");
    /* What it registered before failing is withdrawn: the place is free. */
    assert_int_equal(omadm_tree_unregister(f->tree, "./Vendor/Test/Fail"), OMADM_ERR_NOT_FOUND);
}

static void test_refuses_overlapping_subtree(void **state)
{
    fixture *f = *state;

    put(f, "good", "10-good.so", 0755);
    put(f, "overlap", "20-overlap.so", 0755);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 1);
    assert_refused(f, "20-overlap.so",
                   "subtree ./Vendor/Test/Good/Sub overlaps one already registered (built in or "
                   "by an earlier plugin)");
}

static void test_refuses_same_name_and_non_plugin(void **state)
{
    fixture *f = *state;
    char path[1024];
    FILE *junk;

    put(f, "good", "10-good.so", 0755);
    put(f, "good", "20-good-copy.so", 0755);
    load(f);
    assert_refused(f, "20-good-copy.so",
                   "a plugin named 'good' is already loaded (from 10-good.so)");
    agent_plugins_unload(f->plugins);
    f->plugins = NULL;
    omadm_tree_free(f->tree);
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    f->log[0] = '\0';
    /* Not a shared object at all. */
    assert_int_equal(unlink(strcat(strcpy(path, f->dir), "/20-good-copy.so")), 0);
    snprintf(path, sizeof path, "%s/30-junk.so", f->dir);
    junk = fopen(path, "w");
    assert_non_null(junk);
    fputs("not ELF\n", junk);
    fclose(junk);
    load(f);
    assert_int_equal(agent_plugins_loaded(f->plugins), 1);
    assert_non_null(strstr(f->log, "plugin 30-junk.so refused: cannot load: "));
}

static void test_absent_dir_is_no_plugins(void **state)
{
    fixture *f = *state;
    char missing[1100];

    snprintf(missing, sizeof missing, "%s/none", f->dir);
    assert_int_equal(
        agent_plugins_load(&f->plugins, missing, 1, f->tree, &f->pf, DEVICE_ID, 1700000000), 0);
    assert_int_equal(agent_plugins_loaded(f->plugins), 0);
    assert_int_equal(agent_plugins_refused(f->plugins), 0);
    assert_non_null(strstr(f->log, "does not exist: no plugins"));
    assert_int_equal(record(f)->n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loads_good_plugin_host_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_world_writable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_group_writable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_wrong_abi_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_missing_entry_point, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_init_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_overlapping_subtree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_same_name_and_non_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent_dir_is_no_plugins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
