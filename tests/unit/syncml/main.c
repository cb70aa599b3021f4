/* SPDX-License-Identifier: Apache-2.0 */
/* The 'syncml' suite: codec, hostile input and limits, allocation failures. */
#include "util.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

SYNCML_TESTS(SYNCML_DECLARE_TEST)

/* libxml2 prints allocation failures outside a parser context to stderr;
 * the sweeps cause thousands of them. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

#define SYNCML_UNIT_TEST(name) cmocka_unit_test(name),

int main(void)
{
    static const struct CMUnitTest tests[] = { SYNCML_TESTS(SYNCML_UNIT_TEST) };
    int failed;

    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet);
    failed = cmocka_run_group_tests_name("syncml", tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
