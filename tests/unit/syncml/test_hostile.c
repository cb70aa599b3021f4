/* SPDX-License-Identifier: Apache-2.0 */
/* Hostile and malformed input: entities, DTDs, every limit (at and one
 * over), deep nesting, truncation, encoding errors, structural errors. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "core/alloc.h"

SYNCML_HOSTILE_TESTS(SYNCML_DECLARE_TEST)

#define HDR_OPEN                                                                                   \
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"                             \
    "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"                          \
    "<Target><LocURI>dev</LocURI></Target><Source><LocURI>https://s.test/</LocURI></Source>"       \
    "</SyncHdr><SyncBody>"

static void expect_ok(const char *data, size_t len, const syncml_limits *lim)
{
    syncml_msg *msg = NULL;
    syncml_error err;
    omadm_status st = syncml_parse(data, len, lim, &msg, &err);

    if (st != OMADM_OK)
        fail_msg("expected success, got %s: %s", omadm_status_name(st), err.message);
    assert_string_equal(err.message, "");
    syncml_msg_free(msg);
}

static void body_error(const char *body, omadm_status st, const char *needle)
{
    size_t len;
    char *in = wrap_body(body, &len);

    expect_error(in, len, NULL, st, needle);
    free(in);
}

/* A per-command limit: the message parses, that command is rejected. */
static void body_reject(const char *body, int code, const char *needle)
{
    size_t len;
    char *in = wrap_body(body, &len);

    expect_reject(in, len, NULL, code, needle, NULL);
    free(in);
}

static void body_ok(const char *body)
{
    size_t len;
    char *in = wrap_body(body, &len);

    expect_ok(in, len, NULL);
    free(in);
}

/* ---- DTD and entities --------------------------------------------------- */

void test_xxe_external_entity(void **state)
{
    const char *in = "<?xml version=\"1.0\"?>\n"
                     "<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" HDR_OPEN
                     "<Alert><CmdID>1</CmdID><Data>&xxe;</Data></Alert></SyncBody></SyncML>";

    (void)state;
    expect_error(in, strlen(in), NULL, OMADM_ERR_PARSE,
                 "entity declaration \"xxe\" not allowed in DOCTYPE");
}

void test_billion_laughs(void **state)
{
    const char *in =
        "<?xml version=\"1.0\"?><!DOCTYPE SyncML [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]>" HDR_OPEN
        "<Alert><CmdID>1</CmdID><Data>&lol9;</Data></Alert></SyncBody></SyncML>";

    (void)state;
    expect_error(in, strlen(in), NULL, OMADM_ERR_PARSE, "entity declaration \"lol\" not allowed");
}

void test_external_dtd(void **state)
{
    const char *sys = "<!DOCTYPE SyncML SYSTEM \"http://127.0.0.1:9/syncml.dtd\">" HDR_OPEN
                      "</SyncBody></SyncML>";
    const char *pub =
        "<!DOCTYPE SyncML PUBLIC \"-//SYNCML//DTD SyncML 1.2//EN\" "
        "\"http://127.0.0.1:9/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd\">" HDR_OPEN "</SyncBody></SyncML>";

    (void)state;
    expect_error(
        sys, strlen(sys), NULL, OMADM_ERR_PARSE,
        "external DTD not allowed: DOCTYPE SyncML SYSTEM \"http://127.0.0.1:9/syncml.dtd\"");
    expect_error(pub, strlen(pub), NULL, OMADM_ERR_PARSE, "external DTD not allowed");
}

void test_parameter_entities(void **state)
{
    const char *decl = "<!DOCTYPE SyncML [<!ENTITY % pe SYSTEM \"http://127.0.0.1:9/pe.dtd\"> "
                       "%pe;]>" HDR_OPEN "</SyncBody></SyncML>";
    const char *ref = "<!DOCTYPE SyncML [ %pe; ]>" HDR_OPEN "</SyncBody></SyncML>";

    (void)state;
    expect_error(decl, strlen(decl), NULL, OMADM_ERR_PARSE,
                 "parameter entity declaration \"%pe\" not allowed");
    expect_error(ref, strlen(ref), NULL, OMADM_ERR_PARSE,
                 "parameter entity reference %pe; not allowed");
}

void test_other_dtd_declarations(void **state)
{
    /* A defaulted xmlns from the DTD must not make a namespace-less root
     * acceptable: markup declarations are refused outright. */
    const char *attlist = "<!DOCTYPE SyncML [<!ATTLIST SyncML xmlns CDATA \"SYNCML:SYNCML1.2\">]>"
                          "<SyncML><SyncHdr/></SyncML>";
    const char *element =
        "<!DOCTYPE SyncML [<!ELEMENT SyncML ANY>]>" HDR_OPEN "</SyncBody></SyncML>";
    const char *notation =
        "<!DOCTYPE SyncML [<!NOTATION gif SYSTEM \"image/gif\">]>" HDR_OPEN "</SyncBody></SyncML>";

    (void)state;
    expect_error(attlist, strlen(attlist), NULL, OMADM_ERR_PARSE,
                 "attribute declaration \"xmlns\" not allowed in DOCTYPE");
    expect_error(element, strlen(element), NULL, OMADM_ERR_PARSE,
                 "element declaration \"SyncML\" not allowed in DOCTYPE");
    expect_error(notation, strlen(notation), NULL, OMADM_ERR_PARSE,
                 "notation declaration \"gif\" not allowed in DOCTYPE");
}

void test_undeclared_entity_reference(void **state)
{
    (void)state;
    body_error("<Alert><CmdID>1</CmdID><Data>&foo;</Data></Alert>", OMADM_ERR_PARSE,
               "entity reference &foo; not allowed in <Data>");
    body_error("<Alert><CmdID>1</CmdID><Data a=\"&bar;\">1</Data></Alert>", OMADM_ERR_PARSE,
               "entity reference &bar; not allowed");
    /* the five predefined entities and character references are fine */
    body_ok("<Alert><CmdID>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;</CmdID></Alert>");
}

/* ---- limits: exactly at passes, one over fails --------------------------- */

void test_limit_message_size(void **state)
{
    syncml_limits lim = SYNCML_LIMITS_DEFAULT;
    size_t len, pad;
    char *base = wrap_body("", &len), *in;

    (void)state;
    assert_int_equal(lim.max_message, 1048576);
    /* pad with whitespace after the root element up to exactly the limit */
    pad = lim.max_message - len;
    in = malloc(lim.max_message + 1);
    assert_non_null(in);
    memcpy(in, base, len);
    memset(in + len, ' ', pad + 1);
    expect_ok(in, lim.max_message, NULL);
    expect_error(in, lim.max_message + 1, NULL, OMADM_ERR_LIMIT,
                 "message of 1048577 bytes exceeds the 1048576-byte limit");
    /* a lowered limit applies too */
    lim.max_message = len - 1;
    expect_error(base, len, &lim, OMADM_ERR_LIMIT, "exceeds the");
    lim.max_message = len;
    expect_ok(base, len, &lim);
    free(in);
    free(base);
}

/* SyncML(1) SyncBody(2) Replace(3) Item(4) Data(5) then raw elements. */
static char *nested_data(unsigned depth)
{
    char *open = repeat("<e>", depth - 5), *close = repeat("</e>", depth - 5);
    char *body =
        fmt("<Replace><CmdID>1</CmdID><Item><Data>%sx%s</Data></Item></Replace>", open, close);
    size_t len;
    char *in = wrap_body(body, &len);

    free(open);
    free(close);
    free(body);
    return in;
}

void test_limit_depth(void **state)
{
    char *in;

    (void)state;
    in = nested_data(32);
    expect_ok(in, strlen(in), NULL);
    free(in);
    in = nested_data(33);
    expect_error(in, strlen(in), NULL, OMADM_ERR_LIMIT, "element depth over 32 at <e>");
    free(in);
}

void test_deep_nesting_10000(void **state)
{
    char *open = repeat("<Atomic>", 10000), *close = repeat("</Atomic>", 10000);
    char *body = fmt("%s%s", open, close);

    (void)state;
    body_error(body, OMADM_ERR_LIMIT, "element depth over 32 at <Atomic>");
    free(body);
    /* the same without any SyncML around it */
    body = fmt("<SyncML xmlns=\"SYNCML:SYNCML1.2\">%s%s</SyncML>", open, close);
    expect_error(body, strlen(body), NULL, OMADM_ERR_LIMIT, "element depth over 32 at <Atomic>");
    free(body);
    free(open);
    free(close);
}

static char *gets_body(unsigned n)
{
    return repeat("<Get><CmdID>1</CmdID></Get>", n);
}

void test_limit_commands(void **state)
{
    char *body, *nested;

    (void)state;
    body = gets_body(1000);
    body_ok(body);
    free(body);
    body = gets_body(1001);
    body_error(body, OMADM_ERR_LIMIT, "more than 1000 commands in the message at <Get>");
    free(body);
    /* nested commands count: 500 Atomics with one member each = 1000 */
    nested = repeat("<Atomic><CmdID>1</CmdID><Add><CmdID>2</CmdID></Add></Atomic>", 500);
    body_ok(nested);
    body = fmt("%s<Sequence/>", nested);
    body_error(body, OMADM_ERR_LIMIT, "more than 1000 commands in the message at <Sequence>");
    free(body);
    free(nested);
    /* unknown elements under SyncBody are commands too */
    nested = repeat("<Map/>", 1001);
    body_error(nested, OMADM_ERR_LIMIT, "more than 1000 commands in the message at <Map>");
    free(nested);
}

void test_limit_items(void **state)
{
    char *items, *body;

    (void)state;
    items = repeat("<Item><Target><LocURI>./A</LocURI></Target><Data>1</Data></Item>", 100);
    body = fmt("<Replace><CmdID>1</CmdID>%s</Replace>", items);
    body_ok(body);
    free(body);
    body = fmt("<Replace><CmdID>1</CmdID>%s<Item/></Replace>", items);
    body_reject(body, 413, "more than 100 Items in Replace");
    free(body);
    free(items);
}

static char *uri_of(size_t bytes)
{
    char *uri = repeat("a", bytes);

    memcpy(uri, "./", bytes >= 2 ? 2 : 0);
    return uri;
}

void test_limit_uri_bytes(void **state)
{
    char *uri, *body;

    (void)state;
    uri = uri_of(1024);
    body = fmt("<Get><CmdID>1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Get>", uri);
    body_ok(body);
    free(body);
    free(uri);
    uri = uri_of(1025);
    body = fmt("<Get><CmdID>1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Get>", uri);
    body_reject(body, 414, "LocURI longer than 1024 bytes in Get");
    free(body);
    free(uri);
}

static char *uri_segments(unsigned n)
{
    char *segs = repeat("/s", n);
    char *uri = fmt(".%s", segs); /* "./s/s/...": n segments after the root */

    free(segs);
    return uri;
}

void test_limit_uri_segments(void **state)
{
    char *uri, *body;

    (void)state;
    uri = uri_segments(32);
    body = fmt("<Get><CmdID>1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Get>", uri);
    body_ok(body);
    free(body);
    free(uri);
    uri = uri_segments(33);
    body = fmt("<Get><CmdID>1</CmdID><Item><Source><LocURI>%s</LocURI></Source></Item></Get>", uri);
    body_reject(body, 414, "LocURI with more than 32 segments in Get");
    free(body);
    free(uri);
}

void test_limit_cmd_id(void **state)
{
    char *id, *body;

    (void)state;
    id = repeat("7", 64);
    body = fmt("<Exec><CmdID>%s</CmdID></Exec>", id);
    body_ok(body);
    free(body);
    free(id);
    id = repeat("7", 65);
    body = fmt("<Exec><CmdID>%s</CmdID></Exec>", id);
    body_reject(body, 400, "CmdID longer than 64 bytes in Exec");
    free(body);
    free(id);
}

void test_limit_value(void **state)
{
    char *v, *body, *inner;

    (void)state;
    v = repeat("v", 524288);
    body = fmt("<Replace><CmdID>1</CmdID><Item><Data>%s</Data></Item></Replace>", v);
    body_ok(body);
    free(body);
    free(v);
    v = repeat("v", 524289);
    body = fmt("<Replace><CmdID>1</CmdID><Item><Data>%s</Data></Item></Replace>", v);
    body_reject(body, 413, "Data value longer than 524288 bytes in Replace");
    free(body);
    free(v);
    /* raw XML in Data: <r>...</r> of exactly the limit, then one more */
    v = repeat("v", 524288 - 7);
    inner = fmt("<r>%s</r>", v);
    body = fmt("<Replace><CmdID>1</CmdID><Item><Data>%s</Data></Item></Replace>", inner);
    body_ok(body);
    free(body);
    free(inner);
    inner = fmt("<r>%sv</r>", v);
    body = fmt("<Replace><CmdID>1</CmdID><Item><Data>%s</Data></Item></Replace>", inner);
    body_reject(body, 413, "Data value longer than 524288 bytes in Replace");
    free(body);
    free(inner);
    free(v);
    /* any other text field is bounded by the same limit */
    v = repeat("t", 524289);
    body = fmt("<Replace><CmdID>1</CmdID><Item><Meta><Type>%s</Type></Meta></Item></Replace>", v);
    body_reject(body, 413, "Type value longer than 524288 bytes in Replace");
    free(body);
    free(v);
}

/* Every limit can be lowered. */
void test_limits_lowered(void **state)
{
    syncml_limits lim = SYNCML_LIMITS_DEFAULT;
    const char *in = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
                     "<VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>"
                     "<Target><LocURI>d</LocURI></Target><Source><LocURI>s</LocURI></Source>"
                     "</SyncHdr><SyncBody><Replace><CmdID>abcd</CmdID><Item><Target>"
                     "<LocURI>./a/b</LocURI></Target><Data>1234567</Data></Item><Item/></Replace>"
                     "<Get/></SyncBody></SyncML>";
    size_t len = strlen(in);

    (void)state;
    expect_ok(in, len, &lim);
    lim.max_depth = 6; /* SyncML SyncBody Replace Item Target LocURI */
    expect_ok(in, len, &lim);
    lim.max_depth = 5;
    expect_error(in, len, &lim, OMADM_ERR_LIMIT, "element depth over 5 at <LocURI>");
    lim.max_depth = 32;
    lim.max_commands = 1;
    expect_error(in, len, &lim, OMADM_ERR_LIMIT, "more than 1 commands in the message at <Get>");
    lim.max_commands = 2;
    lim.max_items = 1;
    expect_reject(in, len, &lim, 413, "more than 1 Items in Replace", "abcd");
    lim.max_items = 2;
    lim.max_uri = 4;
    expect_reject(in, len, &lim, 414, "LocURI longer than 4 bytes in Replace", "abcd");
    lim.max_uri = 5;
    lim.max_uri_segments = 1;
    expect_reject(in, len, &lim, 414, "LocURI with more than 1 segments in Replace", "abcd");
    lim.max_uri_segments = 2;
    lim.max_cmd_id = 3;
    expect_reject(in, len, &lim, 400, "CmdID longer than 3 bytes in Replace", "...");
    lim.max_cmd_id = 4;
    lim.max_value = 6; /* VerProto DM/1.2 fits, the Data does not */
    expect_reject(in, len, &lim, 413, "Data value longer than 6 bytes in Replace", "abcd");
    lim.max_value = 7;
    expect_ok(in, len, &lim);
}

/* ---- malformed input ---------------------------------------------------- */

void test_truncated_every_offset(void **state)
{
    size_t len, cut, end;
    char *in = read_fixture("windows-package1.xml", &len);
    const char *close = strstr(in, "</SyncML>");
    syncml_msg *msg;
    syncml_error err;

    (void)state;
    assert_non_null(close);
    end = (size_t)(close - in) + strlen("</SyncML>");
    for (cut = 0; cut < end; cut++) {
        omadm_status st = syncml_parse(in, cut, NULL, &msg, &err);

        if (st != OMADM_ERR_PARSE)
            fail_msg("truncated at %zu: %s (%s)", cut, omadm_status_name(st), err.message);
        assert_null(msg);
        assert_true(err.message[0] != '\0');
    }
    /* only trailing whitespace left out: complete */
    for (; cut <= len; cut++)
        expect_ok(in, cut, NULL);
    expect_error(in, end - 1, NULL, OMADM_ERR_PARSE, "malformed XML");
    free(in);
}

void test_invalid_utf8(void **state)
{
    (void)state;
    body_error("<Alert><CmdID>1</CmdID><Data>caf\xc3</Data></Alert>", OMADM_ERR_PARSE, "UTF-8");
    body_error("<Alert><CmdID>\xff\xfe</CmdID></Alert>", OMADM_ERR_PARSE,
               "Input is not proper UTF-8");
    body_error("<Alert><CmdID>1</CmdID><Data>\xed\xa0\x80</Data></Alert>", OMADM_ERR_PARSE,
               "malformed XML at line 1 in <Data>");
}

void test_nul_bytes(void **state)
{
    size_t len;
    char *in = wrap_body("<Alert><CmdID>1</CmdID><Data>abc</Data></Alert>", &len);
    char *nul = strstr(in, "abc");

    (void)state;
    nul[1] = '\0';
    expect_error(in, len, NULL, OMADM_ERR_PARSE, "Char 0x0 out of allowed range");
    expect_error("\0\0\0\0", 4, NULL, OMADM_ERR_PARSE, "malformed XML");
    expect_error("\0", 1, NULL, OMADM_ERR_PARSE, "malformed XML");
    body_error("<Alert><CmdID>&#0;</CmdID></Alert>", OMADM_ERR_PARSE, "invalid xmlChar value 0");
    free(in);
}

void test_empty_input(void **state)
{
    syncml_msg *msg;

    (void)state;
    expect_error("", 0, NULL, OMADM_ERR_PARSE, "empty message");
    expect_error(NULL, 0, NULL, OMADM_ERR_PARSE, "empty message");
    expect_error("   \n", 4, NULL, OMADM_ERR_PARSE, "Start tag expected");
    expect_error("<!-- nothing -->", 16, NULL, OMADM_ERR_PARSE, "malformed XML");
    assert_int_equal(syncml_parse("x", 1, NULL, NULL, NULL), OMADM_ERR_INVALID);
    assert_int_equal(syncml_parse(NULL, 3, NULL, &msg, NULL), OMADM_ERR_INVALID);
    /* err may be NULL */
    assert_int_equal(syncml_parse("<x/>", 4, NULL, &msg, NULL), OMADM_ERR_PARSE);
    assert_null(msg);
}

void test_wrong_root_and_namespace(void **state)
{
    const char *root = "<SyncMLX xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/></SyncMLX>";
    const char *soap = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
                       "<s:Body><s:Fault/></s:Body></s:Envelope>";
    const char *ns = "<SyncML xmlns=\"SYNCML:SYNCML2.0\"><SyncHdr/></SyncML>";
    const char *nons = "<SyncML><SyncHdr/></SyncML>";
    const char *lower = "<SyncML xmlns=\"syncml:syncml1.2\"><SyncHdr/></SyncML>";
    size_t len;
    char *in11 = wrap_body("", &len);
    char *p = strstr(in11, "SYNCML1.2");

    (void)state;
    expect_error(root, strlen(root), NULL, OMADM_ERR_PARSE,
                 "wrong root element <SyncMLX> (expected SyncML)");
    expect_error(soap, strlen(soap), NULL, OMADM_ERR_PARSE, "wrong root element <Envelope>");
    expect_error(ns, strlen(ns), NULL, OMADM_ERR_PARSE,
                 "wrong namespace \"SYNCML:SYNCML2.0\" on <SyncML>");
    expect_error(lower, strlen(lower), NULL, OMADM_ERR_PARSE, "wrong namespace");
    expect_error(nons, strlen(nons), NULL, OMADM_ERR_PARSE, "no namespace on <SyncML>");
    p[8] = '1'; /* SYNCML:SYNCML1.1 is accepted */
    expect_ok(in11, len, NULL);
    free(in11);
}

void test_missing_hdr_fields(void **state)
{
    static const struct {
        const char *element;
        const char *message;
    } cases[] = {
        { "<VerDTD>1.2</VerDTD>", "missing VerDTD in SyncHdr" },
        { "<VerProto>DM/1.2</VerProto>", "missing VerProto in SyncHdr" },
        { "<SessionID>1</SessionID>", "missing SessionID in SyncHdr" },
        { "<MsgID>1</MsgID>", "missing MsgID in SyncHdr" },
        { "<Target><LocURI>dev</LocURI></Target>", "missing Target in SyncHdr" },
        { "<LocURI>dev</LocURI>", "missing Target/LocURI in SyncHdr" },
        { "<Source><LocURI>https://s.test/</LocURI></Source>", "missing Source in SyncHdr" },
        { "<LocURI>https://s.test/</LocURI>", "missing Source/LocURI in SyncHdr" },
    };
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *in = wrap_body("", &len);
        char *at = strstr(in, cases[i].element);
        size_t n = strlen(cases[i].element);

        assert_non_null(at);
        memmove(at, at + n, strlen(at + n) + 1);
        expect_error(in, strlen(in), NULL, OMADM_ERR_PARSE, cases[i].message);
        free(in);
    }
}

void test_missing_hdr_or_body(void **state)
{
    const char *no_hdr = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody/></SyncML>";
    const char *nothing = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"></SyncML>";
    const char *no_body = HDR_OPEN "</SyncBody></SyncML>";
    size_t len;
    char *in = wrap_body("", &len);
    char *twice;

    (void)state;
    expect_error(no_hdr, strlen(no_hdr), NULL, OMADM_ERR_PARSE, "missing SyncHdr in SyncML");
    expect_error(nothing, strlen(nothing), NULL, OMADM_ERR_PARSE, "missing SyncHdr in SyncML");
    {
        char *cut = strdup(no_body);

        strcpy(strstr(cut, "<SyncBody>"), "</SyncML>");
        expect_error(cut, strlen(cut), NULL, OMADM_ERR_PARSE, "missing SyncBody in SyncML");
        free(cut);
    }
    twice = fmt("%.*s<SyncBody/></SyncML>", (int)(len - strlen("</SyncML>")), in);
    expect_error(twice, strlen(twice), NULL, OMADM_ERR_PARSE, "duplicate SyncBody in SyncML");
    free(twice);
    free(in);
}

void test_undefined_prefix(void **state)
{
    (void)state;
    body_error("<Alert><CmdID>1</CmdID><Item><Data><x:a/></Data></Item></Alert>", OMADM_ERR_PARSE,
               "Namespace prefix x on a is not defined");
}

static int generic_calls;

static void count_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
    generic_calls++;
}

/* Encoding errors reach libxml2's generic (stderr) handler: the codec
 * silences it while it runs and gives the caller's handler back. */
void test_generic_error_handler_restored(void **state)
{
    /* UTF-16LE "<SyncML " then a lone surrogate: an encoder error */
    static const char utf16_bad[] = "\xff\xfe<\0S\0y\0n\0c\0M\0L\0 \0\x00\xd8>\0";
    int marker;
    syncml_msg *msg;
    xmlDocPtr doc;
    size_t len;
    char *in = wrap_body("", &len), *out;

    (void)state;
    xmlSetGenericErrorFunc(&marker, count_generic);
    /* the input does reach the generic handler when libxml2 parses it */
    generic_calls = 0;
    doc = xmlReadMemory(utf16_bad, (int)sizeof(utf16_bad) - 1, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_null(doc);
    assert_true(generic_calls > 0);
    generic_calls = 0;
    /* libxml2 reports the start tag before it meets the bad surrogate. */
    expect_error(utf16_bad, sizeof(utf16_bad) - 1, NULL, OMADM_ERR_PARSE,
                 "no namespace on <SyncML> (expected SYNCML:SYNCML1.2)");
    msg = parse_ok(in, len);
    assert_int_equal(syncml_write(msg, &out, &len), OMADM_OK);
    assert_int_equal(generic_calls, 0);
    assert_ptr_equal(xmlGenericError, count_generic);
    assert_ptr_equal(xmlGenericErrorContext, &marker);
    omadm__free(out);
    syncml_msg_free(msg);
    free(in);
    xmlSetGenericErrorFunc(NULL, NULL);
}
