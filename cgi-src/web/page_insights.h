/* page_insights.h — where releases wait and how people approve (core/insights.h renders here). */
#ifndef HP_PAGE_INSIGHTS_H
#define HP_PAGE_INSIGHTS_H
#include "req.h"
int page_insights(struct req *r);        /* GET /insights */
int page_insights_csv(struct req *r);    /* GET /insights/signals.csv */
int api_insights(struct req *r);         /* GET /api/v1/insights */
#endif
