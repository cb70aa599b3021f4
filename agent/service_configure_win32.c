/* SPDX-License-Identifier: Apache-2.0 */
/* `service configure KEY=VALUE...`: what the MSI runs to write its
 * properties into the configuration file (see service_win32.h). */
#include "agent/service_win32_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wctype.h>

#include <aclapi.h>
#include <sddl.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/config.h"
#include "agent/os.h"
#include "agent/service_enroll.h"
#include "platform/win32/wstr.h"

/* The state directory: SYSTEM and Administrators only (it holds the
 * configuration, which may name credentials, and the outbox). */
#define STATE_DIR_SDDL L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
#define CONFIG_MAX     (64 * 1024)

/* ---- configure: properties into the configuration file ---------------------------- */

/* The file `configure` starts from when there is none (the MSI does not own
 * it, so uninstalling keeps it). */
static const char default_config[] =
    "; omadm-agent configuration (Windows), read by the omadm-agent service.\r\n"
    "; The installer writes the values given as SERVERURL, DEVICEID, CERT, CA and\r\n"
    "; LOGLEVEL (msiexec /i omadm-agent.msi /qn SERVERURL=https://...) into this\r\n"
    "; file and keeps its other lines; uninstalling keeps the file. Without\r\n"
    "; DEVICEID the device id is this installation's MachineGuid.\r\n"
    "\r\n"
    "[server]\r\n"
    "; url = https://mdm.example.com/ManagementServer/MDM.svc\r\n"
    "\r\n"
    "[tls]\r\n"
    "; The client certificate: a store entry or a PFX file (key inside).\r\n"
    "; cert = LocalMachine\\MY\\0123456789abcdef0123456789abcdef01234567\r\n"
    "; cert = C:\\ProgramData\\omadm-agent\\device.pfx\r\n"
    "; ca = C:\\ProgramData\\omadm-agent\\ca.pem\r\n"
    "\r\n"
    "[agent]\r\n"
    "log_level = info\r\n";

static const struct {
    const char *key, *section, *name;
} config_keys[] = {
    { "server", "server", "url" },
    { "device_id", "server", "device_id" },
    { "cert", "tls", "cert" },
    { "ca", "tls", "ca" },
    { "log_level", "agent", "log_level" },
    { "proxy", "server", "proxy" },
    { "poll_interval", "poll", "initial_interval" },
    { "enroll_url", "enroll", "url" },
    { "enroll_user", "enroll", "user" },
    { "secret_file", "enroll", "secret_file" }, /* from enroll_secret= (service_enroll.h) */
    { "token_file", "enroll", "token_file" },
};

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static int text_add(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return -1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
    return 0;
}

static int text_line(text *t, const char *name, const char *value, const char *eol)
{
    return text_add(t, name, strlen(name)) < 0 || text_add(t, " = ", 3) < 0 ||
                   text_add(t, value, strlen(value)) < 0 || text_add(t, eol, strlen(eol)) < 0
               ? -1
               : 0;
}

/* "name = value" + eol inserted at offset `at`. */
static int text_insert_line(text *t, size_t at, const char *name, const char *value,
                            const char *eol)
{
    text line = { NULL, 0, 0 };
    size_t tail = t->len - at;

    if (text_line(&line, name, value, eol) < 0 || text_add(t, line.p, line.len) < 0) {
        free(line.p);
        return -1;
    }
    memmove(t->p + at + line.len, t->p + at, tail);
    memcpy(t->p + at, line.p, line.len);
    free(line.p);
    return 0;
}

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* A value inih reads back unchanged: no control bytes, no surrounding
 * space, no inline comment (";" after a space). */
static int value_ok(const char *v, char *err, size_t errsize)
{
    size_t n = strlen(v);

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < ' ' || v[i] == 0x7f) {
            snprintf(err, errsize, "control characters are not allowed");
            return -1;
        }
        if (v[i] == ';' && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
            snprintf(err, errsize, "\" ;\" would start a comment");
            return -1;
        }
    }
    if (n && (v[0] == ' ' || v[n - 1] == ' ')) {
        snprintf(err, errsize, "leading or trailing spaces are not allowed");
        return -1;
    }
    return 0;
}

char *agent_service_ini_set(const char *in, const char *assignment, char *err, size_t errsize)
{
    const char *eq = strchr(assignment, '='), *value, *p, *section = NULL, *name = NULL;
    const char *eol = strstr(in, "\r\n") || !*in ? "\r\n" : "\n";
    char cur[64] = "";
    text out = { NULL, 0, 0 };
    int in_section = 0, written = 0, seen_section = 0;
    size_t i, klen, insert_at = 0; /* after the section's last non-blank line */

    if (!eq) {
        snprintf(err, errsize, "\"%s\": expected KEY=VALUE", assignment);
        return NULL;
    }
    klen = (size_t)(eq - assignment);
    for (i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++)
        if (strlen(config_keys[i].key) == klen && !strncmp(assignment, config_keys[i].key, klen)) {
            section = config_keys[i].section;
            name = config_keys[i].name;
        }
    if (!section) {
        snprintf(err, errsize,
                 "unknown key \"%.*s\" (server, device_id, cert, ca, log_level, proxy, "
                 "poll_interval)",
                 (int)klen, assignment);
        return NULL;
    }
    value = eq + 1;
    if (value_ok(value, err, errsize) < 0)
        return NULL;
    if (!*value) /* an MSI property left empty: keep what is there */
        return _strdup(in);

    for (p = in; *p;) {
        const char *end = strchr(p, '\n'), *next, *s, *le;
        end = end ? end : p + strlen(p);
        next = *end ? end + 1 : end;
        le = end > p && end[-1] == '\r' ? end - 1 : end;
        s = skip_space(p, le);
        if (s < le && *s == '[') {
            const char *close = memchr(s, ']', (size_t)(le - s));
            size_t n = close ? (size_t)(close - s - 1) : 0;
            /* Leaving our section without the key: add it after the
             * section's last line (not after the blank lines before the
             * next section). */
            if (in_section && !written) {
                if (text_insert_line(&out, insert_at, name, value, eol) < 0)
                    goto nomem;
                written = 1;
            }
            snprintf(cur, sizeof cur, "%.*s", (int)(n < sizeof cur ? n : sizeof cur - 1), s + 1);
            in_section = strcmp(cur, section) == 0;
            seen_section |= in_section;
        } else if (in_section && s < le && *s != ';' && *s != '#') {
            const char *k = s;
            while (s < le && *s != '=' && *s != ':')
                s++;
            while (s > k && (s[-1] == ' ' || s[-1] == '\t'))
                s--;
            if ((size_t)(s - k) == strlen(name) && !strncmp(k, name, strlen(name))) {
                /* Every occurrence: inih keeps the last one. */
                if (text_line(&out, name, value, eol) < 0)
                    goto nomem;
                written = 1;
                p = next;
                continue;
            }
        }
        if (text_add(&out, p, (size_t)(next - p)) < 0)
            goto nomem;
        if (!*end && end > p && text_add(&out, eol, strlen(eol)) < 0) /* last line had no EOL */
            goto nomem;
        if (in_section && s < le)
            insert_at = out.len;
        p = next;
    }
    if (!written && in_section) {
        if (text_insert_line(&out, insert_at, name, value, eol) < 0)
            goto nomem;
        written = 1;
    }
    if (!written) {
        if (!seen_section) {
            if ((out.len && text_add(&out, eol, strlen(eol)) < 0) || text_add(&out, "[", 1) < 0 ||
                text_add(&out, section, strlen(section)) < 0 || text_add(&out, "]", 1) < 0 ||
                text_add(&out, eol, strlen(eol)) < 0)
                goto nomem;
        }
        if (text_line(&out, name, value, eol) < 0)
            goto nomem;
    }
    if (!out.p && text_add(&out, "", 0) < 0)
        goto nomem;
    return out.p;
nomem:
    free(out.p);
    snprintf(err, errsize, "out of memory");
    return NULL;
}

int agent_service_check_assignments(int argc, const char *const *argv, char *err, size_t errsize)
{
    static const char *const secret_keys[][3] = {
        { "enroll_secret=", "secret_file", AGENT_ENROLL_SECRET_FILE },
        { "enroll_token=", "token_file", AGENT_ENROLL_TOKEN_FILE },
    };
    char file_assign[MAX_PATH * 3 + 16];
    char *textp = _strdup(default_config), *next;
    agent_config cfg;
    int rc;

    if (!textp) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *assign = argv[i];
        /* The secrets go to files at configure time: check the file key
         * configure writes instead, never the secret. */
        for (size_t k = 0; k < sizeof secret_keys / sizeof secret_keys[0]; k++) {
            size_t n = strlen(secret_keys[k][0]);
            if (strncmp(assign, secret_keys[k][0], n) == 0) {
                snprintf(file_assign, sizeof file_assign, "%s=%s\\%s", secret_keys[k][1],
                         agent_os_default_state_dir(), secret_keys[k][2]);
                assign = assign[n] ? file_assign : "";
            }
        }
        if (!*assign)
            continue;
        next = agent_service_ini_set(textp, assign, err, errsize);
        free(textp);
        if (!next)
            return -1;
        textp = next;
    }
    rc = agent_config_init(&cfg) < 0 ||
                 agent_config_parse_string(&cfg, agent_os_default_config(), textp, err, errsize) < 0
             ? -1
             : 0;
    agent_config_free(&cfg);
    free(textp);
    return rc;
}

/* This Windows installation's MachineGuid without dashes, upper case: a
 * device id when none is configured (unique per installation; sysprep
 * makes a new one for each imaged machine). */
static int machine_device_id(char *buf, size_t size)
{
    wchar_t w[64];
    DWORD n = sizeof w;
    size_t j = 0;

    if (RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Cryptography", L"MachineGuid",
                     RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY, NULL, w, &n) != ERROR_SUCCESS)
        return -1;
    for (size_t i = 0; w[i] && j + 1 < size; i++) {
        if (w[i] == L'-' || w[i] == L'{' || w[i] == L'}')
            continue;
        if (!iswxdigit(w[i]))
            return -1;
        buf[j++] = (char)towupper(w[i]);
    }
    buf[j] = '\0';
    return j == 32 ? 0 : -1;
}

static int lock_down_dir(const char *dir, char *err, size_t errsize)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    wchar_t *w = omadm_platform_win32_wide(dir);
    DWORD r;

    if (!w ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(STATE_DIR_SDDL, SDDL_REVISION_1, &sd,
                                                              NULL) ||
        !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
        free(w);
        if (sd)
            LocalFree(sd);
        snprintf(err, errsize, "cannot build the state directory's access list");
        return -1;
    }
    r = SetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, NULL,
                              NULL, dacl, NULL);
    LocalFree(sd);
    free(w);
    if (r != ERROR_SUCCESS) {
        agent_win_error(err, errsize, "cannot restrict the state directory's access", r);
        return -1;
    }
    return 0;
}

static int write_file_atomic(const char *path, const char *data, char *err, size_t errsize)
{
    char tmp[MAX_PATH * 3 + 16];
    wchar_t *wt, *wp;
    HANDLE h;
    DWORD put = 0;
    int ok;

    snprintf(tmp, sizeof tmp, "%s.new", path);
    wt = omadm_platform_win32_wide(tmp);
    wp = omadm_platform_win32_wide(path);
    if (!wt || !wp) {
        free(wt);
        free(wp);
        snprintf(err, errsize, "%s: not a valid UTF-8 name", path);
        return -1;
    }
    h = CreateFileW(wt, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ok = h != INVALID_HANDLE_VALUE && WriteFile(h, data, (DWORD)strlen(data), &put, NULL) &&
         put == strlen(data) && FlushFileBuffers(h);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    ok = ok && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!ok) {
        agent_win_error(err, errsize, path, GetLastError());
        DeleteFileW(wt);
    }
    free(wt);
    free(wp);
    return ok ? 0 : -1;
}

static int file_exists(const char *path)
{
    wchar_t *w = omadm_platform_win32_wide(path);
    int found = w && GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES;

    free(w);
    return found;
}

int agent_service_configure(int argc, char **argv)
{
    const char *path = agent_os_default_config();
    const char *dir = agent_os_default_state_dir();
    char *textp = NULL, *next, err[1024], id[40];
    size_t len = 0;
    unsigned mode = 0;
    agent_config cfg;
    SC_HANDLE scm, s;
    int rc;

    if (agent_os_make_dir(dir, err, sizeof err) < 0)
        return agent_service_fail("configure", err);
    if (lock_down_dir(dir, err, sizeof err) < 0)
        fprintf(stderr, "omadm-agent: warning: %s\n", err);
    if (!file_exists(path))
        textp = _strdup(default_config);
    else if (agent_os_read_file(path, CONFIG_MAX, &textp, &len, &mode, err, sizeof err) < 0)
        return agent_service_fail("configure", err);
    if (!textp)
        return agent_service_fail("configure", "out of memory");
    for (int i = 0; i < argc; i++) {
        char *own = agent_service_enroll_assignment(argv[i], dir, err, sizeof err);
        next = own || !*err ? agent_service_ini_set(textp, own ? own : argv[i], err, sizeof err)
                            : NULL;
        free(own);
        free(textp);
        if (!next)
            return agent_service_fail("configure", err);
        textp = next;
    }
    /* Check the result as the agent will read it; add a device id when
     * there is none. */
    if (agent_config_init(&cfg) < 0 ||
        agent_config_parse_string(&cfg, path, textp, err, sizeof err) < 0) {
        agent_config_free(&cfg);
        free(textp);
        return agent_service_fail("configure", err);
    }
    /* Not when enrolling: the device id is the enrollment's, made at the
     * first start on the imaged machine, never at install time. */
    if (!cfg.device_id && !cfg.enroll_url && machine_device_id(id, sizeof id) == 0) {
        char assign[64];
        snprintf(assign, sizeof assign, "device_id=%s", id);
        next = agent_service_ini_set(textp, assign, err, sizeof err);
        free(textp);
        if (!next) {
            agent_config_free(&cfg);
            return agent_service_fail("configure", err);
        }
        textp = next;
    }
    agent_config_free(&cfg);
    rc = write_file_atomic(path, textp, err, sizeof err) < 0 ? agent_service_fail("configure", err)
                                                             : AGENT_EXIT_OK;
    free(textp);
    if (rc != AGENT_EXIT_OK)
        return rc;
    /* The MSI's ServiceInstall cannot set recovery actions: set them here
     * when the service exists. */
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    s = scm ? OpenServiceW(scm, SERVICE_NAME_W, SERVICE_CHANGE_CONFIG | SERVICE_START) : NULL;
    if (s) {
        wchar_t exe[MAX_PATH + 1];
        if (agent_service_set_recovery(s, err, sizeof err) < 0 ||
            (agent_service_exe_path(exe, MAX_PATH + 1) &&
             agent_service_register_event_source(exe, err, sizeof err) < 0))
            rc = agent_service_fail("configure", err);
        CloseServiceHandle(s);
    }
    if (scm)
        CloseServiceHandle(scm);
    if (rc == AGENT_EXIT_OK)
        printf("configuration written to %s\n", path);
    return rc;
}
