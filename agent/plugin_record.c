/* SPDX-License-Identifier: Apache-2.0 */
/* The plugin record (agent/plugins.h) for `status`: parse and print. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/device.h"
#include "agent/plugins.h"

/* Copies the line at p (up to '\n') into buf; returns the next line. */
static const char *line_of(const char *p, char *buf, size_t size)
{
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);

    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return e ? e + 1 : p + strlen(p);
}

/* Splits at tabs into up to max fields; returns the count. */
static size_t split_tabs(char *s, char **out, size_t max)
{
    size_t n = 0;

    while (n < max) {
        char *tab = strchr(s, '\t');
        out[n++] = s;
        if (!tab)
            break;
        *tab = '\0';
        s = tab + 1;
    }
    return n;
}

/* Copies src, truncated to size - 1 bytes. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int agent_plugin_record_parse(agent_plugin_record *rec, const char *text)
{
    char line[1400];
    const char *p = text;
    int have_version = 0;

    memset(rec, 0, sizeof *rec);
    while (*p) {
        char *f[4];
        p = line_of(p, line, sizeof line);
        if (strcmp(line, "version=1") == 0) {
            have_version = 1;
        } else if (strncmp(line, "time=", 5) == 0) {
            rec->time = strtoll(line + 5, NULL, 10);
        } else if (strncmp(line, "dir=", 4) == 0) {
            copy(rec->dir, sizeof rec->dir, line + 4);
        } else if (strncmp(line, "loaded=", 7) == 0 && rec->n < AGENT_PLUGINS_MAX + 1) {
            agent_plugin_entry *e = &rec->e[rec->n];
            if (split_tabs(line + 7, f, 4) != 4)
                return -1;
            e->loaded = 1;
            copy(e->file, sizeof e->file, f[0]);
            copy(e->name, sizeof e->name, f[1]);
            copy(e->version, sizeof e->version, f[2]);
            copy(e->detail, sizeof e->detail, f[3]);
            rec->n++;
        } else if (strncmp(line, "refused=", 8) == 0 && rec->n < AGENT_PLUGINS_MAX + 1) {
            agent_plugin_entry *e = &rec->e[rec->n];
            if (split_tabs(line + 8, f, 2) != 2)
                return -1;
            copy(e->file, sizeof e->file, f[0]);
            copy(e->detail, sizeof e->detail, f[1]);
            rec->n++;
        }
    }
    return have_version ? 0 : -1;
}

void agent_plugin_record_print_text(FILE *f, const agent_plugin_record *rec)
{
    char t[40];

    if (!rec) {
        fprintf(f, "plugins:         none loaded yet\n");
        return;
    }
    agent_format_time(rec->time, t, sizeof t);
    fprintf(f, "plugins:         %s (at start-up %s)\n", rec->dir[0] ? rec->dir : "-", t);
    if (rec->n == 0)
        fprintf(f, "  none\n");
    for (size_t i = 0; i < rec->n; i++) {
        const agent_plugin_entry *e = &rec->e[i];
        if (e->loaded)
            fprintf(f, "  loaded   %s  %s %s  %s\n", e->file, e->name, e->version, e->detail);
        else
            fprintf(f, "  refused  %s  %s\n", e->file, e->detail);
    }
}

static void j_str(FILE *f, const char *v)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void agent_plugin_record_print_json(FILE *f, const agent_plugin_record *rec)
{
    char t[40];
    int first;

    if (!rec) {
        fputs("null", f);
        return;
    }
    agent_format_time(rec->time, t, sizeof t);
    fputs("{\"dir\":", f);
    j_str(f, rec->dir);
    fputs(",\"time\":", f);
    j_str(f, t);
    fputs(",\"loaded\":[", f);
    first = 1;
    for (size_t i = 0; i < rec->n; i++) {
        const agent_plugin_entry *e = &rec->e[i];
        char subtrees[sizeof e->detail], *s = subtrees;
        if (!e->loaded)
            continue;
        fputs(first ? "{\"file\":" : ",{\"file\":", f);
        first = 0;
        j_str(f, e->file);
        fputs(",\"name\":", f);
        j_str(f, e->name);
        fputs(",\"version\":", f);
        j_str(f, e->version);
        fputs(",\"subtrees\":[", f);
        copy(subtrees, sizeof subtrees, e->detail);
        for (int k = 0; *s; k++) {
            char *comma = strchr(s, ',');
            if (comma)
                *comma = '\0';
            fputs(k ? "," : "", f);
            j_str(f, s);
            s = comma ? comma + 1 : s + strlen(s);
        }
        fputs("]}", f);
    }
    fputs("],\"refused\":[", f);
    first = 1;
    for (size_t i = 0; i < rec->n; i++) {
        const agent_plugin_entry *e = &rec->e[i];
        if (e->loaded)
            continue;
        fputs(first ? "{\"file\":" : ",{\"file\":", f);
        first = 0;
        j_str(f, e->file);
        fputs(",\"reason\":", f);
        j_str(f, e->detail);
        fputc('}', f);
    }
    fputs("]}", f);
}
