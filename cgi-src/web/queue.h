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

/* The page's keys among every activity on hold in a live release, not frozen in a failed phase. */
#define QUEUE_ALL_KEYS(cmp, dir) \
  "SELECT oa.due_key, oa.since_key, oa.id" \
  " FROM activities oa JOIN phases op ON op.id=oa.phase_id JOIN releases orl ON orl.id=oa.release_id" \
  " WHERE oa.status='on_hold' AND op.status<>'failed' AND orl.status IN ('running','on_hold')" \
  "  AND (oa.due_key, oa.since_key, oa.id) " cmp " (:k1, :k2, :k3)" \
  " ORDER BY oa.due_key " dir ", oa.since_key " dir ", oa.id " dir " LIMIT :lim"

/* Parse KEY = "due.since.id" (three integers, id > 0) into k.  1 ok, 0. */
int queue_parse_key(const char *z, int64_t k[3]);
#endif
