/* SPDX-License-Identifier: Apache-2.0 */
/* The SyncML DM 1.2 message model, one for both directions, and its codec.
 *
 * A message owns all of its memory in one arena: every string, item and
 * command hanging off a syncml_msg is freed by syncml_msg_free. Builders
 * (syncml_cmd_new, syncml_item_new, syncml_strdup...) allocate from the
 * message's arena, so nodes of one message are never linked into another.
 *
 * Strings are NUL-terminated; NULL means "element absent", "" means
 * "present and empty". Values are kept verbatim (CmdIDs are never parsed as
 * numbers). Lists are singly linked through `next`, in document order. */
#ifndef OMADM_SYNCML_SYNCML_H
#define OMADM_SYNCML_SYNCML_H

#include <stdbool.h>
#include <stddef.h>

#include "omadm/status.h"

#define SYNCML_NS     "SYNCML:SYNCML1.2"
#define SYNCML_NS_11  "SYNCML:SYNCML1.1"
#define SYNCML_METINF "syncml:metinf"

/* Limits applied while parsing (DESIGN §6). Each may be lowered. */
typedef struct syncml_limits {
    size_t max_message;        /* bytes of the whole message: 1 MiB */
    unsigned max_depth;        /* element nesting depth: 32 */
    unsigned max_commands;     /* commands per message, nested ones included: 1000 */
    unsigned max_items;        /* Items per command: 100 */
    size_t max_uri;            /* bytes of a LocURI: 1024 */
    unsigned max_uri_segments; /* segments of a LocURI: 32 (a leading "./" is not one) */
    size_t max_cmd_id;         /* bytes of a CmdID: 64 */
    size_t max_value;          /* bytes of one Data value (and of any other text field): 512 KiB */
} syncml_limits;

#define SYNCML_LIMITS_DEFAULT                                                                      \
    {                                                                                              \
        1048576, 32, 1000, 100, 1024, 32, 64, 524288                                               \
    }

typedef struct syncml_meta {
    char *format;       /* Format */
    char *type;         /* Type */
    char *mark;         /* Mark */
    char *size;         /* Size (verbatim decimal) */
    char *max_msg_size; /* MaxMsgSize (verbatim decimal) */
    char *max_obj_size; /* MaxObjSize (verbatim decimal) */
    char *next_nonce;   /* NextNonce (base64, verbatim) */
} syncml_meta;

typedef struct syncml_item {
    char *target_uri;  /* Target/LocURI */
    char *target_name; /* Target/LocName */
    char *source_uri;  /* Source/LocURI */
    char *source_name; /* Source/LocName */
    syncml_meta *meta; /* NULL when the Item has no Meta */
    char *data;        /* NULL when no Data element */
    size_t data_len;   /* bytes of data (it may hold NUL bytes? no: XML text) */
    bool data_is_xml;  /* Data held child elements: data is their inner XML,
                          written back raw (not escaped) */
    bool more_data;    /* MoreData present */
    struct syncml_item *next;
} syncml_item;

typedef enum syncml_cmd_type {
    SYNCML_CMD_UNKNOWN = 0, /* any other element under SyncBody/Atomic/Sequence */
    SYNCML_CMD_ALERT,
    SYNCML_CMD_GET,
    SYNCML_CMD_ADD,
    SYNCML_CMD_REPLACE,
    SYNCML_CMD_DELETE,
    SYNCML_CMD_EXEC,
    SYNCML_CMD_COPY,
    SYNCML_CMD_ATOMIC,
    SYNCML_CMD_SEQUENCE,
    SYNCML_CMD_STATUS,
    SYNCML_CMD_RESULTS
} syncml_cmd_type;

/* "Alert", "Get"... (NULL for SYNCML_CMD_UNKNOWN). Static. */
const char *syncml_cmd_type_name(syncml_cmd_type type);
/* The type for an element local name; SYNCML_CMD_UNKNOWN if none. */
syncml_cmd_type syncml_cmd_type_from_name(const char *name);

typedef struct syncml_cmd {
    syncml_cmd_type type;
    char *element;     /* local name as received (for UNKNOWN); NULL when built */
    char *cmd_id;      /* CmdID verbatim; NULL when absent */
    bool no_resp;      /* NoResp present */
    syncml_meta *meta; /* command-level Meta, NULL when absent */
    char *data;        /* Alert/Status: Data (alert or status code), verbatim */

    /* Status and Results */
    char *msg_ref;     /* MsgRef */
    char *cmd_ref;     /* CmdRef */
    char *cmd;         /* Cmd */
    char *target_ref;  /* TargetRef (one per Status in our model) */
    char *source_ref;  /* SourceRef */
    syncml_meta *chal; /* Status/Chal/Meta; NULL when no Chal */

    syncml_item *items;          /* Item list */
    struct syncml_cmd *children; /* Atomic/Sequence members */
    struct syncml_cmd *next;

    /* Parsing only: a per-command limit was exceeded (see syncml_parse).
     * The DM status code the command gets (400, 413, 414), 0 when none;
     * the rest of the command's content was skipped. */
    int reject_code;
    char *reject_reason; /* what was exceeded, for the log; NULL when none */
} syncml_cmd;

typedef struct syncml_cred {
    syncml_meta *meta; /* Type (syncml:auth-md5 / auth-basic), Format (b64) */
    char *data;
} syncml_cred;

typedef struct syncml_hdr {
    char *ver_dtd;
    char *ver_proto;
    char *session_id;
    char *msg_id;
    char *target_uri;
    char *target_name;
    char *source_uri;
    char *source_name;
    char *resp_uri;
    bool no_resp;
    syncml_cred *cred; /* NULL when absent */
    syncml_meta *meta; /* NULL when absent: MaxMsgSize, MaxObjSize */
} syncml_hdr;

typedef struct syncml_arena syncml_arena;

typedef struct syncml_msg {
    syncml_arena *arena; /* owns everything below */
    syncml_hdr hdr;
    syncml_cmd *body; /* SyncBody commands, document order */
    bool final;       /* Final present */
} syncml_msg;

/* Error detail: what was wrong, which limit, which element, e.g.
 * "CmdID longer than 64 bytes in Exec", "more than 100 Items in Replace",
 * "element depth over 32 at <Data>", "missing MsgID in SyncHdr". */
typedef struct syncml_error {
    char message[256];
    unsigned line; /* 1-based input line when known, else 0 */
} syncml_error;

/* ---- building ---------------------------------------------------------- */

/* Creates an empty message (hdr all NULL, body empty). *out owned by the
 * caller (syncml_msg_free). */
omadm_status syncml_msg_new(syncml_msg **out);
/* Frees the message and everything in its arena. Accepts NULL. */
void syncml_msg_free(syncml_msg *msg);

/* Arena allocations; freed with the message. NULL on allocation failure
 * (and syncml_strdup(msg, NULL) returns NULL: check the source first). */
void *syncml_alloc(syncml_msg *msg, size_t size); /* zeroed */
char *syncml_strdup(syncml_msg *msg, const char *src);
char *syncml_strndup(syncml_msg *msg, const char *src, size_t len);
syncml_meta *syncml_meta_new(syncml_msg *msg);
syncml_item *syncml_item_new(syncml_msg *msg);
syncml_cmd *syncml_cmd_new(syncml_msg *msg, syncml_cmd_type type);
/* Appends to a list (O(n)); for long lists keep a tail pointer yourself. */
void syncml_cmd_append(syncml_cmd **list, syncml_cmd *cmd);
void syncml_item_append(syncml_item **list, syncml_item *item);
/* Deep copy of `cmd` (and its children, not its `next`) into msg's arena. */
syncml_cmd *syncml_cmd_clone(syncml_msg *msg, const syncml_cmd *cmd);
size_t syncml_cmd_count(const syncml_cmd *list);
size_t syncml_item_count(const syncml_item *list);

/* ---- parsing ----------------------------------------------------------- */

/* Appended to a CmdID kept truncated (syncml_parse). */
#define SYNCML_CMDID_TRUNCATED "..."

/* Parses `len` bytes at `data` (need not be NUL-terminated).
 * On success *out is a new message owned by the caller.
 * Errors: OMADM_ERR_PARSE (malformed XML, DOCTYPE/entities, wrong root or
 * namespace, missing SyncHdr fields), OMADM_ERR_LIMIT (a message-level
 * limit exceeded: size, depth, commands per message, or a limit inside the
 * SyncHdr), OMADM_ERR_NOMEM; `err` (may be NULL) then says what and where.
 *
 * Per-command limits do not fail the message: one bad command must not
 * block the others. A command whose CmdID is too long (400), whose LocURI
 * is too long or has too many segments (414), which has too many Items or
 * a value too long (413) is kept with `reject_code` and `reject_reason`
 * set and the rest of its content skipped. A CmdID over the limit is kept
 * truncated: its first max_cmd_id - 3 bytes (cut back to a UTF-8 character
 * boundary) followed by SYNCML_CMDID_TRUNCATED ("..."), max_cmd_id bytes
 * at most, and echoed so in the CmdRef of its Status.
 * `limits` NULL means SYNCML_LIMITS_DEFAULT. */
omadm_status syncml_parse(const char *data, size_t len, const syncml_limits *limits,
                          syncml_msg **out, syncml_error *err);

/* ---- writing ----------------------------------------------------------- */

/* Writes the whole message as XML (UTF-8, no XML declaration, no
 * indentation). *out (NUL-terminated, *out_len bytes) is owned by the caller
 * (omadm__free); on failure *out is NULL. Errors: OMADM_ERR_NOMEM;
 * OMADM_ERR_INVALID when the model cannot be written (an UNKNOWN command
 * whose `element` is not an XML name, Item data holding a NUL). */
omadm_status syncml_write(const syncml_msg *msg, char **out, size_t *out_len);

/* Exact encoded size in bytes that syncml_write would produce. */
omadm_status syncml_encoded_size(const syncml_msg *msg, size_t *size);
/* Exact number of bytes `cmd` adds when appended to a message's SyncBody
 * (the encoded size of the message grows by exactly this much). */
omadm_status syncml_cmd_encoded_size(const syncml_cmd *cmd, size_t *size);

/* ---- comparing (tests, round trips) ------------------------------------ */

/* true when both models hold the same content. On a difference, `where`
 * (may be NULL, `where_len` bytes) names the first differing field. */
bool syncml_msg_equal(const syncml_msg *a, const syncml_msg *b, char *where, size_t where_len);

#endif
