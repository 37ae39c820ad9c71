/* queue.h — the order of activities waiting for people, and its keyset pages (one owner). */
#ifndef HP_QUEUE_H
#define HP_QUEUE_H
#include <stdint.h>
#include "mayact.h"

/*
** The order of what waits, for the inbox and GET /api/v1/approvals: deadline
** first (none last), then how long the activity has waited, then its id.
** may_act carries the key (due_at, since_at; migration 006), activities
** the same as generated columns (due_key, since_key) with an index, so a page is an index range however
** many wait ("keyset" paging: after or before KEY, KEY = "due.since.id").
** Bind :k1, :k2, :k3 (the key; INT64_MIN each for the start), :lim, and for
** the viewer's list :uid and :now.  cmp is ">" with dir "ASC" (forward) or
** "<" with "DESC" (backward: the caller reverses the rows).
*/
/* The page's keys among the activities the viewer (:uid) may act on at :now.  may_act holds
   rows of each activity's current round only (mayact_refresh replaces them whenever a round
   opens, changes or closes), so the index alone answers. */
#define QUEUE_MINE_KEYS(cmp, dir) \
  "SELECT DISTINCT m.due_at, m.since_at, m.activity_id FROM may_act m" \
  " WHERE m.user_id=:uid AND " MAYACT_OPEN("m") \
  "  AND (m.due_at, m.since_at, m.activity_id) " cmp " (:k1, :k2, :k3)" \
  " ORDER BY m.due_at " dir ", m.since_at " dir ", m.activity_id " dir " LIMIT :lim"

/*
** The same list with columns `cols` of the activity (alias a), its release (rl) and phase (p),
** and the key last but one (QUEUE_MINE_KEY: due, since; the id is a.id).  One index range
** in the queue's order, each row's activity, release and phase by rowid: no temporary table,
** no sort.  No DISTINCT: someone who may act on an activity for two people has two rows for
** it, always next to each other (same key), so the caller skips a row whose activity is the
** one before and stops stepping when its page is full.  :lim bounds the rows read (on
** PostgreSQL every row of the result is sent): bind QUEUE_MINE_ROWS(page); a read that stops
** at :lim before its page is full shows a shorter page and says there is more (the next page
** starts after the last key shown, so nothing is lost or shown twice).
*/
#define QUEUE_MINE_ROWS(page) (4 * ((page) + 1))
#define QUEUE_MINE_KEY "m.due_at, m.since_at"
#define QUEUE_MINE(cols, cmp, dir) \
  "SELECT " cols " FROM may_act m CROSS JOIN activities a ON a.id=m.activity_id" \
  " JOIN releases rl ON rl.id=a.release_id JOIN phases p ON p.id=a.phase_id" \
  " WHERE m.user_id=:uid AND " MAYACT_OPEN("m") \
  "  AND (m.due_at, m.since_at, m.activity_id) " cmp " (:k1, :k2, :k3)" \
  " ORDER BY m.due_at " dir ", m.since_at " dir ", m.activity_id " dir " LIMIT :lim"

/* Every activity on hold in a live release, not frozen in a failed phase, with columns `cols`
   (aliases a, p, rl as above; the key is QUEUE_ALL_KEY, then a.id): one index range. */
#define QUEUE_ALL_KEY "a.due_key, a.since_key"
#define QUEUE_ALL(cols, cmp, dir) \
  "SELECT " cols \
  " FROM activities a JOIN phases p ON p.id=a.phase_id JOIN releases rl ON rl.id=a.release_id" \
  " WHERE a.status='on_hold' AND p.status<>'failed' AND rl.status IN ('running','on_hold')" \
  "  AND (a.due_key, a.since_key, a.id) " cmp " (:k1, :k2, :k3)" \
  " ORDER BY a.due_key " dir ", a.since_key " dir ", a.id " dir " LIMIT :lim"

/* The page's keys among every activity waiting (as QUEUE_ALL). */
#define QUEUE_ALL_KEYS(cmp, dir) QUEUE_ALL(QUEUE_ALL_KEY ", a.id", cmp, dir)

/* Parse KEY = "due.since.id" (three integers, id > 0) into k.  1 ok, 0. */
int queue_parse_key(const char *z, int64_t k[3]);
#endif
