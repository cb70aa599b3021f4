/* SPDX-License-Identifier: Apache-2.0 */
/* `service configure`'s enrollment secret (agent/service_enroll_win32.c),
 * under wine or on Windows: ENROLLSECRET / ENROLLTOKEN land in a file whose
 * access list is SYSTEM and Administrators only, protected from
 * inheritance; the configuration gets the file's name; an empty property
 * changes nothing; other assignments are left to service configure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <aclapi.h>
#include <cmocka.h>

#include "agent/os.h"
#include "agent/service_enroll.h"

static char *dir;
static int on_wine;

static int setup(void **state)
{
    char err[256];

    (void)state;
    on_wine = GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version") != NULL;
    if (on_wine)
        print_message("wine: the secret file's access list is not checked\n");
    return agent_os_make_temp_dir(&dir, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    agent_os_remove_tree(dir);
    free(dir);
    return 0;
}

static char *read_all(const char *path)
{
    char *data = NULL, err[256];
    size_t len = 0;

    if (agent_os_read_file(path, 4096, &data, &len, NULL, err, sizeof err) < 0)
        fail_msg("%s: %s", path, err);
    return data;
}

/* The file's DACL: protected, exactly SYSTEM and Administrators. Wine
 * keeps no descriptor of its own for a file (it makes one up from the
 * POSIX mode): there only the rest is checked. */
static void check_private(const char *path)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    PSID system = NULL, admins = NULL;
    SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };

    if (on_wine)
        return;
    assert_int_equal(GetNamedSecurityInfoA(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                           NULL, &dacl, NULL, &sd),
                     ERROR_SUCCESS);
    assert_non_null(dacl);
    assert_true(GetSecurityDescriptorControl(sd, &control, &revision));
    assert_true(control & SE_DACL_PROTECTED);
    assert_int_equal(dacl->AceCount, 2);
    assert_true(
        AllocateAndInitializeSid(&nt, 1, SECURITY_LOCAL_SYSTEM_RID, 0, 0, 0, 0, 0, 0, 0, &system));
    assert_true(AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                         DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &admins));
    for (DWORD i = 0; i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace = NULL;
        PSID sid;

        assert_true(GetAce(dacl, i, (void **)&ace));
        assert_int_equal(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
        sid = (PSID)&ace->SidStart;
        assert_true(EqualSid(sid, system) || EqualSid(sid, admins));
    }
    FreeSid(system);
    FreeSid(admins);
    LocalFree(sd);
}

static void test_secret_and_token_files(void **state)
{
    char err[256] = "x", path[600], want[700];
    char *a, *data;

    (void)state;
    a = agent_service_enroll_assignment("enroll_secret=correct horse", dir, err, sizeof err);
    assert_non_null(a);
    snprintf(path, sizeof path, "%s\\%s", dir, AGENT_ENROLL_SECRET_FILE);
    snprintf(want, sizeof want, "secret_file=%s", path);
    assert_string_equal(a, want);
    free(a);
    data = read_all(path);
    assert_string_equal(data, "correct horse");
    free(data);
    check_private(path);
    /* replaced atomically, no temporary left */
    a = agent_service_enroll_assignment("enroll_secret=second", dir, err, sizeof err);
    assert_non_null(a);
    free(a);
    data = read_all(path);
    assert_string_equal(data, "second");
    free(data);
    strcat(path, ".new");
    assert_int_equal(GetFileAttributesA(path), INVALID_FILE_ATTRIBUTES);

    a = agent_service_enroll_assignment("enroll_token=eyJ.tok.sig", dir, err, sizeof err);
    assert_non_null(a);
    snprintf(path, sizeof path, "%s\\%s", dir, AGENT_ENROLL_TOKEN_FILE);
    snprintf(want, sizeof want, "token_file=%s", path);
    assert_string_equal(a, want);
    free(a);
    check_private(path);
}

static void test_empty_other_and_bad(void **state)
{
    char err[256] = "x", path[600];
    char *a;

    (void)state;
    /* an unset MSI property: an assignment that changes nothing, no file */
    a = agent_service_enroll_assignment("enroll_token=", dir, err, sizeof err);
    assert_non_null(a);
    assert_string_equal(a, "token_file=");
    free(a);
    snprintf(path, sizeof path, "%s\\%s", dir, AGENT_ENROLL_TOKEN_FILE);
    assert_int_equal(GetFileAttributesA(path), INVALID_FILE_ATTRIBUTES);
    /* not ours */
    assert_null(agent_service_enroll_assignment("server=https://x/", dir, err, sizeof err));
    assert_string_equal(err, "");
    /* control characters: refused, said without the value */
    assert_null(agent_service_enroll_assignment("enroll_secret=a\nb", dir, err, sizeof err));
    assert_non_null(strstr(err, "control characters"));
    assert_null(strstr(err, "a\nb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_secret_and_token_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_other_and_bad, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
