/* stats.c — counters shared by every process of a server, through one MAP_SHARED mapping. */
#include "stats.h"
#include <sys/mman.h>
#include <stddef.h>

const double stats_bucket_le[STATS_NBUCKETS] = { .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 0 };

static struct stats *shared;

int stats_init(void){
  if( shared ) return 0;
  void *p = mmap(NULL, sizeof(struct stats), PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
  if( p==MAP_FAILED ) return -1;
  shared = p;                              /* zero-filled by the kernel */
  return 0;
}

const struct stats *stats_get(void){
  return shared;
}

void stats_request(int route, int status, int64_t us){
  if( shared==NULL ) return;
  if( route<0 || route>=STATS_MAX_ROUTES ) route = STATS_MAX_ROUTES - 1;
  int cls = status/100 - 1;
  if( cls<0 || cls>4 ) cls = 4;
  if( us<0 ) us = 0;
  int b = 0;
  while( b<STATS_NBUCKETS-1 && (double)us > stats_bucket_le[b]*1e6 ) b++;
  __atomic_fetch_add(&shared->route[route].count[cls][b], 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&shared->route[route].sum_us[cls], (uint64_t)us, __ATOMIC_RELAXED);
}

void stats_busy(void){
  if( shared ) __atomic_fetch_add(&shared->sqlite_busy, 1, __ATOMIC_RELAXED);
}

void stats_restart(int job_runner){
  if( shared ) __atomic_fetch_add(&shared->restarts[job_runner ? 1 : 0], 1, __ATOMIC_RELAXED);
}

void stats_job_tick(int64_t now_ms){
  if( shared ) __atomic_store_n(&shared->job_tick_ms, now_ms, __ATOMIC_RELAXED);
}
