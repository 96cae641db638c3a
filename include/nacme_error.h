/*
 * nanoacme status codes.
 *
 * One enum for the whole library: 0 is success, errors are negative and
 * numbered explicitly so a number in a log stays meaningful across versions.
 * NACME_PENDING (positive) is not an error: a port call or codec that has not
 * finished yet and must be asked again. Protocol progress is never a status
 * code: nacme_step() reports it separately (see nanoacme.h).
 */
#ifndef NACME_ERROR_H
#define NACME_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nacme_err {
    NACME_OK = 0,
    NACME_PENDING = 1, /* not finished: ask again (never an error) */

    /* General (-1 .. -19) */
    NACME_ERR_ARG = -1,          /* an argument is invalid (NULL, out of range) */
    NACME_ERR_TOO_LARGE = -2,    /* input or output does not fit a configured buffer or limit */
    NACME_ERR_STATE = -3,        /* call not valid in the current state */
    NACME_ERR_NOT_FOUND = -4,    /* a looked-up item (member, stored object) does not exist */
    NACME_ERR_CANCELLED = -5,    /* the caller cancelled the operation */
    NACME_ERR_TIMEOUT = -6,      /* an operation deadline passed */
    NACME_ERR_UNSUPPORTED = -7,  /* valid, but not supported by this build or port */
    NACME_ERR_INTERNAL = -8,     /* an invariant failed: a bug */

    /* Codecs (-20 .. -49) */
    NACME_ERR_BASE64 = -20,       /* invalid base64/base64url text */
    NACME_ERR_JSON = -21,         /* invalid JSON document */
    NACME_ERR_JSON_TYPE = -22,    /* JSON member has an unexpected type */
    NACME_ERR_JSON_MISSING = -23, /* required JSON member is missing */
    NACME_ERR_HTTP_STATUS = -24,  /* malformed HTTP status line */
    NACME_ERR_HTTP_HEADER = -25,  /* malformed HTTP header line */
    NACME_ERR_HTTP_LINE_TOO_LONG = -26, /* HTTP line longer than NACME_HTTP_LINE_MAX */
    NACME_ERR_HTTP_TOO_MANY_HEADERS = -27, /* more than NACME_HTTP_MAX_HEADERS headers */
    NACME_ERR_HTTP_CHUNK = -28,   /* malformed chunked transfer encoding */
    NACME_ERR_HTTP_LENGTH = -29,  /* invalid or conflicting Content-Length / framing */
    NACME_ERR_HTTP_TRUNCATED = -30, /* connection ended before the response was complete */
    NACME_ERR_URL = -31,          /* malformed URL */
    NACME_ERR_URL_SCHEME = -32,   /* URL scheme is not https (or userinfo present) */
    NACME_ERR_TIME = -33,         /* malformed or out-of-range date/time */
    NACME_ERR_DER = -34,          /* malformed DER */
    NACME_ERR_PEM = -35,          /* malformed PEM */
    NACME_ERR_X509 = -36,         /* certificate structure not as required */
    NACME_ERR_UTF8 = -37,         /* invalid escape or UTF-8 in a string */

    /* Port (-50 .. -69) */
    NACME_ERR_IO = -50,           /* transport failure */
    NACME_ERR_IO_CLOSED = -51,    /* peer closed the connection */
    NACME_ERR_CONNECT = -52,      /* could not connect (refused, unreachable) */
    NACME_ERR_RESOLVE = -53,      /* host name did not resolve */
    NACME_ERR_TLS = -54,          /* TLS handshake or record failure */
    NACME_ERR_TLS_VERIFY = -55,   /* server certificate not trusted or wrong name */
    NACME_ERR_ENTROPY = -56,      /* entropy source failed */
    NACME_ERR_CRYPTO = -57,       /* crypto backend failure */
    NACME_ERR_KEY = -58,          /* key missing, unusable or wrong type */
    NACME_ERR_STORAGE = -59,      /* storage failure */
    NACME_ERR_STORAGE_CORRUPT = -60, /* stored object failed its integrity check */
    NACME_ERR_CHALLENGE = -61,    /* the challenge port could not publish material */
    NACME_ERR_TIME_UNKNOWN = -62, /* the clock has no wall time yet */
    NACME_ERR_LOCKED = -63,       /* state is locked by another run */

    /* Protocol (-80 .. -119) */
    NACME_ERR_PROBLEM = -80,      /* the server answered an ACME problem: see nacme_problem() */
    NACME_ERR_HTTP_UNEXPECTED = -81, /* unexpected HTTP status without a problem document */
    NACME_ERR_CONTENT_TYPE = -82, /* response Content-Type is not the expected media type */
    NACME_ERR_NO_LOCATION = -83,  /* response lacks the required Location header */
    NACME_ERR_NO_NONCE = -84,     /* response lacks the required Replay-Nonce */
    NACME_ERR_BAD_NONCE_LIMIT = -85, /* badNonce retries exhausted */
    NACME_ERR_DIRECTORY = -86,    /* directory lacks a required resource */
    NACME_ERR_EAB_REQUIRED = -87, /* CA requires external account binding, none configured */
    NACME_ERR_TOS_REQUIRED = -88, /* CA has terms of service the configuration does not agree to */
    NACME_ERR_ACCOUNT = -89,      /* account missing, deactivated or unusable */
    NACME_ERR_PROFILE = -90,      /* requested profile not offered by the CA */
    NACME_ERR_NO_CHALLENGE = -91, /* no offered challenge type is in the preference list */
    NACME_ERR_AUTHZ_INVALID = -92, /* an authorization failed validation */
    NACME_ERR_ORDER_INVALID = -93, /* the order became invalid */
    NACME_ERR_CERT_MISMATCH = -94, /* issued certificate: wrong key or identifiers */
    NACME_ERR_CERT_VALIDITY = -95, /* issued certificate is not currently valid */
    NACME_ERR_CHAIN = -96,        /* certificate chain malformed */
    NACME_ERR_BACKOFF = -97,      /* an earlier failure asks to wait before the next attempt */
    NACME_ERR_RATE_LIMITED = -98, /* the CA rate-limited us; retry after the given time */
    NACME_ERR_USER_ACTION = -99,  /* the CA requires user action (e.g. new terms): see problem */
    NACME_ERR_NOT_DUE = -100,     /* renewal: the certificate is not due (not a failure) */
    NACME_ERR_NO_CERT = -101      /* no stored certificate for this name */
} nacme_err_t;

/**
 * nacme_strerror() - describe a status code.
 * @err: any value returned by a nanoacme function.
 *
 * Return: a static, NUL-terminated English text; never NULL. Unknown codes
 * give "unknown error".
 */
const char *nacme_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* NACME_ERROR_H */
