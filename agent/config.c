/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration: INI parsing with inih, command-line overrides, checks. */
#include "agent/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "agent/os.h"
#include "agent/log.h"

/* Largest config file we read: it is a handful of lines. */
#define CONFIG_MAX_BYTES 65536

enum value_kind {
    V_URL,
    V_DEVICE_ID,
    V_TEXT,
    V_SECRET,
    V_PATH,
    V_PLATFORM,
    V_LEVEL,
    V_INTERVAL,
    V_PUSH_PERIOD,
    V_SIZE,
    V_ENROLL_RETRY
};

static const struct key_def {
    const char *section;
    const char *name;
    const char *flag; /* the command-line option, NULL when there is none */
    enum value_kind kind;
} keys[AGENT_KEY_COUNT] = {
    [AGENT_KEY_URL] = { "server", "url", "--server", V_URL },
    [AGENT_KEY_DEVICE_ID] = { "server", "device_id", "--device-id", V_DEVICE_ID },
    [AGENT_KEY_AUTH_NAME] = { "server", "auth_name", NULL, V_TEXT },
    [AGENT_KEY_AUTH_SECRET] = { "server", "auth_secret", NULL, V_SECRET },
    [AGENT_KEY_CA] = { "tls", "ca", "--ca", V_PATH },
    [AGENT_KEY_CERT] = { "tls", "cert", "--cert", V_PATH },
    [AGENT_KEY_KEY] = { "tls", "key", "--key", V_PATH },
    [AGENT_KEY_STATE_DIR] = { "agent", "state_dir", "--state-dir", V_PATH },
    [AGENT_KEY_PLATFORM] = { "agent", "platform", "--platform", V_PLATFORM },
    [AGENT_KEY_LOG_LEVEL] = { "agent", "log_level", "--log-level", V_LEVEL },
    [AGENT_KEY_LOG_FILE] = { "agent", "log_file", NULL, V_PATH },
    [AGENT_KEY_POLL_INTERVAL] = { "poll", "initial_interval", NULL, V_INTERVAL },
    [AGENT_KEY_USER_AGENT] = { "server", "user_agent", NULL, V_TEXT },
    [AGENT_KEY_PROXY] = { "server", "proxy", NULL, V_TEXT },
    [AGENT_KEY_ENROLL_URL] = { "enroll", "url", "--url", V_URL },
    [AGENT_KEY_ENROLL_CA] = { "enroll", "ca", NULL, V_PATH },
    [AGENT_KEY_ENROLL_USER] = { "enroll", "user", "--user", V_TEXT },
    [AGENT_KEY_ENROLL_SECRET_FILE] = { "enroll", "secret_file", "--secret-file", V_PATH },
    [AGENT_KEY_ENROLL_TOKEN_FILE] = { "enroll", "token_file", "--token-file", V_PATH },
    [AGENT_KEY_PUSH_URL] = { "push", "url", NULL, V_URL },
    [AGENT_KEY_PUSH_PERIOD] = { "push", "period", NULL, V_PUSH_PERIOD },
    [AGENT_KEY_PUSH_SERVER_ID] = { "push", "server_id", NULL, V_TEXT },
    [AGENT_KEY_PUSH_SECRET] = { "push", "server_secret", NULL, V_SECRET },
    [AGENT_KEY_PUSH_NONCE] = { "push", "server_nonce", NULL, V_TEXT },
    [AGENT_KEY_CSP_DIR] = { "agent", "csp_dir", NULL, V_PATH },
    [AGENT_KEY_MAX_INBOUND_SIZE] = { "server", "max_inbound_size", NULL, V_SIZE },
    [AGENT_KEY_ENROLL_RETRY] = { "enroll", "retry_interval", NULL, V_ENROLL_RETRY },
};

static const char *const sections[] = { "server", "tls", "agent", "poll", "enroll", "push" };

static void set_err(char *err, size_t errsize, const char *fmt, ...) AGENT_PRINTF(3, 4);

static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
    va_list ap;

    if (!err || errsize == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
}

const char *agent_platform_name(agent_platform_kind kind)
{
    return kind == AGENT_PLATFORM_SIM ? "sim" : "native";
}

int agent_config_init(agent_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->state_dir = strdup(agent_os_default_state_dir());
    if (!cfg->state_dir)
        return -1;
    cfg->platform = AGENT_PLATFORM_NATIVE;
    cfg->log_level = OMADM_LOG_INFO;
    cfg->poll_interval = 15 * 60;
    cfg->push_period = 10 * 60;
    cfg->enroll_retry = 30;
    return 0;
}

static char **field(agent_config *cfg, agent_key key)
{
    switch (key) {
    case AGENT_KEY_URL:
        return &cfg->server_url;
    case AGENT_KEY_DEVICE_ID:
        return &cfg->device_id;
    case AGENT_KEY_AUTH_NAME:
        return &cfg->auth_name;
    case AGENT_KEY_AUTH_SECRET:
        return &cfg->auth_secret;
    case AGENT_KEY_CA:
        return &cfg->ca_file;
    case AGENT_KEY_CERT:
        return &cfg->cert;
    case AGENT_KEY_KEY:
        return &cfg->key_file;
    case AGENT_KEY_STATE_DIR:
        return &cfg->state_dir;
    case AGENT_KEY_LOG_FILE:
        return &cfg->log_file;
    case AGENT_KEY_USER_AGENT:
        return &cfg->user_agent;
    case AGENT_KEY_PROXY:
        return &cfg->proxy;
    case AGENT_KEY_ENROLL_URL:
        return &cfg->enroll_url;
    case AGENT_KEY_ENROLL_CA:
        return &cfg->enroll_ca;
    case AGENT_KEY_ENROLL_USER:
        return &cfg->enroll_user;
    case AGENT_KEY_ENROLL_SECRET_FILE:
        return &cfg->enroll_secret_file;
    case AGENT_KEY_ENROLL_TOKEN_FILE:
        return &cfg->enroll_token_file;
    case AGENT_KEY_PUSH_URL:
        return &cfg->push_url;
    case AGENT_KEY_PUSH_SERVER_ID:
        return &cfg->push_server_id;
    case AGENT_KEY_PUSH_SECRET:
        return &cfg->push_secret;
    case AGENT_KEY_PUSH_NONCE:
        return &cfg->push_nonce;
    case AGENT_KEY_CSP_DIR:
        return &cfg->csp_dir;
    default:
        return NULL;
    }
}

void agent_config_free(agent_config *cfg)
{
    if (!cfg)
        return;
    for (int k = 0; k < AGENT_KEY_COUNT; k++) {
        char **p = field(cfg, (agent_key)k);
        if (p) {
            if ((k == AGENT_KEY_AUTH_SECRET || k == AGENT_KEY_PUSH_SECRET) && *p)
                memset(*p, 0, strlen(*p));
            free(*p);
            *p = NULL;
        }
    }
    free(cfg->path);
    cfg->path = NULL;
    free(cfg->enrolled_cert_pem);
    if (cfg->enrolled_key_pem)
        memset(cfg->enrolled_key_pem, 0, strlen(cfg->enrolled_key_pem));
    free(cfg->enrolled_key_pem);
    free(cfg->enrolled_ca_pem);
    free(cfg->enrolled_provider);
    cfg->enrolled_provider = NULL;
    cfg->enrolled_cert_pem = cfg->enrolled_key_pem = cfg->enrolled_ca_pem = NULL;
}

int agent_config_check_url(const char *url, char *err, size_t errsize)
{
    static const char scheme[] = "https://";
    const char *host, *p, *end;
    size_t i;

    for (p = url; *p; p++) {
        /* RFC 3986: no spaces, controls, non-ASCII or these characters */
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"<>\\^`{|}", *p)) {
            set_err(err, errsize, "\"%s\" is not a valid URL (character %u)", url,
                    (unsigned)(p - url) + 1);
            return -1;
        }
    }
    for (i = 0; scheme[i]; i++) { /* the scheme is case-insensitive */
        if (tolower((unsigned char)url[i]) != scheme[i])
            break;
    }
    if (scheme[i]) {
        set_err(err, errsize, "\"%s\" is not an https:// URL", url);
        return -1;
    }
    host = url + 8;
    end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(end - host))) {
        set_err(err, errsize, "\"%s\": credentials do not belong in the URL", url);
        return -1;
    }
    p = host;
    if (*p == '[') { /* IPv6 literal */
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close || close == p + 1) {
            set_err(err, errsize, "\"%s\" has a malformed IPv6 address", url);
            return -1;
        }
        for (const char *q = p + 1; q < close; q++) {
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') {
                set_err(err, errsize, "\"%s\" has a malformed IPv6 address", url);
                return -1;
            }
        }
        p = close + 1;
    } else {
        const char *q = p;
        while (q < end && *q != ':') {
            if (!isalnum((unsigned char)*q) && *q != '-' && *q != '.' && *q != '_') {
                set_err(err, errsize, "\"%s\" has an invalid host name", url);
                return -1;
            }
            q++;
        }
        if (q == p) {
            set_err(err, errsize, "\"%s\" has no host", url);
            return -1;
        }
        p = q;
    }
    if (p < end) {
        long port = 0;
        if (*p != ':' || p + 1 == end) {
            set_err(err, errsize, "\"%s\" has an invalid port", url);
            return -1;
        }
        for (p++; p < end; p++) {
            if (!isdigit((unsigned char)*p) || (port = port * 10 + (*p - '0')) > 65535) {
                set_err(err, errsize, "\"%s\" has an invalid port", url);
                return -1;
            }
        }
        if (port == 0) {
            set_err(err, errsize, "\"%s\" has an invalid port", url);
            return -1;
        }
    }
    if (strchr(end, '#')) {
        set_err(err, errsize, "\"%s\": a fragment does not belong in the URL", url);
        return -1;
    }
    return 0;
}

int agent_config_check_device_id(const char *id, char *err, size_t errsize)
{
    size_t n = strlen(id);

    if (n == 0 || n > 64) {
        set_err(err, errsize, "device id must be 1 to 64 printable ASCII characters, not %u",
                (unsigned)n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c >= 0x7f) {
            set_err(err, errsize,
                    "device id \"%s\" must be printable ASCII without spaces (character %u)", id,
                    (unsigned)(i + 1));
            return -1;
        }
    }
    return 0;
}

int agent_config_parse_interval(const char *text, unsigned *seconds, char *err, size_t errsize)
{
    unsigned long long v = 0, mult = 60;
    const char *p = text;

    if (!isdigit((unsigned char)*p))
        goto bad;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (unsigned)(*p++ - '0');
        if (v > 100000000ull)
            goto range;
    }
    if (*p) {
        switch (*p) {
        case 's':
            mult = 1;
            break;
        case 'm':
            mult = 60;
            break;
        case 'h':
            mult = 3600;
            break;
        case 'd':
            mult = 86400;
            break;
        default:
            goto bad;
        }
        if (p[1])
            goto bad;
    }
    v *= mult;
    if (v < 1 || v > 30ull * 86400)
        goto range;
    *seconds = (unsigned)v;
    return 0;
bad:
    set_err(err, errsize,
            "\"%s\" is not an interval (minutes, or a number with s, m, h or d: \"90s\", "
            "\"15m\")",
            text);
    return -1;
range:
    set_err(err, errsize, "interval \"%s\" is out of range (1s to 30d)", text);
    return -1;
}

int agent_config_parse_level(const char *text, omadm_log_level *level)
{
    static const omadm_log_level levels[] = { OMADM_LOG_ERROR, OMADM_LOG_WARN, OMADM_LOG_INFO,
                                              OMADM_LOG_DEBUG };

    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcmp(text, omadm_log_level_name(levels[i])) == 0) {
            *level = levels[i];
            return 0;
        }
    }
    return -1;
}

int agent_config_parse_size(const char *text, size_t *bytes, char *err, size_t errsize)
{
    unsigned long long v = 0, mult = 1;
    const char *p = text;

    if (!isdigit((unsigned char)*p))
        goto bad;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (unsigned)(*p++ - '0');
        if (v > 100000000000ull)
            goto range;
    }
    if (*p == 'k' || *p == 'K')
        mult = 1024;
    else if (*p == 'm' || *p == 'M')
        mult = 1024 * 1024;
    else if (*p)
        goto bad;
    if (*p && p[1])
        goto bad;
    v *= mult;
    if (v < 64 * 1024 || v > 64 * 1024 * 1024)
        goto range;
    *bytes = (size_t)v;
    return 0;
bad:
    set_err(err, errsize, "\"%s\" is not a size (bytes, or a number with K or M: \"4M\")", text);
    return -1;
range:
    set_err(err, errsize, "\"%s\" is out of range (64K to 64M)", text);
    return -1;
}

/* Validates and stores one value; `err` gets the reason only. */
static int set_value(agent_config *cfg, agent_key key, const char *value, char *err, size_t errsize)
{
    const struct key_def *def = &keys[key];
    char **slot;
    char *copy;

    switch (def->kind) {
    case V_URL:
        if (agent_config_check_url(value, err, errsize) < 0)
            return -1;
        break;
    case V_DEVICE_ID:
        if (agent_config_check_device_id(value, err, errsize) < 0)
            return -1;
        break;
    case V_TEXT:
        for (const char *p = value; *p; p++) {
            if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) {
                set_err(err, errsize, "control characters are not allowed");
                return -1;
            }
        }
        /* fall through */
    case V_SECRET:
    case V_PATH:
        if (!*value) {
            set_err(err, errsize, "empty value");
            return -1;
        }
        break;
    case V_PLATFORM:
        if (strcmp(value, "native") == 0)
            cfg->platform = AGENT_PLATFORM_NATIVE;
        else if (strcmp(value, "sim") == 0)
            cfg->platform = AGENT_PLATFORM_SIM;
        else {
            set_err(err, errsize, "\"%s\" is not a platform (native or sim)", value);
            return -1;
        }
        return 0;
    case V_LEVEL:
        if (agent_config_parse_level(value, &cfg->log_level) < 0) {
            set_err(err, errsize, "\"%s\" is not a log level (error, warn, info or debug)", value);
            return -1;
        }
        return 0;
    case V_INTERVAL:
        return agent_config_parse_interval(value, &cfg->poll_interval, err, errsize);
    case V_PUSH_PERIOD:
        return agent_config_parse_interval(value, &cfg->push_period, err, errsize);
    case V_SIZE:
        return agent_config_parse_size(value, &cfg->max_inbound_size, err, errsize);
    case V_ENROLL_RETRY:
        return agent_config_parse_interval(value, &cfg->enroll_retry, err, errsize);
    }
    slot = field(cfg, key);
    copy = strdup(value);
    if (!slot || !copy) {
        free(copy);
        set_err(err, errsize, "out of memory");
        return -1;
    }
    if ((key == AGENT_KEY_AUTH_SECRET || key == AGENT_KEY_PUSH_SECRET) && *slot)
        memset(*slot, 0, strlen(*slot));
    free(*slot);
    *slot = copy;
    return 0;
}

int agent_config_set_flag(agent_config *cfg, agent_key key, const char *flag, const char *value,
                          char *err, size_t errsize)
{
    char why[400];

    if (set_value(cfg, key, value, why, sizeof why) < 0) {
        set_err(err, errsize, "%s: %s", flag, why);
        return -1;
    }
    cfg->origin[key].flag = flag;
    cfg->origin[key].line = 0;
    return 0;
}

/* inih state: our reader hands inih one line at a time so the handler
 * knows the line it is called for. */
struct parse_ctx {
    agent_config *cfg;
    const char *path;
    const char *next;     /* unread text */
    const char *cur_line; /* start of the line inih is on */
    int lineno;
    int seen[AGENT_KEY_COUNT]; /* line that set each key in this file */
    int err_line;              /* first error we found, 0 = none */
    char err[512];
};

static void ctx_error(struct parse_ctx *ctx, const char *fmt, ...) AGENT_PRINTF(2, 3);

static void ctx_error(struct parse_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (ctx->err_line)
        return;
    ctx->err_line = ctx->lineno;
    n = snprintf(ctx->err, sizeof ctx->err, "%s:%d: ", ctx->path, ctx->lineno);
    if (n < 0 || (size_t)n >= sizeof ctx->err)
        return;
    va_start(ap, fmt);
    vsnprintf(ctx->err + n, sizeof ctx->err - (size_t)n, fmt, ap);
    va_end(ap);
}

static int known_section(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (strlen(sections[i]) == len && strncmp(sections[i], name, len) == 0)
            return 1;
    }
    return 0;
}

static char *reader(char *str, int num, void *stream)
{
    struct parse_ctx *ctx = stream;
    const char *line = ctx->next, *nl, *p;
    size_t len;

    if (!line || !*line || ctx->err_line)
        return NULL;
    ctx->lineno++;
    ctx->cur_line = line;
    nl = strchr(line, '\n');
    len = nl ? (size_t)(nl - line) : strlen(line);
    ctx->next = nl ? nl + 1 : line + len;
    if (num < 2 || len > (size_t)num - 2) {
        ctx_error(ctx, "line too long (at most %d characters)", num - 2);
        return NULL;
    }
    memcpy(str, line, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    /* inih does not call the handler for a section with no keys: catch an
     * unknown section name here. */
    for (p = line; p < line + len && (*p == ' ' || *p == '\t'); p++)
        ;
    if (p < line + len && *p == '[') {
        const char *close = memchr(p, ']', len - (size_t)(p - line));
        if (close && !known_section(p + 1, (size_t)(close - p - 1)))
            ctx_error(
                ctx,
                "unknown section [%.*s] (expected [server], [tls], [agent], [poll], [enroll] or "
                "[push])",
                (int)(close - p - 1), p + 1);
    }
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse_ctx *ctx = user;
    char why[400];
    int k;

    if (ctx->err_line)
        return 0;
    if (!*section) {
        ctx_error(ctx, "\"%s\" is outside any section", name);
        return 0;
    }
    for (k = 0; k < AGENT_KEY_COUNT; k++) {
        if (strcmp(keys[k].section, section) == 0 && strcmp(keys[k].name, name) == 0)
            break;
    }
    if (k == AGENT_KEY_COUNT) {
        ctx_error(ctx, "unknown key \"%s\" in [%s]", name, section);
        return 0;
    }
    if (ctx->seen[k]) {
        if (*ctx->cur_line == ' ' || *ctx->cur_line == '\t')
            ctx_error(ctx, "[%s] %s: indented continuation lines are not supported", section, name);
        else
            ctx_error(ctx, "[%s] %s is already set on line %d", section, name, ctx->seen[k]);
        return 0;
    }
    if (set_value(ctx->cfg, (agent_key)k, value, why, sizeof why) < 0) {
        ctx_error(ctx, "[%s] %s: %s", section, name, why);
        return 0;
    }
    ctx->seen[k] = ctx->lineno;
    ctx->cfg->origin[k].line = ctx->lineno;
    ctx->cfg->origin[k].flag = NULL;
    return 1;
}

int agent_config_parse_string(agent_config *cfg, const char *path, const char *text, char *err,
                              size_t errsize)
{
    struct parse_ctx ctx;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    ctx.path = path;
    ctx.next = text;
    rc = ini_parse_stream(reader, &ctx, handler, &ctx);
    if (rc == -2) {
        set_err(err, errsize, "%s: out of memory", path);
        return -1;
    }
    if (rc > 0 && (!ctx.err_line || rc < ctx.err_line)) {
        /* inih found a syntax error before any of ours: show that line. */
        const char *line = text;
        for (int i = 1; i < rc && line; i++) {
            line = strchr(line, '\n');
            if (line)
                line++;
        }
        while (line && (*line == ' ' || *line == '\t'))
            line++;
        set_err(err, errsize, "%s:%d: %s", path, rc,
                line && *line == '[' ? "section header without a closing ']'"
                                     : "expected \"key = value\"");
        return -1;
    }
    if (ctx.err_line) {
        set_err(err, errsize, "%s", ctx.err);
        return -1;
    }
    return 0;
}

int agent_config_load(agent_config *cfg, const char *path, int optional, char *err, size_t errsize)
{
    char why[300];
    char *text = NULL;
    size_t len = 0;
    unsigned mode = 0;
    int rc;

    errno = 0;
    if (agent_os_read_file(path, CONFIG_MAX_BYTES, &text, &len, &mode, why, sizeof why) < 0) {
        if (optional && errno == ENOENT)
            return 0;
        set_err(err, errsize, "%s: %s", path, why);
        return -1;
    }
    if (strlen(text) != len) {
        set_err(err, errsize, "%s: not a text file (NUL byte)", path);
        free(text);
        return -1;
    }
    rc = agent_config_parse_string(cfg, path, text, err, errsize);
    free(text);
    if (rc < 0)
        return -1;
    if (agent_os_check_config_mode(mode, cfg->origin[AGENT_KEY_KEY].line > 0,
                                   cfg->origin[AGENT_KEY_AUTH_SECRET].line > 0 ||
                                       cfg->origin[AGENT_KEY_PUSH_SECRET].line > 0,
                                   why, sizeof why) < 0) {
        set_err(err, errsize, "%s: %s", path, why);
        return -1;
    }
    free(cfg->path);
    cfg->path = strdup(path);
    if (!cfg->path) {
        set_err(err, errsize, "%s: out of memory", path);
        return -1;
    }
    return 0;
}

/* "--flag: ", "FILE:LINE: [section] name: " or "[section] name: ". */
static void origin_prefix(const agent_config *cfg, agent_key key, char *buf, size_t size)
{
    const agent_origin *o = &cfg->origin[key];

    if (o->flag)
        snprintf(buf, size, "%s: ", o->flag);
    else if (o->line > 0 && cfg->path)
        snprintf(buf, size, "%s:%d: [%s] %s: ", cfg->path, o->line, keys[key].section,
                 keys[key].name);
    else
        snprintf(buf, size, "[%s] %s: ", keys[key].section, keys[key].name);
}

void agent_config_origin(const agent_config *cfg, agent_key key, char *buf, size_t size)
{
    origin_prefix(cfg, key, buf, size);
}

static int missing(const agent_config *cfg, agent_key key, const char *what, char *err,
                   size_t errsize)
{
    const char *file = cfg->path ? cfg->path : agent_os_default_config();

    set_err(err, errsize, "no %s: set [%s] %s in %s or pass %s", what, keys[key].section,
            keys[key].name, file, keys[key].flag);
    return -1;
}

static int check_file(const agent_config *cfg, agent_key key, int private_key, char *err,
                      size_t errsize)
{
    const char *path = key == AGENT_KEY_CA     ? cfg->ca_file
                       : key == AGENT_KEY_CERT ? cfg->cert
                                               : cfg->key_file;
    char prefix[600], why[300];

    if (!path)
        return 0;
    if (key == AGENT_KEY_CERT && agent_os_is_cert_store_path(path))
        return 0;
    if (agent_os_check_readable(path, why, sizeof why) < 0 ||
        (private_key && agent_os_check_private(path, why, sizeof why) < 0)) {
        origin_prefix(cfg, key, prefix, sizeof prefix);
        set_err(err, errsize, "%s%s: %s", prefix, path, why);
        return -1;
    }
    return 0;
}

int agent_config_check(const agent_config *cfg, unsigned needs, char *err, size_t errsize)
{
    if (needs & AGENT_NEED_SERVER) {
        if (!cfg->server_url)
            return missing(cfg, AGENT_KEY_URL, "server URL", err, errsize);
        if (!cfg->device_id)
            return missing(cfg, AGENT_KEY_DEVICE_ID, "device id", err, errsize);
    }
    if (cfg->auth_secret && !cfg->auth_name) {
        set_err(err, errsize, "%s: [server] auth_secret is set without auth_name",
                cfg->path ? cfg->path : "config");
        return -1;
    }
    if (cfg->push_secret && !cfg->push_server_id) {
        set_err(err, errsize, "%s: [push] server_secret is set without server_id",
                cfg->path ? cfg->path : "config");
        return -1;
    }
    if (needs & AGENT_NEED_FILES) {
        if (cfg->key_file && !cfg->cert) {
            char prefix[600];
            origin_prefix(cfg, AGENT_KEY_KEY, prefix, sizeof prefix);
            set_err(err, errsize, "%sa key without a certificate (set --cert or [tls] cert)",
                    prefix);
            return -1;
        }
        if (check_file(cfg, AGENT_KEY_CA, 0, err, errsize) < 0 ||
            check_file(cfg, AGENT_KEY_CERT, 0, err, errsize) < 0 ||
            check_file(cfg, AGENT_KEY_KEY, 1, err, errsize) < 0)
            return -1;
    }
    return 0;
}
