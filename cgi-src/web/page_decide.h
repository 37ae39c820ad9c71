/* page_decide.h — acting on an activity (browser and API), and delegation pages. */
#ifndef HP_PAGE_DECIDE_H
#define HP_PAGE_DECIDE_H
#include "page.h"

int page_activity_decision(struct req *r);
int page_activity_take(struct req *r);
int page_activity_assign(struct req *r);
int page_activity_hand_back(struct req *r);          /* POST /activities/{id}/hand-back */
int page_activity_task(struct req *r);
int page_activity_submit(struct req *r);             /* POST /activities/{id}/submit: the one form */
int api_activity_decision(struct req *r);
int page_delegation(struct req *r);
int page_delegation_add(struct req *r);
int page_delegation_end(struct req *r);
#endif
