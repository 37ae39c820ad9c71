/* notify.h — who hears about what: in-app notifications and the outbox for other channels. */
#ifndef HP_NOTIFY_H
#define HP_NOTIFY_H
#include <stdint.h>
struct app;

/*
** An activity event for the people who can act on it ("waiting", "reminder",
** "escalated").  Called inside the transaction of the change that causes it.
** Returns 0 or -1.
*/
int notify_activity_event(struct app *a, int64_t activity_id, const char *event);
/* An activity finished (approved, rejected, proceeded, aborted, expired): tell the release's starter. */
int notify_activity_finished(struct app *a, int64_t activity_id, const char *outcome);
#endif
