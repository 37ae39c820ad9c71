/* fault.h — fault injection, SQLite style, for the fault tests (make check-faults).
**
** A build with -DHP_FAULT lets one request ask for the Nth of a kind of
** operation to fail: "X-Holdpoint-Fault: step:12" makes the 12th SQL step
** (db_step, BEGIN and COMMIT) of that request fail as an I/O error would;
** "alloc:N" our Nth allocation (arena, buffers), "write:N" the Nth file write,
** "fsync:N" the Nth fsync.  The response says whether it fired
** ("X-Holdpoint-Fault: fired" or "not-reached").  In every other build the
** calls below are constants and cost nothing.
*/
#ifndef HP_FAULT_H
#define HP_FAULT_H

enum fault_kind { FAULT_ALLOC, FAULT_STEP, FAULT_WRITE, FAULT_FSYNC, FAULT_NKIND };

#ifdef HP_FAULT
void fault_arm(const char *spec);          /* "kind:N"; NULL or "" disarms */
int fault_hit(enum fault_kind k);          /* 1: make this operation fail (the Nth of the armed kind) */
void fault_hold(int on);                   /* 1: operations from here on do not count (cleanup); 0: they count again */
const char *fault_report(void);            /* NULL (none armed), "fired" or "not-reached"; disarms */
#else
#define fault_arm(spec) ((void)0)
#define fault_hit(k) 0
#define fault_hold(on) ((void)0)
#define fault_report() ((const char *)0)
#endif
#endif
