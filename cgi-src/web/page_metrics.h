/* page_metrics.h — GET /metrics in Prometheus' text format (page_metrics.c). */
#ifndef HP_PAGE_METRICS_H
#define HP_PAGE_METRICS_H
#include "req.h"

/*
** Only for the addresses of HOLDPOINT_METRICS_ALLOW (default 127.0.0.1 and
** ::1; exact addresses or IPv4 CIDRs) or a request with the bearer token in
** HOLDPOINT_METRICS_TOKEN_FILE; anyone else gets 403.  Route flags: PUBLIC.
*/
int page_metrics(struct req *r);
#endif
