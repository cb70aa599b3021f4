/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the syncml unit tests. */
#ifndef TEST_SYNCML_UTIL_H
#define TEST_SYNCML_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/compiler.h"

#include "omadm/status.h"
#include "syncml/syncml.h"

#define MAX_FIXTURES 64

/* Reads a whole file (malloc'd, NUL-terminated); fails the test if absent. */
char *read_file(const char *path, size_t *len);
/* tests/fixtures/syncml/<name> and tests/fixtures/syncml/golden/<name>. */
char *read_fixture(const char *name, size_t *len);
char *read_golden(const char *name, size_t *len);
/* Names of the .xml files in tests/fixtures/syncml, sorted; returns the count. */
size_t list_fixtures(char names[][64], size_t max);

/* Parses and fails the test on error (the message is printed). */
syncml_msg *parse_ok(const char *data, size_t len);
/* Asserts that parsing fails with `st` and a message containing `needle`. */
void expect_error(const char *data, size_t len, const syncml_limits *lim, omadm_status st,
                  const char *needle);
/* A complete message: a valid SyncHdr and `body` inside SyncBody.
 * malloc'd; *len set. */
char *wrap_body(const char *body, size_t *len);
/* Parses (must succeed) and checks that the first rejected command, in
 * document order with members, has `code`, a reason containing `needle`,
 * and (when not NULL) the CmdID `cmd_id`. */
void expect_reject(const char *data, size_t len, const syncml_limits *lim, int code,
                   const char *needle, const char *cmd_id);
const syncml_cmd *first_rejected(const syncml_cmd *list);
/* printf into a malloc'd string. */
char *fmt(const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(OMADM_PRINTF_ARCHETYPE, 1, 2)))
#endif
    ;
/* `s` repeated n times (malloc'd). */
char *repeat(const char *s, size_t n);

/* The tests of each file. */
#define SYNCML_CODEC_TESTS(X)                                                                      \
    X(test_golden_bytes)                                                                           \
    X(test_round_trip)                                                                             \
    X(test_encoded_sizes)                                                                          \
    X(test_model_windows_package1)                                                                 \
    X(test_model_fleet_style)                                                                      \
    X(test_model_status_chal)                                                                      \
    X(test_model_atomic_sequence)                                                                  \
    X(test_model_all_fields)                                                                       \
    X(test_model_syncml11_prefixed)                                                                \
    X(test_model_data_xml_namespaces)                                                              \
    X(test_tolerance)                                                                              \
    X(test_build_message)                                                                          \
    X(test_clone)                                                                                  \
    X(test_equal_names_difference)                                                                 \
    X(test_cmd_type_names)                                                                         \
    X(test_writer_escaping)                                                                        \
    X(test_writer_rejects_invalid)                                                                 \
    X(test_arena)                                                                                  \
    X(test_data_capture_escapes)

#define SYNCML_HOSTILE_TESTS(X)                                                                    \
    X(test_xxe_external_entity)                                                                    \
    X(test_billion_laughs)                                                                         \
    X(test_external_dtd)                                                                           \
    X(test_parameter_entities)                                                                     \
    X(test_other_dtd_declarations)                                                                 \
    X(test_undeclared_entity_reference)                                                            \
    X(test_limit_message_size)                                                                     \
    X(test_limit_depth)                                                                            \
    X(test_deep_nesting_10000)                                                                     \
    X(test_limit_commands)                                                                         \
    X(test_limit_items)                                                                            \
    X(test_limit_uri_bytes)                                                                        \
    X(test_limit_uri_segments)                                                                     \
    X(test_limit_cmd_id)                                                                           \
    X(test_limit_value)                                                                            \
    X(test_limits_lowered)                                                                         \
    X(test_truncated_every_offset)                                                                 \
    X(test_invalid_utf8)                                                                           \
    X(test_nul_bytes)                                                                              \
    X(test_empty_input)                                                                            \
    X(test_wrong_root_and_namespace)                                                               \
    X(test_missing_hdr_fields)                                                                     \
    X(test_missing_hdr_or_body)                                                                    \
    X(test_undefined_prefix)                                                                       \
    X(test_generic_error_handler_restored)                                                         \
    SYNCML_PER_COMMAND_TESTS(X)

/* test_per_command.c: per-command limits answer that command only. */
#define SYNCML_PER_COMMAND_TESTS(X)                                                                \
    X(test_reject_keeps_the_next_command)                                                          \
    X(test_reject_cmd_id_truncated)                                                                \
    X(test_reject_inside_atomic)                                                                   \
    X(test_reject_raw_data)                                                                        \
    X(test_header_limits_still_fail)                                                               \
    X(test_reject_alloc_sweep)

#define SYNCML_ALLOC_TESTS(X)                                                                      \
    X(test_alloc_sweep_parse)                                                                      \
    X(test_alloc_sweep_write)                                                                      \
    X(test_alloc_sweep_clone)                                                                      \
    X(test_alloc_sweep_parse_deep)

/* Every test of the suite: X(name), declared here, listed in main.c. */
#define SYNCML_TESTS(X)                                                                            \
    SYNCML_CODEC_TESTS(X)                                                                          \
    SYNCML_HOSTILE_TESTS(X)                                                                        \
    SYNCML_ALLOC_TESTS(X)

#define SYNCML_DECLARE_TEST(name) void name(void **state);

#endif
