/* page_notify.h — notification pages: the in-app list, preferences, and the channels' admin page. */
#ifndef HP_PAGE_NOTIFY_H
#define HP_PAGE_NOTIFY_H
#include "req.h"

/* GET /notifications — the person's in-app notifications, newest first, paginated. */
int page_notify_list(struct req *r);
/* POST /notifications/{id}/read and POST /notifications/read-all (CSRF). */
int page_notify_read(struct req *r);
int page_notify_read_all(struct req *r);
/* GET and POST /me/notifications — which events reach me on which channel; my phone number. */
int page_notify_prefs(struct req *r);
int page_notify_prefs_save(struct req *r);
/* Admins: GET /admin/notifications (channels, config file, outbox, linked identities). */
int page_notify_admin(struct req *r);
/* POST /admin/notifications/channels (add); GET/POST /admin/notifications/channels/{id} (edit, save). */
int page_notify_channel_add(struct req *r);
int page_notify_channel(struct req *r);
int page_notify_channel_save(struct req *r);
/* POST /admin/notifications/channels/{id}/test | /delete */
int page_notify_channel_test(struct req *r);
int page_notify_channel_delete(struct req *r);
/* POST /admin/notifications/outbox/{id}/retry — a failed row back to pending. */
int page_notify_outbox_retry(struct req *r);
/* POST /admin/notifications/identities — link (or unlink) a person's Slack id or phone number. */
int page_notify_identity(struct req *r);
#endif
