/* SPDX-License-Identifier: Apache-2.0 */
#include "etest.h"

int test_messages_run(void);
int test_provdoc_run(void);
int test_crypto_run(void);
int test_answers_run(void);
int test_soap_edges_run(void);

int main(void)
{
    int failed = test_messages_run();

    failed += test_provdoc_run();
    failed += test_crypto_run();
    failed += test_answers_run();
    failed += test_soap_edges_run();
    return failed ? 1 : 0;
}
