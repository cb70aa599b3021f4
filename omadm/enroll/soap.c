/* SPDX-License-Identifier: Apache-2.0 */
/* The SOAP requests of MS-MDE2 enrollment, built (not concatenated): every
 * value is escaped, namespaces live in the constants below. Shapes follow
 * MS-MDE2 §4 (examples) and §3.4.4.1.1.1.3 (UsernameToken to the letter). */
#include "enroll/enroll.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/alloc.h"
#include "enroll/enroll_int.h"

#define NS_S    "http://www.w3.org/2003/05/soap-envelope"
#define NS_A    "http://www.w3.org/2005/08/addressing"
#define NS_U    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define NS_WSSE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_WST  "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
#define NS_AC   "http://schemas.xmlsoap.org/ws/2006/12/authorization"
#define NS_XSI  "http://www.w3.org/2001/XMLSchema-instance"
#define NS_XSD  "http://www.w3.org/2001/XMLSchema"
#define NS_DISC "http://schemas.microsoft.com/windows/management/2012/01/enrollment"
#define NS_XCEP "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy"
#define NS_ENR  "http://schemas.microsoft.com/windows/pki/2009/01/enrollment"

#define ACTION_DISCOVER NS_DISC "/IDiscoveryService/Discover"
#define ACTION_POLICIES NS_XCEP "/IPolicy/GetPolicies"
#define ACTION_RST      NS_ENR "/RST/wstep"
#define ANONYMOUS       "http://www.w3.org/2005/08/addressing/anonymous"
#define PASSWORD_TEXT                                                                              \
    "http://docs.oasis-open.org/wss/2004/01/"                                                      \
    "oasis-200401-wss-username-token-profile-1.0#PasswordText"
/* MS-MDE2 §3.4.4.1.1.1.3: the u:Id of an on-premise UsernameToken. */
#define USERNAME_TOKEN_ID "uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4"
#define BASE64_BINARY     NS_WSSE "#base64binary"
#define USER_TOKEN_TYPE                                                                            \
    "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/"                        \
    "DeviceEnrollmentUserToken"
#define DEVICE_TOKEN_TYPE                                                                          \
    "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken"
#define REQ_ISSUE "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue"
#define REQ_RENEW "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew"
#define PKCS10    NS_ENR "#PKCS10"
#define PKCS7     NS_ENR "#PKCS7"

omadm_status omadm__enroll_escape(omadm_buf *out, const char *s)
{
    omadm_status st = OMADM_OK;
    const char *run = s;

    if (!s)
        return OMADM_ERR_INVALID;
    for (; *s && st == OMADM_OK; s++) {
        const char *rep = NULL;
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            /* XML 1.0 cannot carry these at all. */
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return OMADM_ERR_INVALID;
            continue;
        }
        st = omadm__buf_append(out, run, (size_t)(s - run));
        if (st == OMADM_OK)
            st = omadm__buf_append_str(out, rep);
        run = s + 1;
    }
    if (st == OMADM_OK)
        st = omadm__buf_append(out, run, strlen(run));
    return st;
}

/* Appends literal text, then the escaped value, then literal text. */
static omadm_status put3(omadm_buf *out, const char *pre, const char *value, const char *post)
{
    omadm_status st = omadm__buf_append_str(out, pre);

    if (st == OMADM_OK)
        st = omadm__enroll_escape(out, value);
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out, post);
    return st;
}

static omadm_status header_start(omadm_buf *out, const char *action, const omadm_enroll_addr *a)
{
    omadm_status st;

    if (!a || !a->to || !a->message_id)
        return OMADM_ERR_INVALID;
    st = omadm__buf_append_str(out, "<s:Header><a:Action s:mustUnderstand=\"1\">");
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out, action);
    if (st == OMADM_OK)
        st = put3(out, "</a:Action><a:MessageID>", a->message_id,
                  "</a:MessageID><a:ReplyTo><a:Address>" ANONYMOUS "</a:Address></a:ReplyTo>");
    if (st == OMADM_OK)
        st = put3(out, "<a:To s:mustUnderstand=\"1\">", a->to, "</a:To>");
    return st;
}

/* The largest federated token sent (before base64). */
#define TOKEN_MAX ((size_t)1 << 20)

/* base64 of `len` bytes (at most TOKEN_MAX), one line. */
static char *base64(const void *data, size_t len)
{
    size_t n = 4 * ((len + 2) / 3) + 1;
    char *b = omadm__malloc(n);

    if (!b)
        return NULL;
    EVP_EncodeBlock((unsigned char *)b, data, (int)len);
    return b;
}

static omadm_status security(omadm_buf *out, const omadm_enroll_creds *c)
{
    omadm_status st;
    char *token;

    if (!c)
        return OMADM_ERR_INVALID;
    switch (c->auth) {
    case OMADM_ENROLL_AUTH_ONPREMISE:
        if (!c->user || !c->secret)
            return OMADM_ERR_INVALID;
        st = put3(
            out,
            "<wsse:Security s:mustUnderstand=\"1\"><wsse:UsernameToken u:Id=\"" USERNAME_TOKEN_ID
            "\"><wsse:Username>",
            c->user, "</wsse:Username>");
        if (st == OMADM_OK)
            st = put3(out, "<wsse:Password wsse:Type=\"" PASSWORD_TEXT "\">", c->secret,
                      "</wsse:Password></wsse:UsernameToken></wsse:Security>");
        return st;
    case OMADM_ENROLL_AUTH_FEDERATED:
        if (!c->secret)
            return OMADM_ERR_INVALID;
        if (strlen(c->secret) > TOKEN_MAX)
            return OMADM_ERR_LIMIT;
        token = base64(c->secret, strlen(c->secret));
        if (!token)
            return OMADM_ERR_NOMEM;
        st = put3(out,
                  "<wsse:Security s:mustUnderstand=\"1\"><wsse:BinarySecurityToken "
                  "ValueType=\"" USER_TOKEN_TYPE "\" EncodingType=\"" BASE64_BINARY "\">",
                  token, "</wsse:BinarySecurityToken></wsse:Security>");
        omadm_enroll_secret_free(token);
        return st;
    case OMADM_ENROLL_AUTH_CERTIFICATE:
        return OMADM_OK;
    }
    return OMADM_ERR_INVALID;
}

omadm_status omadm__enroll_build_discover(omadm_buf *out, const omadm_enroll_addr *addr,
                                          const omadm_enroll_discover_req *req)
{
    omadm_status st;
    unsigned pol;

    if (!out || !req || !req->email || !req->app_version || !req->os_edition)
        return OMADM_ERR_INVALID;
    st = omadm__buf_append_str(out, "<s:Envelope xmlns:a=\"" NS_A "\" xmlns:s=\"" NS_S "\">");
    if (st == OMADM_OK)
        st = header_start(out, ACTION_DISCOVER, addr);
    if (st == OMADM_OK)
        st = put3(out,
                  "</s:Header><s:Body><Discover xmlns=\"" NS_DISC "\"><request xmlns:i=\"" NS_XSI
                  "\"><EmailAddress>",
                  req->email, "</EmailAddress><RequestVersion>4.0</RequestVersion>");
    if (st == OMADM_OK)
        st = put3(out, "<DeviceType>CIMClient_Windows</DeviceType><ApplicationVersion>",
                  req->app_version, "</ApplicationVersion>");
    if (st == OMADM_OK)
        st = put3(out, "<OSEdition>", req->os_edition, "</OSEdition>");
    pol = req->auth_policies ? req->auth_policies
                             : OMADM_ENROLL_POLICY_ONPREMISE | OMADM_ENROLL_POLICY_FEDERATED;
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out, "<AuthPolicies>");
    if (st == OMADM_OK && (pol & OMADM_ENROLL_POLICY_ONPREMISE))
        st = omadm__buf_append_str(out, "<AuthPolicy>OnPremise</AuthPolicy>");
    if (st == OMADM_OK && (pol & OMADM_ENROLL_POLICY_FEDERATED))
        st = omadm__buf_append_str(out, "<AuthPolicy>Federated</AuthPolicy>");
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out,
                                   "</AuthPolicies></request></Discover></s:Body></s:Envelope>");
    return st;
}

#define ENVELOPE_WSS                                                                               \
    "<s:Envelope xmlns:s=\"" NS_S "\" xmlns:a=\"" NS_A "\" xmlns:u=\"" NS_U                        \
    "\" xmlns:wsse=\"" NS_WSSE "\" xmlns:wst=\"" NS_WST "\" xmlns:ac=\"" NS_AC "\">"

omadm_status omadm__enroll_build_get_policies(omadm_buf *out, const omadm_enroll_addr *addr,
                                              const omadm_enroll_creds *creds)
{
    omadm_status st;

    if (!out)
        return OMADM_ERR_INVALID;
    st = omadm__buf_append_str(out, ENVELOPE_WSS);
    if (st == OMADM_OK)
        st = header_start(out, ACTION_POLICIES, addr);
    if (st == OMADM_OK)
        st = security(out, creds);
    if (st == OMADM_OK)
        st = omadm__buf_append_str(
            out, "</s:Header><s:Body xmlns:xsi=\"" NS_XSI "\" xmlns:xsd=\"" NS_XSD "\">"
                 "<GetPolicies xmlns=\"" NS_XCEP "\"><client><lastUpdate xsi:nil=\"true\"/>"
                 "<preferredLanguage xsi:nil=\"true\"/></client>"
                 "<requestFilter xsi:nil=\"true\"/></GetPolicies></s:Body></s:Envelope>");
    return st;
}

omadm_status omadm__enroll_build_rst(omadm_buf *out, const omadm_enroll_addr *addr,
                                     const omadm_enroll_creds *creds, int renew,
                                     const char *csr_b64, const omadm_enroll_context_item *items,
                                     size_t n_items)
{
    omadm_status st;
    size_t i;

    if (!out || !csr_b64 || (n_items && !items))
        return OMADM_ERR_INVALID;
    if (!renew && creds && creds->auth == OMADM_ENROLL_AUTH_CERTIFICATE)
        return OMADM_ERR_INVALID; /* a first enrollment needs credentials */
    st = omadm__buf_append_str(out, ENVELOPE_WSS);
    if (st == OMADM_OK)
        st = header_start(out, ACTION_RST, addr);
    if (st == OMADM_OK)
        st = security(out, creds);
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out, "</s:Header><s:Body><wst:RequestSecurityToken>"
                                        "<wst:TokenType>" DEVICE_TOKEN_TYPE "</wst:TokenType>");
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out, renew ? "<wst:RequestType>" REQ_RENEW "</wst:RequestType>"
                                              : "<wst:RequestType>" REQ_ISSUE "</wst:RequestType>");
    if (st == OMADM_OK)
        st = omadm__buf_append_str(out, renew ? "<wsse:BinarySecurityToken ValueType=\"" PKCS7 "\""
                                              : "<wsse:BinarySecurityToken ValueType=\"" PKCS10
                                                "\"");
    if (st == OMADM_OK)
        st = put3(out, " EncodingType=\"" BASE64_BINARY "\">", csr_b64,
                  "</wsse:BinarySecurityToken><ac:AdditionalContext xmlns=\"" NS_AC "\">");
    for (i = 0; i < n_items && st == OMADM_OK; i++) {
        if (!items[i].name || !items[i].value)
            return OMADM_ERR_INVALID;
        st = put3(out, "<ac:ContextItem Name=\"", items[i].name, "\">");
        if (st == OMADM_OK)
            st = put3(out, "<ac:Value>", items[i].value, "</ac:Value></ac:ContextItem>");
    }
    if (st == OMADM_OK)
        st = omadm__buf_append_str(
            out, "</ac:AdditionalContext></wst:RequestSecurityToken></s:Body></s:Envelope>");
    return st;
}
