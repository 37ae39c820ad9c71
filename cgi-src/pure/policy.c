/* policy.c — approver eligibility and quorum evaluation as pure functions (see policy.h). */
#define _POSIX_C_SOURCE 200809L
#include "policy.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX                     /* "no index" */
#define COVER_BUDGET 4000000L             /* work units for the exact cover search */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

/* Format a message into err (if any); always NUL-terminated, truncated to fit. */
static void PRINTF_LIKE(3, 4) set_err(char *err, size_t nerr, const char *fmt, ...)
{
  va_list ap;
  if (err == NULL || nerr == 0) return;
  va_start(ap, fmt);
  vsnprintf(err, nerr, fmt, ap);
  va_end(ap);
}

/* Copy at most 60 bytes of s into out, control characters replaced by '?',
** so that a hostile key cannot put line breaks into a message. */
static void printable(const char *s, char out[64])
{
  size_t i;
  for (i = 0; s[i] != '\0' && i < 60; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  out[i] = '\0';
  if (s[i] != '\0') memcpy(out + (i > 57 ? 57 : i), "...", 4);
}

static int popcount32(uint32_t m)
{
  int n = 0;
  for (; m != 0; m &= m - 1) n++;
  return n;
}

static uint32_t rules_mask(int nrule) { return nrule >= 32 ? ~0u : ((1u << nrule) - 1u); }

/* Mode any: the rules that must be met (required) and the others, one of which must be. */
static uint32_t required_mask(const struct policy *p)
{
  uint32_t m = 0;
  for (int k = 0; k < p->nrule; k++) {
    if (p->rule[k].required) m |= 1u << k;
  }
  return m;
}

/* Mode any: is a set of met rules enough? */
static bool any_met(const struct policy *p, uint32_t met)
{
  uint32_t req = required_mask(p), opt = rules_mask(p->nrule) & ~req;
  return (met & req) == req && (opt == 0 || (met & opt) != 0);
}

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The person a vote counts for: acting_for when set and different, else user_id. */
static int64_t principal_of(const struct policy_vote *v)
{
  return (v->acting_for > 0 && v->acting_for != v->user_id) ? v->acting_for : v->user_id;
}

const char *policy_kind_name(enum policy_kind k)
{
  switch (k) {
  case POLICY_KIND_USER: return "user";
  case POLICY_KIND_TEAM: return "team";
  case POLICY_KIND_ROLE: return "role";
  }
  return "?";
}

const char *policy_rc_name(enum policy_rc rc)
{
  switch (rc) {
  case POLICY_OK: return "ok";
  case POLICY_NOT_ELIGIBLE: return "not_eligible";
  case POLICY_SELF_APPROVAL: return "self_approval";
  case POLICY_UNKNOWN_IDENTITY: return "unknown_identity";
  case POLICY_ALREADY_VOTED: return "already_voted";
  case POLICY_NOT_OPEN: return "not_open";
  case POLICY_DECIDED: return "decided";
  case POLICY_INFEASIBLE: return "infeasible";
  case POLICY_PARSE_ERROR: return "parse_error";
  case POLICY_EINVAL: return "invalid_argument";
  case POLICY_ENOMEM: return "out_of_memory";
  }
  return "unknown";
}

const char *policy_state_name(enum policy_state st)
{
  switch (st) {
  case POLICY_PENDING: return "pending";
  case POLICY_APPROVED: return "approved";
  case POLICY_REJECTED: return "rejected";
  }
  return "unknown";
}

/* Describe rule k (0-based) as "rule 2 (team product, min majority)" into buf. */
static void rule_label(const struct policy *p, int k, char *buf, size_t n)
{
  const struct policy_rule *r = &p->rule[k];
  char name[64];
  printable(r->name, name);
  if (r->min == POLICY_MIN_COUNT) {
    snprintf(buf, n, "rule %d (%s %s, min %d)", k + 1, policy_kind_name(r->kind), name, r->min_count);
  } else {
    snprintf(buf, n, "rule %d (%s %s, min %s)", k + 1, policy_kind_name(r->kind), name,
             r->min == POLICY_MIN_ALL ? "all" : "majority");
  }
}

/* Is a hand-built or parsed policy internally consistent?  Returns true if so. */
static bool policy_valid(const struct policy *p)
{
  int k;
  if (p == NULL || p->nrule < 1 || p->nrule > POLICY_MAX_RULES) return false;
  if (p->mode != POLICY_MODE_ALL && p->mode != POLICY_MODE_ANY) return false;
  if (p->reject_when != POLICY_REJECT_ANY && p->reject_when != POLICY_REJECT_CANNOT_REACH) return false;
  if (p->ordered && p->mode != POLICY_MODE_ALL) return false;
  for (k = 0; k < p->nrule; k++) {
    const struct policy_rule *r = &p->rule[k];
    if (r->kind != POLICY_KIND_USER && r->kind != POLICY_KIND_TEAM && r->kind != POLICY_KIND_ROLE) return false;
    if (memchr(r->name, '\0', sizeof r->name) == NULL || r->name[0] == '\0') return false;
    if (r->min == POLICY_MIN_COUNT) {
      if (r->min_count < 1 || r->min_count > POLICY_MIN_MAX) return false;
    } else if (r->min != POLICY_MIN_ALL && r->min != POLICY_MIN_MAJORITY) {
      return false;
    }
  }
  return true;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

/* Parse one element of "rules" into *r.  Returns POLICY_OK or POLICY_PARSE_ERROR (err set). */
static enum policy_rc parse_rule(json_t *jr, size_t i, struct policy_rule *r, char *err, size_t nerr)
{
  const char *key;
  json_t *v;
  bool have_kind = false, have_name = false, have_min = false;
  char safe[64];

  if (!json_is_object(jr)) {
    set_err(err, nerr, "rules[%zu] must be an object with keys kind, name and min", i);
    return POLICY_PARSE_ERROR;
  }
  json_object_foreach(jr, key, v) {
    if (strcmp(key, "kind") == 0) {
      const char *s = json_string_value(v);
      if (s != NULL && strcmp(s, "user") == 0) r->kind = POLICY_KIND_USER;
      else if (s != NULL && strcmp(s, "team") == 0) r->kind = POLICY_KIND_TEAM;
      else if (s != NULL && strcmp(s, "role") == 0) r->kind = POLICY_KIND_ROLE;
      else {
        set_err(err, nerr, "rules[%zu].kind must be \"user\", \"team\" or \"role\"", i);
        return POLICY_PARSE_ERROR;
      }
      have_kind = true;
    } else if (strcmp(key, "name") == 0) {
      const char *s = json_string_value(v);
      size_t len = s != NULL ? json_string_length(v) : 0, j;
      bool ok = s != NULL && len >= 1 && len <= POLICY_NAME_MAX && strlen(s) == len;
      for (j = 0; ok && j < len; j++) {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x20 || c == 0x7f) ok = false;
      }
      if (!ok) {
        set_err(err, nerr, "rules[%zu].name must be a string of 1 to %d bytes without control characters",
                i, POLICY_NAME_MAX);
        return POLICY_PARSE_ERROR;
      }
      memcpy(r->name, s, len + 1);
      have_name = true;
    } else if (strcmp(key, "min") == 0) {
      const char *s = json_string_value(v);
      if (json_is_integer(v)) {
        json_int_t m = json_integer_value(v);
        if (m < 1) {
          set_err(err, nerr, "rules[%zu].min must be a positive integer, \"all\" or \"majority\" (got %lld)",
                  i, (long long)m);
          return POLICY_PARSE_ERROR;
        }
        if (m > POLICY_MIN_MAX) {
          set_err(err, nerr, "rules[%zu].min must be at most %d", i, POLICY_MIN_MAX);
          return POLICY_PARSE_ERROR;
        }
        r->min = POLICY_MIN_COUNT;
        r->min_count = (int)m;
      } else if (s != NULL && strcmp(s, "all") == 0) {
        r->min = POLICY_MIN_ALL;
      } else if (s != NULL && strcmp(s, "majority") == 0) {
        r->min = POLICY_MIN_MAJORITY;
      } else {
        set_err(err, nerr, "rules[%zu].min must be a positive integer, \"all\" or \"majority\"", i);
        return POLICY_PARSE_ERROR;
      }
      have_min = true;
    } else if (strcmp(key, "required") == 0) {
      if (!json_is_boolean(v)) {
        set_err(err, nerr, "rules[%zu].required must be true or false", i);
        return POLICY_PARSE_ERROR;
      }
      r->required = json_is_true(v);
    } else {
      printable(key, safe);
      set_err(err, nerr, "rules[%zu]: unknown key '%s' (expected kind, name, min, required)", i, safe);
      return POLICY_PARSE_ERROR;
    }
  }
  if (!have_kind || !have_name || !have_min) {
    set_err(err, nerr, "rules[%zu]: missing key '%s'", i, !have_kind ? "kind" : !have_name ? "name" : "min");
    return POLICY_PARSE_ERROR;
  }
  return POLICY_OK;
}

/* Read a JSON boolean into *b; on a wrong type set err naming key. */
static enum policy_rc parse_bool(json_t *v, const char *key, bool *b, char *err, size_t nerr)
{
  if (!json_is_boolean(v)) {
    set_err(err, nerr, "'%s' must be true or false", key);
    return POLICY_PARSE_ERROR;
  }
  *b = json_is_true(v);
  return POLICY_OK;
}

static enum policy_rc parse_text(const char *json, struct policy **out, char *err, size_t nerr)
{
  json_error_t jerr;
  json_t *root = NULL, *v;
  struct policy *p = NULL;
  const char *key;
  bool have_rules = false;
  char safe[64];
  enum policy_rc rc = POLICY_OK;

  set_err(err, nerr, "%s", "");
  if (out == NULL) return POLICY_EINVAL;
  *out = NULL;
  if (json == NULL) return POLICY_EINVAL;

  root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    set_err(err, nerr, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    rc = POLICY_PARSE_ERROR;
    goto out;
  }
  if (!json_is_object(root)) {
    set_err(err, nerr, "the policy must be a JSON object");
    rc = POLICY_PARSE_ERROR;
    goto out;
  }
  p = calloc(1, sizeof *p);
  if (p == NULL) {
    rc = POLICY_ENOMEM;
    goto out;
  }
  p->mode = POLICY_MODE_ALL;
  p->ordered = false;
  p->distinct = true;
  p->allow_self_approval = false;
  p->reject_when = POLICY_REJECT_ANY;

  json_object_foreach(root, key, v) {
    if (strcmp(key, "rules") == 0) {
      size_t i, n = json_is_array(v) ? json_array_size(v) : 0;
      if (n < 1 || n > POLICY_MAX_RULES) {
        set_err(err, nerr, "'rules' must be a list of 1 to %d rules", POLICY_MAX_RULES);
        rc = POLICY_PARSE_ERROR;
        goto out;
      }
      for (i = 0; i < n; i++) {
        rc = parse_rule(json_array_get(v, i), i, &p->rule[i], err, nerr);
        if (rc != POLICY_OK) goto out;
      }
      p->nrule = (int)n;
      have_rules = true;
    } else if (strcmp(key, "mode") == 0) {
      const char *s = json_string_value(v);
      if (s != NULL && strcmp(s, "all") == 0) p->mode = POLICY_MODE_ALL;
      else if (s != NULL && strcmp(s, "any") == 0) p->mode = POLICY_MODE_ANY;
      else {
        set_err(err, nerr, "'mode' must be \"all\" or \"any\"");
        rc = POLICY_PARSE_ERROR;
        goto out;
      }
    } else if (strcmp(key, "reject_when") == 0) {
      const char *s = json_string_value(v);
      if (s != NULL && strcmp(s, "any") == 0) p->reject_when = POLICY_REJECT_ANY;
      else if (s != NULL && strcmp(s, "cannot_reach") == 0) p->reject_when = POLICY_REJECT_CANNOT_REACH;
      else {
        set_err(err, nerr, "'reject_when' must be \"any\" or \"cannot_reach\"");
        rc = POLICY_PARSE_ERROR;
        goto out;
      }
    } else if (strcmp(key, "ordered") == 0) {
      if ((rc = parse_bool(v, key, &p->ordered, err, nerr)) != POLICY_OK) goto out;
    } else if (strcmp(key, "distinct") == 0) {
      if ((rc = parse_bool(v, key, &p->distinct, err, nerr)) != POLICY_OK) goto out;
    } else if (strcmp(key, "allow_self_approval") == 0) {
      if ((rc = parse_bool(v, key, &p->allow_self_approval, err, nerr)) != POLICY_OK) goto out;
    } else {
      printable(key, safe);
      set_err(err, nerr, "unknown key '%s' (expected rules, mode, ordered, distinct, "
              "allow_self_approval, reject_when)", safe);
      rc = POLICY_PARSE_ERROR;
      goto out;
    }
  }
  if (!have_rules) {
    set_err(err, nerr, "missing key 'rules'");
    rc = POLICY_PARSE_ERROR;
    goto out;
  }
  if (p->ordered && p->mode != POLICY_MODE_ALL) {
    /* With OR, the first rule met decides, so a later rule could never open. */
    set_err(err, nerr, "'ordered': true needs 'mode': \"all\"");
    rc = POLICY_PARSE_ERROR;
    goto out;
  }
  *out = p;
  p = NULL;
out:
  free(p);
  json_decref(root);
  return rc;
}

/*
** The texts parsed last and what they gave.  A page reads the same few policies on every
** request (an activity's, a freeze's), and a parsed policy is plain data: a text seen again
** is answered with a copy instead of parsing the JSON anew.  Only texts that parsed are kept
** (an error is parsed again, with its message); one process, one thread, a few kilobytes.
*/
#define MEMO_SLOTS 16
#define MEMO_TEXT_MAX 4096
static struct memo {
  char *text;
  size_t len;
  struct policy p;
} memo[MEMO_SLOTS];
static unsigned memo_next;

enum policy_rc policy_parse(const char *json, struct policy **out, char *err, size_t nerr)
{
  size_t len = json ? strlen(json) : 0;
  unsigned i;
  enum policy_rc rc;

  if (json != NULL && out != NULL && len <= MEMO_TEXT_MAX) {
    for (i = 0; i < MEMO_SLOTS; i++) {
      if (memo[i].text != NULL && memo[i].len == len && memcmp(memo[i].text, json, len) == 0) {
        if ((*out = malloc(sizeof **out)) == NULL) return POLICY_ENOMEM;
        **out = memo[i].p;
        set_err(err, nerr, "%s", "");
        return POLICY_OK;
      }
    }
  }
  rc = parse_text(json, out, err, nerr);
  if (rc == POLICY_OK && len <= MEMO_TEXT_MAX) {
    struct memo *m = &memo[memo_next++ % MEMO_SLOTS];
    char *text = malloc(len + 1);
    if (text != NULL) {
      memcpy(text, json, len + 1);
      free(m->text);
      m->text = text;
      m->len = len;
      m->p = **out;
    }
  }
  return rc;
}

void policy_free(struct policy *p)
{
  free(p);
}

enum policy_rc policy_to_json(const struct policy *p, char **out)
{
  json_t *root = NULL, *rules = NULL, *r;
  json_malloc_t jmalloc;
  json_free_t jfree;
  char *s = NULL;
  enum policy_rc rc = POLICY_ENOMEM;
  int k;

  if (out == NULL) return POLICY_EINVAL;
  *out = NULL;
  if (!policy_valid(p)) return POLICY_EINVAL;
  root = json_object();
  rules = json_array();
  if (root == NULL || rules == NULL) goto out;
  for (k = 0; k < p->nrule; k++) {
    const struct policy_rule *pr = &p->rule[k];
    json_t *min = pr->min == POLICY_MIN_COUNT ? json_integer(pr->min_count)
                : json_string(pr->min == POLICY_MIN_ALL ? "all" : "majority");
    r = json_pack("{s:s, s:s, s:o}", "kind", policy_kind_name(pr->kind), "name", pr->name, "min", min);
    if (r != NULL && pr->required && json_object_set_new(r, "required", json_true()) != 0) {
      json_decref(r);
      r = NULL;
    }
    if (r == NULL || json_array_append_new(rules, r) != 0) goto out;
  }
  if (json_object_set_new(root, "rules", rules) != 0) {
    rules = NULL;
    goto out;
  }
  rules = NULL;
  if (json_object_set_new(root, "mode", json_string(p->mode == POLICY_MODE_ALL ? "all" : "any")) != 0
   || json_object_set_new(root, "ordered", json_boolean(p->ordered)) != 0
   || json_object_set_new(root, "distinct", json_boolean(p->distinct)) != 0
   || json_object_set_new(root, "allow_self_approval", json_boolean(p->allow_self_approval)) != 0
   || json_object_set_new(root, "reject_when",
                          json_string(p->reject_when == POLICY_REJECT_ANY ? "any" : "cannot_reach")) != 0) {
    goto out;
  }
  s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (s == NULL) goto out;
  /* Hand back our own malloc'd copy so that free() is right whatever
  ** allocator jansson was configured with. */
  *out = strdup(s);
  json_get_alloc_funcs(&jmalloc, &jfree);
  jfree(s);
  if (*out != NULL) rc = POLICY_OK;
out:
  json_decref(rules);
  json_decref(root);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Eligibility                                                          */
/* ------------------------------------------------------------------ */

int policy_min_required(const struct policy_rule *rule, size_t n)
{
  if (rule == NULL || n == 0 || n > INT_MAX) return -1;
  switch (rule->min) {
  case POLICY_MIN_COUNT:
    return (rule->min_count >= 1 && (size_t)rule->min_count <= n) ? rule->min_count : -1;
  case POLICY_MIN_ALL:
    return (int)n;
  case POLICY_MIN_MAJORITY:
    return (int)(n / 2 + 1);
  }
  return -1;
}

/* Everyone eligible for some rule, as one sorted table. */
struct elig {
  size_t npeople;
  int64_t *id;                          /* sorted, distinct */
  uint32_t *mask;                       /* rules each person may vote for */
  int n[POLICY_MAX_RULES];              /* eligible approvers per rule (barred starter left out) */
  int req[POLICY_MAX_RULES];            /* approvals required; -1 never */
  bool starter_left_out[POLICY_MAX_RULES];
  int64_t barred;                       /* the starter when self-approval is barred, else 0 */
};

static void elig_free(struct elig *e)
{
  free(e->id);
  free(e->mask);
  memset(e, 0, sizeof *e);
}

/* Index of id in e, or NONE. */
static size_t elig_find(const struct elig *e, int64_t id)
{
  size_t lo = 0, hi = e->npeople;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e->id[mid] < id) lo = mid + 1;
    else if (e->id[mid] > id) hi = mid;
    else return mid;
  }
  return NONE;
}

/*
** Build the eligibility table from the groups.  starter may be 0 (unknown).
** Returns POLICY_OK (free *e with elig_free), POLICY_EINVAL or POLICY_ENOMEM.
*/
static enum policy_rc elig_build(const struct policy *p, const struct policy_group *g, int64_t starter,
                                 struct elig *e)
{
  size_t total = 0, i, j, k;
  enum policy_rc rc = POLICY_OK;

  memset(e, 0, sizeof *e);
  if (!policy_valid(p) || g == NULL) return POLICY_EINVAL;
  for (k = 0; k < (size_t)p->nrule; k++) {
    if ((g[k].n > 0 && g[k].user_ids == NULL) || g[k].n > POLICY_MAX_PEOPLE
     || g[k].required < 0 || g[k].required > POLICY_MAX_PEOPLE) return POLICY_EINVAL;
    total += g[k].n;
  }
  if (total > POLICY_MAX_PEOPLE) return POLICY_EINVAL;
  e->barred = (!p->allow_self_approval && starter > 0) ? starter : 0;
  e->id = malloc((total ? total : 1) * sizeof *e->id);
  e->mask = calloc(total ? total : 1, sizeof *e->mask);
  if (e->id == NULL || e->mask == NULL) {
    rc = POLICY_ENOMEM;
    goto out;
  }
  for (k = 0, i = 0; k < (size_t)p->nrule; k++) {
    for (j = 0; j < g[k].n; j++) {
      if (g[k].user_ids[j] <= 0) {
        rc = POLICY_EINVAL;
        goto out;
      }
      e->id[i++] = g[k].user_ids[j];
    }
  }
  qsort(e->id, total, sizeof *e->id, cmp_i64);
  for (i = 0, j = 0; i < total; i++) {
    if (j == 0 || e->id[j - 1] != e->id[i]) e->id[j++] = e->id[i];
  }
  e->npeople = j;
  for (k = 0; k < (size_t)p->nrule; k++) {
    for (j = 0; j < g[k].n; j++) e->mask[elig_find(e, g[k].user_ids[j])] |= 1u << k;
  }
  for (i = 0; i < e->npeople; i++) {
    for (k = 0; k < (size_t)p->nrule; k++) {
      if (!(e->mask[i] & (1u << k))) continue;
      if (e->id[i] == e->barred) e->starter_left_out[k] = true;
      else e->n[k]++;
    }
  }
  for (k = 0; k < (size_t)p->nrule; k++) {
    e->req[k] = g[k].required > 0 ? g[k].required : policy_min_required(&p->rule[k], (size_t)e->n[k]);
  }
out:
  if (rc != POLICY_OK) elig_free(e);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Max flow: approvers (grouped by the set of rules they may count for)  */
/* -> rules (capacity = approvals required).  Rules are at most 16, so   */
/* augmenting paths are searched over rules only.                       */
/* ------------------------------------------------------------------ */

struct flow {
  int nrule;
  size_t ntype, maxtype;
  uint32_t *tmask;                      /* per type: rules it may go to */
  unsigned char *tcls;                  /* per type: 0 approvals cast, 1 potential */
  int *tcount;                          /* people of this type */
  int *tused;                           /* of which assigned */
  int *tflow;                           /* [type][rule]: assigned to that rule */
  int cap[POLICY_MAX_RULES];
  int load[POLICY_MAX_RULES];
  int total;
};

#define TFLOW(f, t, r) ((f)->tflow[(t) * POLICY_MAX_RULES + (size_t)(r)])

static void flow_free(struct flow *f)
{
  free(f->tmask);
  free(f->tcls);
  free(f->tcount);
  free(f->tused);
  free(f->tflow);
  memset(f, 0, sizeof *f);
}

/* Prepare an empty network for up to maxtype types.  Free with flow_free. */
static enum policy_rc flow_init(struct flow *f, int nrule, size_t maxtype)
{
  memset(f, 0, sizeof *f);
  f->nrule = nrule;
  f->maxtype = maxtype ? maxtype : 1;
  f->tmask = calloc(f->maxtype, sizeof *f->tmask);
  f->tcls = calloc(f->maxtype, sizeof *f->tcls);
  f->tcount = calloc(f->maxtype, sizeof *f->tcount);
  f->tused = calloc(f->maxtype, sizeof *f->tused);
  f->tflow = calloc(f->maxtype * POLICY_MAX_RULES, sizeof *f->tflow);
  if (!f->tmask || !f->tcls || !f->tcount || !f->tused || !f->tflow) {
    flow_free(f);
    return POLICY_ENOMEM;
  }
  return POLICY_OK;
}

/* Add count people who may go to the rules in mask (merged with a type of the same class). */
static void flow_add(struct flow *f, uint32_t mask, int count, unsigned char cls)
{
  size_t t;
  for (t = 0; t < f->ntype; t++) {
    if (f->tmask[t] == mask && f->tcls[t] == cls) {
      f->tcount[t] += count;
      return;
    }
  }
  if (f->ntype >= f->maxtype) return;   /* cannot happen: callers size maxtype */
  f->tmask[f->ntype] = mask;
  f->tcls[f->ntype] = cls;
  f->tcount[f->ntype] = count;
  f->ntype++;
}

/*
** Find one shortest augmenting path (breadth first over rules) and push as
** much as it carries.  A path starts with an unassigned person, may move
** already assigned people from rule to rule, and ends at a rule below its
** capacity.  Loads never decrease, and no assigned person is unassigned.
** Returns the amount pushed, 0 when the flow is maximum.
*/
static int flow_augment(struct flow *f)
{
  int prev[POLICY_MAX_RULES], queue[POLICY_MAX_RULES];
  size_t via[POLICY_MAX_RULES], t;
  int qh = 0, qt = 0, r, r2, end = -1, amt;
  uint32_t seen = 0, all = rules_mask(f->nrule), m;

  for (t = 0; t < f->ntype; t++) {
    if (f->tused[t] >= f->tcount[t]) continue;
    m = f->tmask[t] & all & ~seen;
    for (r = 0; r < f->nrule; r++) {
      if (!(m & (1u << r))) continue;
      seen |= 1u << r;
      prev[r] = -1;
      via[r] = t;
      queue[qt++] = r;
    }
  }
  while (qh < qt) {
    r = queue[qh++];
    if (f->load[r] < f->cap[r]) {
      end = r;
      break;
    }
    for (t = 0; t < f->ntype; t++) {
      if (TFLOW(f, t, r) <= 0) continue;
      m = f->tmask[t] & all & ~seen;
      for (r2 = 0; r2 < f->nrule; r2++) {
        if (!(m & (1u << r2))) continue;
        seen |= 1u << r2;
        prev[r2] = r;
        via[r2] = t;
        queue[qt++] = r2;
      }
    }
  }
  if (end < 0) return 0;
  amt = f->cap[end] - f->load[end];
  for (r = end; prev[r] >= 0; r = prev[r]) {
    if (TFLOW(f, via[r], prev[r]) < amt) amt = TFLOW(f, via[r], prev[r]);
  }
  if (f->tcount[via[r]] - f->tused[via[r]] < amt) amt = f->tcount[via[r]] - f->tused[via[r]];
  f->load[end] += amt;
  f->total += amt;
  for (r = end;; r = prev[r]) {
    TFLOW(f, via[r], r) += amt;
    if (prev[r] < 0) {
      f->tused[via[r]] += amt;
      break;
    }
    TFLOW(f, via[r], prev[r]) -= amt;
  }
  return amt;
}

/*
** Augment until the flow is maximum for the current capacities.  Direct
** assignments (a free person to a rule with room) are made first in one pass,
** so that the breadth-first search only runs for paths that move people.
*/
static void flow_fill(struct flow *f)
{
  size_t t;
  int r;
  for (t = 0; t < f->ntype; t++) {
    for (r = 0; r < f->nrule && f->tused[t] < f->tcount[t]; r++) {
      int amt = f->cap[r] - f->load[r];
      if (!(f->tmask[t] & (1u << r)) || amt <= 0) continue;
      if (f->tcount[t] - f->tused[t] < amt) amt = f->tcount[t] - f->tused[t];
      TFLOW(f, t, r) += amt;
      f->tused[t] += amt;
      f->load[r] += amt;
      f->total += amt;
    }
  }
  while (flow_augment(f) > 0) {}
}

/*
** Decide which rules are met with distinct approvers, in rule order: rule k
** is met when it can be met together with the rules met before it.  Leaves
** the met rules saturated and the others at capacity 0.  Returns the mask of
** met rules in *met; POLICY_ENOMEM possible.
*/
static enum policy_rc flow_greedy_met(struct flow *f, const int *req, uint32_t *met)
{
  int *used = NULL, *tfl = NULL, load[POLICY_MAX_RULES], total, k;
  size_t nt = f->ntype ? f->ntype : 1;
  enum policy_rc rc = POLICY_OK;

  *met = 0;
  used = malloc(nt * sizeof *used);
  tfl = malloc(nt * POLICY_MAX_RULES * sizeof *tfl);
  if (used == NULL || tfl == NULL) {
    rc = POLICY_ENOMEM;
    goto out;
  }
  for (k = 0; k < f->nrule; k++) {
    if (req[k] <= 0) continue;
    memcpy(used, f->tused, f->ntype * sizeof *used);
    memcpy(tfl, f->tflow, f->ntype * POLICY_MAX_RULES * sizeof *tfl);
    memcpy(load, f->load, sizeof load);
    total = f->total;
    f->cap[k] = req[k];
    flow_fill(f);
    if (f->load[k] >= req[k]) {
      *met |= 1u << k;
    } else {
      memcpy(f->tused, used, f->ntype * sizeof *used);
      memcpy(f->tflow, tfl, f->ntype * POLICY_MAX_RULES * sizeof *tfl);
      memcpy(f->load, load, sizeof load);
      f->total = total;
      f->cap[k] = 0;
    }
  }
out:
  free(used);
  free(tfl);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Fewest people covering per-rule deficits when one approval counts     */
/* for every rule of the person (distinct false): a small set multicover.*/
/* ------------------------------------------------------------------ */

struct cover {
  int nrule;
  int d[POLICY_MAX_RULES];              /* approvals still missing per rule */
  size_t ntype;
  uint32_t *mask;                       /* per type, restricted to rules with a deficit */
  int *count;
  int best;
  long budget;
};

static uint32_t cover_need(const struct cover *c)
{
  uint32_t need = 0;
  int r;
  for (r = 0; r < c->nrule; r++) {
    if (c->d[r] > 0) need |= 1u << r;
  }
  return need;
}

/* Take one person of type t; returns the rules whose deficit it reduced. */
static uint32_t cover_take(struct cover *c, size_t t)
{
  uint32_t dec = c->mask[t] & cover_need(c);
  int r;
  c->count[t]--;
  for (r = 0; r < c->nrule; r++) {
    if (dec & (1u << r)) c->d[r]--;
  }
  return dec;
}

static void cover_put(struct cover *c, size_t t, uint32_t dec)
{
  int r;
  c->count[t]++;
  for (r = 0; r < c->nrule; r++) {
    if (dec & (1u << r)) c->d[r]++;
  }
}

/* Greedy: repeatedly take the person covering the most missing approvals.
** Returns how many were taken, or -1 when the deficits cannot be covered.
** Leaves c as it found it. */
static int cover_greedy(struct cover *c)
{
  int taken = 0, r;
  int d0[POLICY_MAX_RULES];
  int *count0 = malloc((c->ntype ? c->ntype : 1) * sizeof *count0);
  if (count0 == NULL) return -2;
  memcpy(d0, c->d, sizeof d0);
  memcpy(count0, c->count, c->ntype * sizeof *count0);
  for (;;) {
    uint32_t need = cover_need(c);
    size_t t, bt = NONE;
    int bc = 0;
    if (need == 0) break;
    for (t = 0; t < c->ntype; t++) {
      int cov = c->count[t] > 0 ? popcount32(c->mask[t] & need) : 0;
      if (cov > bc) {
        bc = cov;
        bt = t;
      }
    }
    if (bt == NONE) {
      taken = -1;
      break;
    }
    (void)cover_take(c, bt);
    taken++;
  }
  for (r = 0; r < POLICY_MAX_RULES; r++) c->d[r] = d0[r];
  memcpy(c->count, count0, c->ntype * sizeof *count0);
  free(count0);
  return taken;
}

/* Branch and bound: some chosen person must cover the rule with the largest
** deficit; try each type that does.  Bounded by c->budget (work units). */
static void cover_dfs(struct cover *c, int used)
{
  uint32_t need = cover_need(c);
  int r, k = -1, maxd = 0, sumd = 0, maxcov = 0, lb;
  size_t t;

  c->budget -= (long)c->ntype + 1;
  if (c->budget < 0) return;
  if (need == 0) {
    if (used < c->best) c->best = used;
    return;
  }
  for (r = 0; r < c->nrule; r++) {
    sumd += c->d[r];
    if (c->d[r] > maxd) {
      maxd = c->d[r];
      k = r;
    }
  }
  for (t = 0; t < c->ntype; t++) {
    int cov = c->count[t] > 0 ? popcount32(c->mask[t] & need) : 0;
    if (cov > maxcov) maxcov = cov;
  }
  if (maxcov == 0) return;
  lb = (sumd + maxcov - 1) / maxcov;
  if (lb < maxd) lb = maxd;
  if (used + lb >= c->best) return;
  for (t = 0; t < c->ntype; t++) {
    uint32_t dec;
    if (c->count[t] <= 0 || !(c->mask[t] & (1u << k))) continue;
    dec = cover_take(c, t);
    cover_dfs(c, used + 1);
    cover_put(c, t, dec);
    if (c->budget < 0) return;
  }
}

/*
** Fewest of the potential approvers (masks pot[0..npot)) whose approvals,
** each counting for all their rules, cover the deficits d.  Exact unless the
** search budget runs out, then the greedy answer (an upper bound).  Returns
** the number, -1 when impossible, -2 on allocation failure.
*/
static int cover_min(int nrule, const int *d, const uint32_t *pot, size_t npot)
{
  struct cover c;
  uint32_t *sorted = NULL;
  size_t i;
  int r, ret = -2;

  memset(&c, 0, sizeof c);
  c.nrule = nrule;
  for (r = 0; r < nrule; r++) c.d[r] = d[r] > 0 ? d[r] : 0;
  sorted = malloc((npot ? npot : 1) * sizeof *sorted);
  c.mask = malloc((npot ? npot : 1) * sizeof *c.mask);
  c.count = malloc((npot ? npot : 1) * sizeof *c.count);
  if (sorted == NULL || c.mask == NULL || c.count == NULL) goto out;
  for (i = 0; i < npot; i++) sorted[i] = pot[i] & cover_need(&c);
  for (i = 0; i < npot; i++) {          /* group equal masks (npot is small; keeps order stable) */
    size_t t;
    if (sorted[i] == 0) continue;
    for (t = 0; t < c.ntype && c.mask[t] != sorted[i]; t++) {}
    if (t == c.ntype) {
      c.mask[c.ntype] = sorted[i];
      c.count[c.ntype++] = 0;
    }
    c.count[t]++;
  }
  ret = cover_greedy(&c);
  if (ret < 0) goto out;
  c.best = ret;
  c.budget = COVER_BUDGET;
  cover_dfs(&c, 0);
  ret = c.best;
out:
  free(sorted);
  free(c.mask);
  free(c.count);
  return ret;
}

/* ------------------------------------------------------------------ */
/* Votes                                                                */
/* ------------------------------------------------------------------ */

/* (person, index of a vote they took part in), sorted by person then index. */
struct seen {
  int64_t id;
  size_t idx;
};

static int cmp_seen(const void *a, const void *b)
{
  const struct seen *x = a, *y = b;
  if (x->id != y->id) return (x->id > y->id) - (x->id < y->id);
  return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Check the votes and index who took part in which.  Returns POLICY_OK
** (caller frees *out), POLICY_UNKNOWN_IDENTITY, POLICY_EINVAL or POLICY_ENOMEM. */
static enum policy_rc seen_build(const struct policy_vote *v, size_t nv, struct seen **out, size_t *nout)
{
  struct seen *s;
  size_t i, n = 0;

  *out = NULL;
  *nout = 0;
  if (nv > 0 && v == NULL) return POLICY_EINVAL;
  if (nv > POLICY_MAX_PEOPLE) return POLICY_EINVAL;
  for (i = 0; i < nv; i++) {
    if (v[i].user_id <= 0 || v[i].acting_for < 0) return POLICY_UNKNOWN_IDENTITY;
    if (v[i].decision != POLICY_APPROVE && v[i].decision != POLICY_REJECT) return POLICY_EINVAL;
  }
  s = malloc((2 * nv + 1) * sizeof *s);
  if (s == NULL) return POLICY_ENOMEM;
  for (i = 0; i < nv; i++) {
    s[n].id = v[i].user_id;
    s[n++].idx = i;
    if (principal_of(&v[i]) != v[i].user_id) {
      s[n].id = principal_of(&v[i]);
      s[n++].idx = i;
    }
  }
  qsort(s, n, sizeof *s, cmp_seen);
  *out = s;
  *nout = n;
  return POLICY_OK;
}

/* Index of the first vote id took part in (either role), or NONE. */
static size_t seen_first(const struct seen *s, size_t n, int64_t id)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {                     /* lower bound */
    size_t mid = lo + (hi - lo) / 2;
    if (s[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return (lo < n && s[lo].id == id) ? s[lo].idx : NONE;
}

/* The outcome of counting votes[0..nv). */
struct run {
  struct flow flow;                     /* distinct, mode all: the approvals' assignment */
  bool use_flow;
  int count[POLICY_MAX_RULES];          /* approvals counted per rule */
  uint32_t open, met;
  bool approved;
  int approvals, rejections;
  size_t first_reject;                  /* index of the first counted rejection, or NONE */
};

/*
** Count votes[0..nv) in order.  s/ns index all votes (from seen_build).
** maxtype bounds the flow types the caller will add later.  Returns POLICY_OK
** (free r->flow with flow_free even on error) or POLICY_ENOMEM.
*/
static enum policy_rc run_votes(const struct policy *p, const struct elig *e, const struct seen *s,
                                size_t ns, const struct policy_vote *votes, size_t nv, size_t maxtype,
                                struct run *r)
{
  uint32_t all = rules_mask(p->nrule);
  int frontier = 0, k;
  size_t i;
  enum policy_rc rc = POLICY_OK;

  memset(r, 0, sizeof *r);
  r->first_reject = NONE;
  r->use_flow = p->distinct && p->mode == POLICY_MODE_ALL;
  if (r->use_flow && (rc = flow_init(&r->flow, p->nrule, maxtype)) != POLICY_OK) return rc;
  r->open = p->ordered ? 1u : all;
  if (r->use_flow && p->ordered && e->req[0] > 0) r->flow.cap[0] = e->req[0];

  for (i = 0; i < nv; i++) {
    const struct policy_vote *v = &votes[i];
    int64_t who = principal_of(v);
    size_t idx;
    uint32_t tag;

    if (seen_first(s, ns, v->user_id) < i || seen_first(s, ns, who) < i) continue;  /* second vote */
    idx = elig_find(e, who);
    if (idx == NONE) continue;                                                     /* not eligible */
    tag = e->mask[idx] & r->open;
    if (tag == 0) continue;                                                        /* not open yet */
    if (v->decision == POLICY_REJECT) {
      r->rejections++;
      if (r->first_reject == NONE) r->first_reject = i;
      continue;
    }
    if (e->barred != 0 && (v->user_id == e->barred || who == e->barred)) continue;  /* self-approval */
    r->approvals++;
    if (r->use_flow) {
      flow_add(&r->flow, tag, 1, 0);
      if (p->ordered) flow_fill(&r->flow);
    } else {
      for (k = 0; k < p->nrule; k++) {
        if (tag & (1u << k)) r->count[k]++;
      }
    }
    while (p->ordered && frontier < p->nrule && e->req[frontier] > 0
        && (r->use_flow ? r->flow.load[frontier] : r->count[frontier]) >= e->req[frontier]) {
      r->met |= 1u << frontier;
      frontier++;
      if (frontier < p->nrule) {
        r->open |= 1u << frontier;
        if (r->use_flow && e->req[frontier] > 0) r->flow.cap[frontier] = e->req[frontier];
      }
    }
  }

  if (!p->ordered) {
    if (r->use_flow) {
      if ((rc = flow_greedy_met(&r->flow, e->req, &r->met)) != POLICY_OK) return rc;
    } else {
      for (k = 0; k < p->nrule; k++) {
        if (e->req[k] > 0 && r->count[k] >= e->req[k]) r->met |= 1u << k;
      }
    }
  }
  if (r->use_flow) {                    /* show partial progress on unmet rules too */
    for (k = 0; k < p->nrule; k++) r->flow.cap[k] = e->req[k] > 0 ? e->req[k] : 0;
    flow_fill(&r->flow);
    for (k = 0; k < p->nrule; k++) r->count[k] = r->flow.load[k];
  }
  r->approved = p->mode == POLICY_MODE_ALL ? (r->met == all) : any_met(p, r->met);
  return rc;
}

/*
** How many more approvals, from potential approvers pot[0..npot) (their full
** rule masks), would meet the quorum?  Sets *reachable; returns the number
** (0 when approved, -1 when unreachable) or -2 on allocation failure.  May
** add the potentials to r->flow.
*/
static int still_needed(const struct policy *p, const struct elig *e, struct run *r,
                        const uint32_t *pot, size_t npot, bool *reachable)
{
  int k, needed = -1, d[POLICY_MAX_RULES], npk[POLICY_MAX_RULES], sumreq = 0, sumd = 0;
  bool allreq = true;
  size_t i;

  *reachable = false;
  if (r->approved) {
    *reachable = true;
    return 0;
  }
  for (k = 0; k < p->nrule; k++) {
    npk[k] = 0;
    for (i = 0; i < npot; i++) {
      if (pot[i] & (1u << k)) npk[k]++;
    }
    if (e->req[k] <= 0) allreq = false;
    else sumreq += e->req[k];
    d[k] = (e->req[k] > 0 && !(r->met & (1u << k))) ? e->req[k] - r->count[k] : 0;
    if (d[k] < 0) d[k] = 0;
    sumd += d[k];
  }

  if (p->mode == POLICY_MODE_ANY) {
    /* Each required rule must be reachable (its deficit adds up), and the cheapest other one. */
    int base = 0, nopt = 0;
    for (k = 0; k < p->nrule; k++) {
      bool ok = e->req[k] > 0 && r->count[k] + npk[k] >= e->req[k];
      if (p->rule[k].required) {
        if (!ok) return -1;
        base += d[k];
      } else {
        nopt++;
        if (ok && (needed < 0 || d[k] < needed)) needed = d[k];
      }
    }
    if (nopt == 0) needed = 0;
    if (needed < 0) return -1;
    *reachable = true;
    return base + needed;
  }
  if (!allreq) return -1;

  if (r->use_flow) {
    /* Approvals already cast keep their flow; potentials only add to it. */
    int f0 = r->flow.total;
    for (i = 0; i < npot; i++) flow_add(&r->flow, pot[i], 1, 1);
    flow_fill(&r->flow);
    *reachable = r->flow.total == sumreq;
    return *reachable ? sumreq - f0 : -1;
  }
  if (p->ordered) {
    /* Each later approval is cast while exactly one unmet rule is open, so
    ** it helps one rule: an assignment problem on the deficits. */
    struct flow f;
    if (flow_init(&f, p->nrule, npot + 1) != POLICY_OK) return -2;
    for (k = 0; k < p->nrule; k++) f.cap[k] = d[k];
    for (i = 0; i < npot; i++) flow_add(&f, pot[i], 1, 1);
    flow_fill(&f);
    *reachable = f.total == sumd;
    flow_free(&f);
    return *reachable ? sumd : -1;
  }
  for (k = 0; k < p->nrule; k++) {
    if (npk[k] < d[k]) return -1;
  }
  needed = cover_min(p->nrule, d, pot, npot);
  if (needed == -2) return -2;
  *reachable = needed >= 0;
  return needed;
}

/*
** Shared body of policy_evaluate and policy_may_vote: evaluate votes into
** *st and, when ballot is not NULL, judge it into *verdict.
*/
static enum policy_rc judge(const struct policy *p, const struct policy_group *groups, int64_t starter,
                            const struct policy_vote *votes, size_t nvotes, struct policy_status *st,
                            const struct policy_vote *ballot, enum policy_rc *verdict)
{
  struct elig e;
  struct run r, r2;
  struct seen *s = NULL;
  uint32_t *pot = NULL;
  size_t ns = 0, npot = 0, i, maxtype;
  int k, needed;
  bool reachable;
  enum policy_state state;
  enum policy_rc rc;

  memset(&e, 0, sizeof e);
  memset(&r, 0, sizeof r);
  memset(&r2, 0, sizeof r2);
  memset(st, 0, sizeof *st);
  if (starter <= 0) return POLICY_UNKNOWN_IDENTITY;
  if ((rc = elig_build(p, groups, starter, &e)) != POLICY_OK) goto out;
  if ((rc = seen_build(votes, nvotes, &s, &ns)) != POLICY_OK) goto out;
  maxtype = nvotes + e.npeople + 1;
  if ((rc = run_votes(p, &e, s, ns, votes, nvotes, maxtype, &r)) != POLICY_OK) goto out;

  pot = malloc((e.npeople ? e.npeople : 1) * sizeof *pot);
  if (pot == NULL) {
    rc = POLICY_ENOMEM;
    goto out;
  }
  for (i = 0; i < e.npeople; i++) {
    if (e.id[i] == e.barred || seen_first(s, ns, e.id[i]) != NONE) continue;
    pot[npot++] = e.mask[i];
  }
  st->nrule = p->nrule;
  for (k = 0; k < p->nrule; k++) {
    st->rule[k].eligible = e.n[k];
    st->rule[k].required = e.req[k];
    st->rule[k].approvals = r.count[k];
    st->rule[k].met = (r.met >> k) & 1u;
    st->rule[k].open = (r.open >> k) & 1u;
  }
  st->approvals = r.approvals;
  st->rejections = r.rejections;

  needed = still_needed(p, &e, &r, pot, npot, &reachable);
  if (needed == -2) {
    rc = POLICY_ENOMEM;
    goto out;
  }
  if (r.approved && p->reject_when == POLICY_REJECT_ANY && r.rejections > 0) {
    /* Both happened: whichever came first decides. */
    if ((rc = run_votes(p, &e, s, ns, votes, r.first_reject, maxtype, &r2)) != POLICY_OK) goto out;
    state = r2.approved ? POLICY_APPROVED : POLICY_REJECTED;
  } else if (r.approved) {
    state = POLICY_APPROVED;
  } else if ((p->reject_when == POLICY_REJECT_ANY && r.rejections > 0) || !reachable) {
    state = POLICY_REJECTED;
  } else {
    state = POLICY_PENDING;
  }
  st->state = state;
  st->reachable = reachable;
  st->needed = state == POLICY_APPROVED ? 0 : state == POLICY_REJECTED ? -1 : needed;

  if (ballot != NULL) {
    int64_t who = principal_of(ballot);
    size_t idx = elig_find(&e, who);
    if (idx == NONE) *verdict = POLICY_NOT_ELIGIBLE;
    else if (ballot->decision == POLICY_APPROVE && e.barred != 0
             && (ballot->user_id == e.barred || who == e.barred)) *verdict = POLICY_SELF_APPROVAL;
    else if (seen_first(s, ns, ballot->user_id) != NONE || seen_first(s, ns, who) != NONE)
      *verdict = POLICY_ALREADY_VOTED;
    else if (state != POLICY_PENDING) *verdict = POLICY_DECIDED;
    else if ((e.mask[idx] & r.open) == 0) *verdict = POLICY_NOT_OPEN;
    else *verdict = POLICY_OK;
  }
out:
  if (rc != POLICY_OK) memset(st, 0, sizeof *st);
  flow_free(&r.flow);
  flow_free(&r2.flow);
  elig_free(&e);
  free(s);
  free(pot);
  return rc;
}

enum policy_rc policy_evaluate(const struct policy *p, const struct policy_group *groups,
                               int64_t starter, const struct policy_vote *votes, size_t nvotes,
                               struct policy_status *out)
{
  if (out == NULL) return POLICY_EINVAL;
  return judge(p, groups, starter, votes, nvotes, out, NULL, NULL);
}

enum policy_rc policy_may_vote(const struct policy *p, const struct policy_group *groups,
                               int64_t starter, const struct policy_vote *votes, size_t nvotes,
                               const struct policy_vote *ballot)
{
  struct policy_status st;
  enum policy_rc verdict = POLICY_EINVAL, rc;

  if (ballot == NULL) return POLICY_EINVAL;
  if (ballot->user_id <= 0 || ballot->acting_for < 0 || starter <= 0) return POLICY_UNKNOWN_IDENTITY;
  if (ballot->decision != POLICY_APPROVE && ballot->decision != POLICY_REJECT) return POLICY_EINVAL;
  rc = judge(p, groups, starter, votes, nvotes, &st, ballot, &verdict);
  return rc != POLICY_OK ? rc : verdict;
}

enum policy_rc policy_check_feasible(const struct policy *p, const struct policy_group *groups,
                                     int64_t starter, char *err, size_t nerr)
{
  struct elig e;
  struct flow f;
  char label[256];
  int k, first_bad = -1, ngood = 0, need = 0;
  size_t i;
  enum policy_rc rc;

  set_err(err, nerr, "%s", "");
  memset(&f, 0, sizeof f);
  if (starter < 0) return POLICY_UNKNOWN_IDENTITY;
  if ((rc = elig_build(p, groups, starter, &e)) != POLICY_OK) return rc;

  int nopt = 0, req_bad = -1;
  for (k = 0; k < p->nrule; k++) {
    bool good = e.req[k] > 0 && e.req[k] <= e.n[k];
    if (p->mode == POLICY_MODE_ANY && p->rule[k].required) {
      if (!good && req_bad < 0) req_bad = k;
      continue;
    }
    nopt++;
    if (good) ngood++;
    else if (first_bad < 0) first_bad = k;
  }
  if (req_bad >= 0) first_bad = req_bad;        /* mode any: a required rule that cannot be met */
  if (first_bad >= 0 && (p->mode == POLICY_MODE_ALL || req_bad >= 0 || (ngood == 0 && nopt > 0))) {
    const char *who = e.starter_left_out[first_bad] ? " (the release starter may not approve)" : "";
    const char *pre = p->mode == POLICY_MODE_ANY && req_bad < 0 ? "no rule can ever be met: " : "";
    k = first_bad;
    rule_label(p, k, label, sizeof label);
    if (e.n[k] == 0) {
      set_err(err, nerr, "%s%s: nobody is eligible%s", pre, label, who);
    } else {
      int want = e.req[k] > 0 ? e.req[k] : p->rule[k].min_count;
      set_err(err, nerr, "%s%s: needs %d approvals but only %d %s eligible%s", pre, label, want, e.n[k],
              e.n[k] == 1 ? "person is" : "people are", who);
    }
    rc = POLICY_INFEASIBLE;
    goto out;
  }
  if (p->mode == POLICY_MODE_ALL && p->distinct) {
    /* Everyone who may approve approves; can each prefix of the rules be met
    ** with one rule per person? */
    if ((rc = flow_init(&f, p->nrule, e.npeople + 1)) != POLICY_OK) goto out;
    for (i = 0; i < e.npeople; i++) {
      if (e.id[i] != e.barred) flow_add(&f, e.mask[i], 1, 1);
    }
    for (k = 0; k < p->nrule; k++) {
      f.cap[k] = e.req[k];
      need += e.req[k];
      flow_fill(&f);
      if (f.load[k] < e.req[k]) {
        rule_label(p, k, label, sizeof label);
        set_err(err, nerr, "%s cannot be met together with the rules before it: each person's "
                "approval counts toward one rule only (distinct), and the people eligible can give "
                "at most %d of the %d approvals rules 1 to %d need", label, f.total, need, k + 1);
        rc = POLICY_INFEASIBLE;
        goto out;
      }
    }
  }
out:
  flow_free(&f);
  elig_free(&e);
  return rc;
}
