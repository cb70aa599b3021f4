/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment state file: round trip, and every way it can be damaged
 * (truncated, corrupt, incomplete) is refused as a whole; values that
 * would break the format are refused at write; through the sim platform it
 * is written atomically, owner-only, and removed durably. Also the sim
 * machine id the enrollment belongs to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/enroll_state.h"
#include "agent/os.h"
#include "platform/sim/sim.h"

static const char CERT[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
static const char KEY[] = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

static void sample(agent_enrollment *e)
{
    memset(e, 0, sizeof *e);
    e->server = strdup("https://mdm.example.test/ManagementServer/MDM.svc");
    e->provider = strdup("omadm-mock");
    e->device_id = strdup("0B86611129E9931C5A0ACF874250C14D");
    e->machine_id = strdup("a1b2c3");
    e->aauth_secret = strdup("s3cret=with=equals");
    e->cert_pem = strdup(CERT);
    e->key_pem = strdup(KEY);
    e->enrolled_at = 1764867600;
    e->cert_not_after = 1796403600;
    e->poll_minutes = 1;
    e->renew_failures = 3;
}

static void test_round_trip(void **state)
{
    agent_enrollment e, back;
    size_t len;
    char *text, err[200];

    sample(&e);
    text = agent_enrollment_format(&e, &len);
    assert_non_null(text);
    assert_null(strstr(text, "BEGIN PRIVATE KEY")); /* base64, one line */
    assert_int_equal(agent_enrollment_parse(&back, text, len, err, sizeof err), 0);
    assert_string_equal(back.server, e.server);
    assert_string_equal(back.device_id, e.device_id);
    assert_string_equal(back.aauth_secret, "s3cret=with=equals");
    assert_string_equal(back.cert_pem, CERT);
    assert_string_equal(back.key_pem, KEY);
    assert_null(back.ca_pem);
    assert_int_equal(back.enrolled_at, 1764867600);
    assert_int_equal(back.cert_not_after, 1796403600);
    assert_int_equal(back.poll_minutes, 1);
    assert_int_equal(back.renew_failures, 3);
    agent_enrollment_clear(&back);
    free(text);
    agent_enrollment_clear(&e);
}

static void expect_refused(const char *text, size_t len, const char *why)
{
    agent_enrollment e;
    char err[200];

    assert_int_equal(agent_enrollment_parse(&e, text, len, err, sizeof err), -1);
    if (!strstr(err, why))
        fail_msg("error \"%s\" lacks \"%s\"", err, why);
    assert_null(e.server);
    assert_null(e.key_pem);
}

static void test_damaged(void **state)
{
    agent_enrollment e;
    size_t len, i;
    char *text, *copy;

    sample(&e);
    text = agent_enrollment_format(&e, &len);
    assert_non_null(text);
    /* every truncation is refused (a torn write never half-applies) */
    for (i = 0; i < len - 1; i++)
        expect_refused(text, i, i < 19 ? "not an enrollment file" : "");
    copy = strdup(text);
    assert_non_null(copy);
    memcpy(strstr(copy, "enrolled_at=") + 12, "x", 1);
    expect_refused(copy, len, "corrupt");
    free(copy);
    copy = strdup(text);
    memcpy(strstr(copy, "server="), "serxer=", 7);
    expect_refused(copy, len, "corrupt");
    free(copy);
    copy = strdup(text);
    memcpy(strstr(copy, "key_pem=") + 8, "!", 1);
    expect_refused(copy, len, "corrupt");
    free(copy);
    /* a required value empty */
    expect_refused("omadm-enrollment 1\nserver=\nend\n", 31, "lacks server");
    expect_refused("omadm-enrollment 2\nend\n", 23, "format 1");
    free(text);
    /* a value that would break a line is refused at write */
    free(e.server);
    e.server = strdup("https://x\ninjected=1");
    assert_null(agent_enrollment_format(&e, &len));
    agent_enrollment_clear(&e);
}

static void test_through_the_sim_platform(void **state)
{
    char *dir = NULL, err[300], path[1024], id1[64], id2[64];
    omadm_platform p;
    agent_enrollment e, back;
    FILE *f;

    assert_int_equal(agent_os_make_temp_dir(&dir, err, sizeof err), 0);
    assert_int_equal(omadm_platform_sim_new(&p, dir), OMADM_OK);
    assert_int_equal(agent_enrollment_load(&p, &back, err, sizeof err), 0);
    sample(&e);
    assert_int_equal(agent_enrollment_save(&p, &e, err, sizeof err), 0);
    assert_int_equal(agent_enrollment_load(&p, &back, err, sizeof err), 1);
    assert_string_equal(back.key_pem, KEY);
    agent_enrollment_clear(&back);
    snprintf(path, sizeof path, "%s/%s", dir, AGENT_FILE_ENROLLMENT);
    assert_int_equal(agent_os_check_private(path, err, sizeof err), 0);
    /* damaged on disk: an error, not an enrollment */
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("garbage", f);
    fclose(f);
    /* bytes after "end" are not part of the record */
    assert_int_equal(agent_enrollment_load(&p, &back, err, sizeof err), 1);
    agent_enrollment_clear(&back);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("omadm-enrollment 1\nserver=x\n", f);
    fclose(f);
    assert_int_equal(agent_enrollment_load(&p, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    assert_int_equal(agent_enrollment_remove(&p, err, sizeof err), 0);
    assert_int_equal(agent_enrollment_load(&p, &back, err, sizeof err), 0);
    assert_int_equal(agent_enrollment_remove(&p, err, sizeof err), 0);
    agent_enrollment_clear(&e);

    /* the sim machine id: made once, stable, and a test can clone it */
    assert_int_equal(p.machine_id(p.ctx, id1, sizeof id1), OMADM_OK);
    assert_int_equal(strlen(id1), 32);
    assert_int_equal(p.machine_id(p.ctx, id2, sizeof id2), OMADM_OK);
    assert_string_equal(id1, id2);
    snprintf(path, sizeof path, "%s/sim/machine-id", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("cloned-image\n", f);
    fclose(f);
    assert_int_equal(p.machine_id(p.ctx, id2, sizeof id2), OMADM_OK);
    assert_string_equal(id2, "cloned-image");
    p.destroy(p.ctx);
    agent_os_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_through_the_sim_platform),
    };

    return cmocka_run_group_tests_name("agent-enroll-state", tests, NULL, NULL);
}
