/* Text for every nanoacme status code. */
#include "nacme_config_defaults.h"
#include "nacme_error.h"

const char *nacme_strerror(int err)
{
    /* a build without the texts (2 KB) still tells success from failure */
    if (!NACME_WITH_ERROR_TEXT) return err == NACME_OK ? "success" : err > 0 ? "pending" : "error (see the code)";
    switch (err) {
    case NACME_OK: return "success";
    case NACME_PENDING: return "pending: call again";
    case NACME_ERR_ARG: return "invalid argument";
    case NACME_ERR_TOO_LARGE: return "data does not fit the configured buffer or limit";
    case NACME_ERR_STATE: return "call not valid in the current state";
    case NACME_ERR_NOT_FOUND: return "not found";
    case NACME_ERR_CANCELLED: return "cancelled";
    case NACME_ERR_TIMEOUT: return "timed out";
    case NACME_ERR_UNSUPPORTED: return "not supported by this build or port";
    case NACME_ERR_INTERNAL: return "internal error";
    case NACME_ERR_BASE64: return "invalid base64";
    case NACME_ERR_JSON: return "invalid JSON";
    case NACME_ERR_JSON_TYPE: return "JSON value has an unexpected type";
    case NACME_ERR_JSON_MISSING: return "required JSON member missing";
    case NACME_ERR_HTTP_STATUS: return "malformed HTTP status line";
    case NACME_ERR_HTTP_HEADER: return "malformed HTTP header";
    case NACME_ERR_HTTP_LINE_TOO_LONG: return "HTTP line too long";
    case NACME_ERR_HTTP_TOO_MANY_HEADERS: return "too many HTTP headers";
    case NACME_ERR_HTTP_CHUNK: return "malformed HTTP chunked encoding";
    case NACME_ERR_HTTP_LENGTH: return "invalid HTTP message length";
    case NACME_ERR_HTTP_TRUNCATED: return "HTTP response truncated";
    case NACME_ERR_URL: return "malformed URL";
    case NACME_ERR_URL_SCHEME: return "URL is not a plain https URL";
    case NACME_ERR_TIME: return "malformed date or time";
    case NACME_ERR_DER: return "malformed DER";
    case NACME_ERR_PEM: return "malformed PEM";
    case NACME_ERR_X509: return "certificate structure not as required";
    case NACME_ERR_UTF8: return "invalid string escape or UTF-8";
    case NACME_ERR_IO: return "transport error";
    case NACME_ERR_IO_CLOSED: return "connection closed by peer";
    case NACME_ERR_CONNECT: return "could not connect";
    case NACME_ERR_RESOLVE: return "host name did not resolve";
    case NACME_ERR_TLS: return "TLS failure";
    case NACME_ERR_TLS_VERIFY: return "server certificate not trusted or wrong name";
    case NACME_ERR_ENTROPY: return "entropy source failed";
    case NACME_ERR_CRYPTO: return "crypto failure";
    case NACME_ERR_KEY: return "key missing or unusable";
    case NACME_ERR_STORAGE: return "storage failure";
    case NACME_ERR_STORAGE_CORRUPT: return "stored data failed its integrity check";
    case NACME_ERR_CHALLENGE: return "challenge material could not be published";
    case NACME_ERR_TIME_UNKNOWN: return "wall-clock time unknown";
    case NACME_ERR_LOCKED: return "state is locked by another run";
    case NACME_ERR_PROBLEM: return "the ACME server reported a problem";
    case NACME_ERR_HTTP_UNEXPECTED: return "unexpected HTTP status from the ACME server";
    case NACME_ERR_CONTENT_TYPE: return "unexpected Content-Type from the ACME server";
    case NACME_ERR_NO_LOCATION: return "ACME response lacks a Location header";
    case NACME_ERR_NO_NONCE: return "ACME response lacks a Replay-Nonce";
    case NACME_ERR_BAD_NONCE_LIMIT: return "too many badNonce rejections";
    case NACME_ERR_DIRECTORY: return "ACME directory lacks a required resource";
    case NACME_ERR_EAB_REQUIRED: return "the CA requires external account binding";
    case NACME_ERR_TOS_REQUIRED: return "the CA's terms of service must be agreed to";
    case NACME_ERR_ACCOUNT: return "ACME account missing or unusable";
    case NACME_ERR_PROFILE: return "profile not offered by the CA";
    case NACME_ERR_NO_CHALLENGE: return "no acceptable challenge type offered";
    case NACME_ERR_AUTHZ_INVALID: return "authorization failed";
    case NACME_ERR_ORDER_INVALID: return "order became invalid";
    case NACME_ERR_CERT_MISMATCH: return "issued certificate has the wrong key or names";
    case NACME_ERR_CERT_VALIDITY: return "issued certificate is not currently valid";
    case NACME_ERR_CHAIN: return "certificate chain malformed";
    case NACME_ERR_BACKOFF: return "waiting after an earlier failure";
    case NACME_ERR_RATE_LIMITED: return "rate limited by the CA";
    case NACME_ERR_USER_ACTION: return "the CA requires user action";
    case NACME_ERR_NOT_DUE: return "renewal not due";
    case NACME_ERR_NO_CERT: return "no stored certificate";
    default: return "unknown error";
    }
}
