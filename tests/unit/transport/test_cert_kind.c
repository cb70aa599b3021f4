/* SPDX-License-Identifier: Apache-2.0 */
/* How the transport reads the configured client certificate's name: PEM
 * file, PKCS#12 file or Windows store entry (transport/cert.h). Runs on
 * every platform, under wine too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "transport/cert.h"
#include "transport/transport.h"

static void test_kinds(void **state)
{
    static const struct {
        const char *name;
        omadm__cert_kind kind;
    } cases[] = {
        { NULL, OMADM__CERT_PEM },
        { "/etc/omadm-agent/client.pem", OMADM__CERT_PEM },
        { "client.crt", OMADM__CERT_PEM },
        { "C:\\ProgramData\\omadm-agent\\device.pfx", OMADM__CERT_P12 },
        { "device.P12", OMADM__CERT_P12 },
        { "device.Pfx", OMADM__CERT_P12 },
        { ".pfx", OMADM__CERT_PEM }, /* nothing before the extension */
        { "device.pfx.pem", OMADM__CERT_PEM },
        { "LocalMachine\\MY\\0123456789abcdef0123456789ABCDEF01234567", OMADM__CERT_STORE },
        { "CurrentUser\\My\\0123456789abcdef0123456789abcdef01234567", OMADM__CERT_STORE },
        { "LocalMachineEnterprise\\Root\\0123456789abcdef0123456789abcdef01234567",
          OMADM__CERT_STORE },
        /* Not store paths: unknown location, short or non-hex thumbprint,
         * no store name, forward slashes, a drive path. */
        { "Machine\\MY\\0123456789abcdef0123456789abcdef01234567", OMADM__CERT_PEM },
        { "LocalMachine\\MY\\0123456789abcdef0123456789abcdef0123456", OMADM__CERT_PEM },
        { "LocalMachine\\MY\\0123456789abcdef0123456789abcdef012345678", OMADM__CERT_PEM },
        { "LocalMachine\\MY\\0123456789abcdef0123456789abcdef0123456g", OMADM__CERT_PEM },
        { "LocalMachine\\\\0123456789abcdef0123456789abcdef01234567", OMADM__CERT_PEM },
        { "LocalMachine/MY/0123456789abcdef0123456789abcdef01234567", OMADM__CERT_PEM },
        { "C:\\certs\\0123456789abcdef0123456789abcdef01234567", OMADM__CERT_PEM },
        { "LocalMachine\\MY\\sub\\0123456789abcdef0123456789abcdef01234567", OMADM__CERT_PEM },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omadm__cert_kind got = omadm__transport_cert_kind(cases[i].name);
        if (got != cases[i].kind)
            fail_msg("%s: got %s", cases[i].name ? cases[i].name : "(null)",
                     omadm__transport_cert_kind_name(got));
    }
    assert_string_equal(omadm__transport_cert_kind_name(OMADM__CERT_STORE), "store");
}

/* A key file makes sense only beside a PEM certificate. */
static void test_key_only_with_pem(void **state)
{
    omadm_transport_config cfg = OMADM_TRANSPORT_CONFIG_INIT;
    omadm_transport *t = NULL;

    (void)state;
    cfg.url = "https://127.0.0.1:1/";
    cfg.cert_file = "device.pfx";
    cfg.key_file = "device.key";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_null(t);
    cfg.cert_file = "LocalMachine\\MY\\0123456789abcdef0123456789abcdef01234567";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    cfg.key_file = NULL;
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_OK);
    omadm_transport_free(t);
    cfg.cert_file = "device.pfx";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_OK);
    omadm_transport_free(t);
    omadm_transport_global_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_key_only_with_pem),
    };
    return cmocka_run_group_tests_name("transport-cert-kind", tests, NULL, NULL);
}
