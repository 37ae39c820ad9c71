/* stats.h — counters every process of a server shares (requests, busy waits, restarts), for /metrics. */
#ifndef HP_STATS_H
#define HP_STATS_H
#include <stdint.h>

/*
** The master maps one anonymous shared page set before it forks, so the
** workers' and the job runner's counters add up in one place; each update is
** one atomic add.  Without stats_init (the command line, unit tests) every
** call does nothing and the readers see zeros.
*/
#define STATS_MAX_ROUTES 128              /* routes, plus one for requests no route matched */
#define STATS_NBUCKETS 12                 /* latency buckets; the last is +Inf */
extern const double stats_bucket_le[STATS_NBUCKETS];   /* upper bounds in seconds (last: +Inf) */

struct stats_route {                      /* per route and status class (1xx..5xx) */
  uint64_t count[5][STATS_NBUCKETS];      /* requests per bucket (not cumulative) */
  uint64_t sum_us[5];                     /* total time */
};

struct stats {
  struct stats_route route[STATS_MAX_ROUTES];
  uint64_t sqlite_busy;                   /* times a statement waited for the write lock */
  uint64_t restarts[2];                   /* workers, job runners restarted by the master */
  int64_t job_tick_ms;                    /* when the job runner last ran its tick */
};

int stats_init(void);                     /* master, before fork: 0 or -1 */
const struct stats *stats_get(void);      /* NULL without stats_init */
void stats_request(int route, int status, int64_t us);
void stats_busy(void);
void stats_restart(int job_runner);
void stats_job_tick(int64_t now_ms);
#endif
