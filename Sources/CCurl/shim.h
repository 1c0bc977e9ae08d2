#ifndef DRWATCH_CCURL_SHIM_H
#define DRWATCH_CCURL_SHIM_H
#include <curl/curl.h>
// Typed wrappers for libcurl's variadic calls, which Swift cannot call directly.
static inline CURLcode drw_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode drw_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode drw_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode drw_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode drw_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*drw_data_cb)(char *, size_t, size_t, void *);
static inline CURLcode drw_setopt_datacb(CURL *h, CURLoption o, drw_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode drw_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode drw_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
// CURLOPT_MAIL_RCPT_ALLOWFAILS (7.69+) is spelled CURLOPT_MAIL_RCPT_ALLLOWFAILS before 8.2
// (Debian 12 has 7.88): the option number is the same in every version.
static const CURLoption DRW_CURLOPT_MAIL_RCPT_ALLOWFAILS = (CURLoption)290;
typedef int (*drw_debug_cb)(CURL *, curl_infotype, char *, size_t, void *);
static inline CURLcode drw_setopt_debugcb(CURL *h, drw_debug_cb v) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }
#endif
