/* SPDX-License-Identifier: Apache-2.0 */
/* A CSP for dispatcher tests, with every node kind and fault switches.
 *
 * Nodes (relative to its root):
 *   ""          interior, Get
 *   RW          chr, Get Replace            (permanent read-write leaf)
 *   RO          chr, Get                    (read-only leaf)
 *   Num         int, Get Replace
 *   Flag        bool, Get Replace
 *   Typed       chr with Type text/x-test, Get Replace
 *   Exec        null, Exec only
 *   Restart     null, Exec only: outside an Atomic arms at once; inside,
 *               only at txn_commit (as the Reboot CSP must)
 *   Dyn         interior, Get Add (permanent)
 *   Dyn/<key>   chr, dynamic, Get Add Replace Delete
 *   Auto        interior, Get
 *   Auto/<key>  chr, dynamic, Get Replace, implicit Add */
#ifndef OMADM_TESTS_TESTCSP_H
#define OMADM_TESTS_TESTCSP_H

#include "omadm/csp.h"

#define TCSP_KEYS 8

typedef struct tcsp_state {
    char rw[64];
    long num;
    int flag;
    char typed[64];
    struct {
        char key[32];
        char val[64];
        int used;
        int in_auto;
    } keys[TCSP_KEYS];
    int restart_armed; /* times the restart was armed */
    int exec_calls;
} tcsp_state;

typedef struct tcsp {
    const char *name; /* for the log */
    tcsp_state s;
    tcsp_state snap;
    int in_txn;
    int restart_pending; /* Exec Restart inside a transaction, not committed */
    int begin_calls, commit_calls, rollback_calls, session_end_calls;
    /* Fault switches: 0 = off, else the value the handler returns. */
    int fail_begin, fail_commit, fail_rollback;
    const char *fail_path; /* a handler on this path returns fail_code */
    int fail_code;
    char log[1024]; /* "begin(A) replace(A:RW) ..." */
    char *shared;   /* when set (1024 bytes), the same lines go there too,
                       to see the order across CSPs */
} tcsp;

extern const omadm_csp_ops tcsp_ops;
extern const omadm_csp_ops tcsp_ops_no_txn; /* no txn_begin: no Atomic */
extern const omadm_node_def tcsp_nodes[];
extern const size_t tcsp_n_nodes;

/* Initial state: RW "rw0", RO "ro0", Num 5, Flag false, Typed "t0",
 * Dyn/d1 = "v1", nothing under Auto. */
void tcsp_init(tcsp *t, const char *name);
/* Registers at root with tcsp_ops. */
void tcsp_register(omadm_tree *tree, const char *root, tcsp *t);
/* Value of Dyn/<key> or Auto/<key>, NULL when absent. */
const char *tcsp_key(const tcsp *t, const char *key);

/* The tree most dispatch tests use: A at ./Vendor/Test, B at
 * ./Vendor/Test2 (tcsp_ops), C at ./Vendor/NoTxn (tcsp_ops_no_txn). */
typedef struct tcsp_fixture {
    omadm_tree *tree;
    tcsp a, b, c;
    char log[1024]; /* for tests that point the CSPs' `shared` at it */
} tcsp_fixture;

/* cmocka fixtures: *state = a new tcsp_fixture; and its release. */
int tcsp_fixture_setup(void **state);
int tcsp_fixture_teardown(void **state);

#endif
