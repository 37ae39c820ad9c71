/* api_slack.h — Slack's interactivity endpoint (api_slack.c). */
#ifndef HP_API_SLACK_H
#define HP_API_SLACK_H
#include "req.h"

/*
** POST /slack/actions — Slack's interactivity request (a `payload` form
** field holding JSON).  Route flags RF_PUBLIC|RF_RAWBODY: the signature is
** the authentication.  A button press becomes approvals_decide() with
** channel "slack" for the linked Holdpoint user; refusals are answered with
** an ephemeral message.
*/
int api_slack_actions(struct req *r);
#endif
