/* SPDX-License-Identifier: Apache-2.0 */
/* The OEM example's test: only the installed public API (omadm_tree_new,
 * omadm_tree_register, omadm_tree_process), linked against the shared
 * library. Prints one line per check; exit status 0 when all pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omadm/omadm.h>

#include "contoso_settings.h"

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok: %s\n", #cond);                                                             \
        } else {                                                                                   \
            printf("FAILED (line %d): %s\n", __LINE__, #cond);                                     \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* The text between <tag> and </tag> in [p, end), copied into out. */
static const char *element(const char *p, const char *end, const char *tag, char *out, size_t size)
{
    char open[32], close[32];
    const char *a, *b;

    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = '\0';
    a = strstr(p, open);
    if (!a || a >= end)
        return NULL;
    a += strlen(open);
    b = strstr(a, close);
    if (!b || b > end)
        return NULL;
    snprintf(out, size, "%.*s", (int)(b - a), a);
    return b + strlen(close);
}

/* Summarises a reply: "Cmd:CmdRef=code" per Status (SyncHdr left out) and
 * "=data" per Results Item, separated by spaces. */
static void summarise(const char *reply, char *out, size_t size)
{
    const char *p = reply;
    size_t n = 0;

    out[0] = '\0';
    for (;;) {
        const char *st = strstr(p, "<Status>"), *res = strstr(p, "<Results>"), *end;
        char cmd[64], ref[128], data[256];
        int is_status;

        if (!st && !res)
            break;
        is_status = st && (!res || st < res);
        p = is_status ? st : res;
        end = strstr(p, is_status ? "</Status>" : "</Results>");
        if (!end)
            break;
        if (is_status) {
            element(p, end, "CmdRef", ref, sizeof ref);
            element(p, end, "Cmd", cmd, sizeof cmd);
            element(p, end, "Data", data, sizeof data);
            if (strcmp(cmd, "SyncHdr") != 0)
                n +=
                    (size_t)snprintf(out + n, size - n, "%s%s:%s=%s", n ? " " : "", cmd, ref, data);
        } else {
            const char *q = p;
            while ((q = element(q, end, "Data", data, sizeof data)) != NULL)
                n += (size_t)snprintf(out + n, size - n, "%s=%s", n ? " " : "", data);
        }
        p = end + 1;
    }
}

/* Runs one server message (SyncBody content) through the tree. */
static void run(omadm_tree *tree, const char *body, char *summary, size_t size)
{
    char msg[8192];
    char *reply = NULL;
    size_t reply_len = 0;
    omadm_status st;
    int len = snprintf(msg, sizeof msg,
                       "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
                       "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
                       "<Target><LocURI>DEV-OEM</LocURI></Target><Source><LocURI>"
                       "https://mdm.contoso.test/</LocURI></Source></SyncHdr>"
                       "<SyncBody>%s<Final/></SyncBody></SyncML>",
                       body);

    st = omadm_tree_process(tree, msg, (size_t)len, &reply, &reply_len);
    if (st != OMADM_OK) {
        printf("omadm_tree_process: %s\n", omadm_status_str(st));
        summary[0] = '\0';
        failures++;
        return;
    }
    summarise(reply, summary, size);
    printf("  reply: %s\n", summary);
    omadm_free(reply);
}

#define S "./Vendor/Contoso/Settings"
#define ITEM(uri, data)                                                                            \
    "<Item><Target><LocURI>" uri "</LocURI></Target><Meta><Format "                                \
    "xmlns=\"syncml:metinf\">chr</Format></Meta><Data>" data "</Data></Item>"
#define TARGET(uri) "<Item><Target><LocURI>" uri "</LocURI></Target></Item>"

int main(void)
{
    omadm_tree *tree = NULL;
    contoso_settings *cs = contoso_settings_new();
    char got[2048];

    CHECK(omadm_version_number() == OMADM_VERSION_NUMBER);
    CHECK(strcmp(omadm_version_string(), OMADM_VERSION_STRING) == 0);
    CHECK(cs != NULL);
    CHECK(omadm_tree_new(&tree) == OMADM_OK);
    CHECK(contoso_settings_register(tree, cs) == OMADM_OK);
    CHECK(contoso_settings_register(tree, cs) == OMADM_ERR_EXISTS);

    /* Add, Get, Replace, Get again, Add of an existing key. */
    run(tree,
        "<Add><CmdID>1</CmdID>" ITEM(
            S "/Color",
            "blue") "</Add>"
                    "<Add><CmdID>2</CmdID>" ITEM(
                        "./Device/Vendor/Contoso/Settings/Size",
                        "XL") "</Add>"
                              "<Get><CmdID>3</CmdID>" TARGET(
                                  S
                                  "/Color") "</Get>"
                                            "<Replace><CmdID>4</CmdID>" ITEM(
                                                S "/Color",
                                                "green") "</Replace>"
                                                         "<Get><CmdID>5</CmdID>" TARGET(
                                                             S
                                                             "/Color") "</Get>"
                                                                       "<Add><CmdID>6</CmdID>" ITEM(
                                                                           S "/Size",
                                                                           "S") "</Add>"
                                                                                "<Get><CmdID>7</"
                                                                                "CmdID>" TARGET(
                                                                                    S) "</Get>",
        got, sizeof got);
    CHECK(strcmp(got, "Add:1=200 Add:2=200 Get:3=200 =blue Replace:4=200 Get:5=200 =green "
                      "Add:6=418 Get:7=200 =Color/Size") == 0);
    CHECK(contoso_settings_count(cs) == 2);

    /* Errors the tree answers for the CSP: absent (404), no Exec (405),
     * device-only under ./User (404), Format mismatch (415). */
    run(tree,
        "<Replace><CmdID>8</CmdID>" ITEM(
            S "/Nope",
            "x") "</Replace>"
                 "<Exec><CmdID>9</CmdID>" TARGET(
                     S
                     "/Color") "</Exec>"
                               "<Get><CmdID>10</CmdID>" TARGET(
                                   "./User/Vendor/Contoso/Settings/Color") "</Get>"
                                                                           "<Replace><CmdID>11</"
                                                                           "CmdID><Item><Target><"
                                                                           "LocURI>" S
                                                                           "/Color</LocURI></"
                                                                           "Target><Meta>"
                                                                           "<Format "
                                                                           "xmlns=\"syncml:"
                                                                           "metinf\">int</Format></"
                                                                           "Meta><Data>7</Data></"
                                                                           "Item></Replace>",
        got, sizeof got);
    CHECK(strcmp(got, "Replace:8=404 Exec:9=405 Get:10=404 Replace:11=415") == 0);

    /* Delete, then Get answers 404. */
    run(tree,
        "<Delete><CmdID>12</CmdID>" TARGET(S "/Size") "</Delete>"
                                                      "<Get><CmdID>13</CmdID>" TARGET(
                                                          S "/Size") "</Get>",
        got, sizeof got);
    CHECK(strcmp(got, "Delete:12=200 Get:13=404") == 0);
    CHECK(contoso_settings_get(cs, "Size") == NULL);

    /* An Atomic whose second member fails (value too long: 413): the first
     * is rolled back (216), the rest not run (215), the Atomic 507. */
    run(tree,
        "<Atomic><CmdID>14</CmdID>"
        "<Add><CmdID>15</CmdID>" ITEM(
            S "/Shape",
            "round") "</Add>"
                     "<Replace><CmdID>16</CmdID>" ITEM(
                         S "/Color",
                         "0123456789012345678901234567890123456789012345678901234567890"
                         "123456789") "</Replace>"
                                      "<Delete><CmdID>17</CmdID>" TARGET(
                                          S "/Color") "</Delete>"
                                                      "</Atomic>"
                                                      "<Get><CmdID>18</CmdID>" TARGET(
                                                          S "/Shape") "</Get>"
                                                                      "<Get><CmdID>19</"
                                                                      "CmdID>" TARGET(
                                                                          S "/Color") "</"
                                                                                      "Get>",
        got, sizeof got);
    CHECK(strcmp(got, "Atomic:14=507 Add:15=216 Replace:16=413 Delete:17=215 Get:18=404 "
                      "Get:19=200 =green") == 0);
    CHECK(contoso_settings_get(cs, "Shape") == NULL);
    CHECK(contoso_settings_count(cs) == 1);

    /* The same Atomic without the failing member commits. */
    run(tree,
        "<Atomic><CmdID>20</CmdID>"
        "<Add><CmdID>21</CmdID>" ITEM(S "/Shape", "round") "</Add>"
                                                           "<Replace><CmdID>22</CmdID>" ITEM(
                                                               S "/Color", "red") "</Replace>"
                                                                                  "</Atomic>",
        got, sizeof got);
    CHECK(strcmp(got, "Atomic:20=200 Add:21=200 Replace:22=200") == 0);
    CHECK(contoso_settings_get(cs, "Shape") &&
          strcmp(contoso_settings_get(cs, "Shape"), "round") == 0);
    CHECK(contoso_settings_get(cs, "Color") &&
          strcmp(contoso_settings_get(cs, "Color"), "red") == 0);

    omadm_tree_free(tree);
    contoso_settings_free(cs);
    printf("%s\n", failures ? "FAILED" : "all checks passed");
    return failures ? 1 : 0;
}
