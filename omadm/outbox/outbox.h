/* SPDX-License-Identifier: Apache-2.0 */
/* The outbox: durable records of what must reach the server later (restart
 * intents and outcomes, generic alerts), kept until acknowledged.
 *
 * Each record is one file in the state directory written through the
 * platform's durable-file API (temp file, fsync, rename, directory fsync),
 * named "outbox-<16 hex digit id>.rec", carrying a magic, a version and a
 * checksum. A corrupt or torn record is reported (omadm_outbox_open's
 * `corrupt` count, a log line) and moved aside as "<name>.bad"... never a
 * crash, never a block for the other entries. */
#ifndef OMADM_OUTBOX_OUTBOX_H
#define OMADM_OUTBOX_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "omadm/status.h"
#include "platform/platform.h"

typedef struct omadm_outbox omadm_outbox;

typedef enum omadm_outbox_kind {
    /* A restart intent (Reboot CSP): never sent, never evicted; removed by
     * the lifecycle when its outcome is known. */
    OMADM_OUTBOX_INTENT = 1,
    /* A restart outcome: sent as a generic alert (1226). */
    OMADM_OUTBOX_OUTCOME = 2,
    /* Any other generic alert (1226); informational entries are evicted
     * first when the outbox is full. */
    OMADM_OUTBOX_ALERT = 3
} omadm_outbox_kind;

/* One record. Strings NUL-terminated, NULL when absent. */
typedef struct omadm_outbox_entry {
    uint64_t id; /* assigned by the outbox, increasing */
    omadm_outbox_kind kind;
    int64_t created;   /* unix seconds */
    unsigned attempts; /* sessions that carried it without an ack */
    char *source_uri;  /* alert Item Source/LocURI */
    char *type;        /* alert Meta/Type */
    char *format;      /* alert Meta/Format */
    char *mark;        /* alert Meta/Mark */
    char *data;        /* alert Data, or the intent's payload */
} omadm_outbox_entry;

typedef struct omadm_outbox_limits {
    unsigned max_entries;  /* default 1000 */
    size_t max_bytes;      /* total record bytes, default 4 MiB */
    size_t max_record;     /* one record, default 64 KiB */
    unsigned max_attempts; /* sessions before an unacknowledged alert is
                              dropped, default 10 */
} omadm_outbox_limits;

#define OMADM_OUTBOX_LIMITS_DEFAULT                                                                \
    {                                                                                              \
        1000, 4194304, 65536, 10                                                                   \
    }

/* Opens the outbox on the platform's state directory and loads every
 * record. `limits` NULL = defaults. `platform` is borrowed and must outlive
 * the outbox. *corrupt (may be NULL) receives how many records were set
 * aside as corrupt. */
omadm_status omadm_outbox_open(omadm_outbox **out, const omadm_platform *platform,
                               const omadm_outbox_limits *limits, unsigned *corrupt);
void omadm_outbox_close(omadm_outbox *outbox); /* accepts NULL */

/* Adds a record durably (written before this returns OMADM_OK). The strings
 * are copied. When full, the oldest informational alerts (mark absent or
 * "informational", kind ALERT) are evicted first, then the oldest other
 * ALERT/OUTCOME; never an INTENT: with no room left OMADM_ERR_FULL.
 * *id (may be NULL) receives the new id. */
omadm_status omadm_outbox_add(omadm_outbox *outbox, const omadm_outbox_entry *entry, uint64_t *id);
/* The same, flushed as `flush` says (platform.h's OMADM_FILE_FLUSH_*).
 * OMADM_FILE_FLUSH_ORDERED, for a group of writes: the record's content is
 * on disk, its name only once a later OMADM_FILE_FLUSH_ALL write in the
 * state directory (which flushes the directory) returns. */
omadm_status omadm_outbox_add_with(omadm_outbox *outbox, const omadm_outbox_entry *entry,
                                   unsigned flush, uint64_t *id);

/* Number of records, and the record at `index` (0-based, oldest first),
 * borrowed until the next change to the outbox. */
size_t omadm_outbox_count(const omadm_outbox *outbox);
const omadm_outbox_entry *omadm_outbox_at(const omadm_outbox *outbox, size_t index);
/* The record with that id, or NULL. Borrowed as above. */
const omadm_outbox_entry *omadm_outbox_find(const omadm_outbox *outbox, uint64_t id);

/* Replaces the data of a record (INTENT payload updates: the "requested"
 * mark). The new record is flushed before it replaces the old one, but the
 * replacement is not forced to disk (OMADM_FILE_FLUSH_ORDERED): a process
 * crash leaves the new data, a power loss the old or the new, whole. The
 * mark only matters within one boot, which a power loss ends. */
omadm_status omadm_outbox_update_data(omadm_outbox *outbox, uint64_t id, const char *data);

/* Removes a record durably. OMADM_ERR_NOT_FOUND if absent. */
omadm_status omadm_outbox_remove(omadm_outbox *outbox, uint64_t id);

/* How the server answered an alert that carried an outbox record
 * (reboot-csp.md §6). */
typedef enum omadm_outbox_reply {
    OMADM_OUTBOX_ACKED,    /* 2xx Status for the Alert, or a 2xx SyncHdr
                              Status and no Status for the Alert */
    OMADM_OUTBOX_REJECTED, /* 415: the server does not understand it */
    OMADM_OUTBOX_RETRY,    /* 401/407/412/500/other, or no reply */
} omadm_outbox_reply;

/* Applies the acknowledgement rules: ACKED and REJECTED remove the record
 * (REJECTED logs once); RETRY increments `attempts` durably and drops the
 * record (with a log line) once it reaches max_attempts. INTENT records are
 * never passed here. */
omadm_status omadm_outbox_settle(omadm_outbox *outbox, uint64_t id, omadm_outbox_reply reply);

/* Maps a DM status code (as the server sent it, e.g. "200") or NULL (no
 * Status for the Alert) plus the SyncHdr status of that reply to the reply
 * class above. */
omadm_outbox_reply omadm_outbox_classify(const char *alert_status, const char *synchdr_status);

#endif
