/* SPDX-License-Identifier: Apache-2.0 */
/* A SyncML message holding every field of the model (syncml.h), each with
 * a distinct value: test_equal.c changes each in turn, test_write_limits.c
 * writes it under every buffer limit. */
#ifndef TESTS_SYNCML_FULL_MSG_H
#define TESTS_SYNCML_FULL_MSG_H

/* Every field the model has, each with a distinct value. */
static const char full[] =
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
    "<SessionID>7</SessionID><MsgID>3</MsgID>"
    "<Target><LocURI>DEV1</LocURI><LocName>dev-name</LocName></Target>"
    "<Source><LocURI>https://mdm</LocURI><LocName>srv-name</LocName></Source>"
    "<RespURI>https://mdm/next</RespURI><NoResp/>"
    "<Cred><Meta><Format xmlns=\"syncml:metinf\">b64</Format>"
    "<Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type></Meta><Data>Y3JlZA==</Data></Cred>"
    "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">10000</MaxMsgSize>"
    "<MaxObjSize xmlns=\"syncml:metinf\">20000</MaxObjSize></Meta></SyncHdr><SyncBody>"
    "<Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
    "<TargetRef>https://mdm</TargetRef><SourceRef>DEV1</SourceRef>"
    "<Chal><Meta><Format xmlns=\"syncml:metinf\">b64</Format>"
    "<Type xmlns=\"syncml:metinf\">syncml:auth-md5</Type>"
    "<NextNonce xmlns=\"syncml:metinf\">bm9uY2U=</NextNonce></Meta></Chal><Data>401</Data></Status>"
    "<Replace><CmdID>2</CmdID><NoResp/><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta>"
    "<Item><Target><LocURI>./A/B</LocURI><LocName>ab</LocName></Target>"
    "<Source><LocURI>./S</LocURI><LocName>s</LocName></Source>"
    "<Meta><Format xmlns=\"syncml:metinf\">chr</Format><Type "
    "xmlns=\"syncml:metinf\">text/plain</Type>"
    "<Mark xmlns=\"syncml:metinf\">high</Mark><Size xmlns=\"syncml:metinf\">5</Size></Meta>"
    "<Data>he&amp;lo</Data><MoreData/></Item>"
    "<Item><Target><LocURI>./A/C</LocURI></Target><Data><x>1</x></Data></Item></Replace>"
    "<Atomic><CmdID>3</CmdID><Add><CmdID>4</CmdID><Item><Target><LocURI>./N</LocURI></Target>"
    "</Item></Add></Atomic>"
    "<Vendor><CmdID>5</CmdID></Vendor>"
    "<Final/></SyncBody></SyncML>";

#endif
