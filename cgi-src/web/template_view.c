/* template_view.c — a release template in plain words (see template_view.h). */
#include "template_view.h"
#include "rtemplate.h"
#include "policy.h"
#include "util.h"
#include <stdio.h>
#include <string.h>

const char *view_rule_text(struct req *r, const struct policy_rule *rule){
  const char *kind = rule->kind==POLICY_KIND_TEAM ? "team" : rule->kind==POLICY_KIND_ROLE ? "role" : "user";
  if( rule->kind==POLICY_KIND_USER ) return arena_printf(&r->arena, "user %s", rule->name);
  if( rule->min==POLICY_MIN_ALL ) return arena_printf(&r->arena, "all of %s %s", kind, rule->name);
  if( rule->min==POLICY_MIN_MAJORITY ) return arena_printf(&r->arena, "majority of %s %s", kind, rule->name);
  return arena_printf(&r->arena, "%d of %s %s", rule->min_count, kind, rule->name);
}

/* Who approves, in one sentence: "1 of team sre and majority of team product, in that order". */
static const char *approvers_text(struct req *r, const char *policy_json){
  struct policy *p = NULL;
  char err[200];
  if( policy_json==NULL || policy_parse(policy_json, &p, err, sizeof(err))!=POLICY_OK ) return "approvers as configured";
  struct buf b;
  buf_init(&b);
  for(int i=0; i<p->nrule; i++){
    if( i ) buf_puts(&b, i==p->nrule-1 ? (p->mode==POLICY_MODE_ANY ? " or " : " and ") : ", ");
    buf_puts(&b, view_rule_text(r, &p->rule[i]));
  }
  if( p->ordered && p->nrule>1 ) buf_puts(&b, ", in that order");
  if( !p->allow_self_approval ) buf_puts(&b, "; not the person who started the release");
  policy_free(p);
  const char *out = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
  return out ? out : "";
}

static const char *principal_text(struct req *r, const struct rtpl_principal *p){
  if( p->name==NULL ) return "";
  return arena_printf(&r->arena, "%s %s", p->kind==RTPL_TEAM ? "team" : p->kind==RTPL_ROLE ? "role" : "user", p->name);
}

int template_view_outline(struct req *r, tmpl_dict *d, const struct rtpl_template *t){
  tmpl_dict *x = tmpl_include(d, "OUTLINE", "_outline.tpl");
  if( x==NULL ) return HP_ERROR;
  tmpl_set(x, "ON_REJECT", t->on_reject==RTPL_FAIL_PHASE ? "a rejection fails its phase; the release waits for a retry"
                                                          : "a rejection fails the release");
  if( t->nvariables ){
    struct buf b;
    buf_init(&b);
    for(size_t i=0; i<t->nvariables; i++){ if( i ) buf_puts(&b, ", "); buf_puts(&b, t->variables[i]); }
    tmpl_set(tmpl_section(x, "VARIABLES"), "VARIABLES", b.z ? b.z : "");
    buf_free(&b);
  }
  for(size_t i=0; i<t->nphases; i++){
    const struct rtpl_phase *ph = &t->phases[i];
    tmpl_dict *p = tmpl_section(x, "PHASE");
    tmpl_set_int(p, "PHASE_NO", (int64_t)i+1);
    tmpl_set(p, "PHASE_NAME", ph->name);
    if( ph->description ) tmpl_set(tmpl_section(p, "PHASE_DESCRIPTION"), "PHASE_DESCRIPTION", ph->description);
    for(size_t k=0; k<ph->nactivities; k++){
      const struct rtpl_activity *a = &ph->activities[k];
      tmpl_dict *ad = tmpl_section(p, "ACT");
      tmpl_set(ad, "ACT_NAME", a->name);
      const char *what;
      switch( a->type ){
        case RTPL_APPROVAL:
          tmpl_set(ad, "ACT_KIND", "Approval");
          what = arena_printf(&r->arena, "Approved by %s.", approvers_text(r, a->policy_json));
          break;
        case RTPL_MANUAL:
          tmpl_set(ad, "ACT_KIND", "Manual task");
          what = arena_printf(&r->arena, "Someone from %s takes it, does it, then proceeds or aborts.",
                              principal_text(r, &a->responsible));
          break;
        default:
          tmpl_set(ad, "ACT_KIND", "Automated");
          what = "Your pipeline reports its result: pass, warning or fail.";
      }
      tmpl_set(ad, "ACT_WHAT", what);
      if( a->description ) tmpl_set(tmpl_section(ad, "ACT_DESCRIPTION"), "ACT_DESCRIPTION", a->description);
      if( a->ndepends ){
        struct buf b;
        buf_init(&b);
        for(size_t j=0; j<a->ndepends; j++){ if( j ) buf_puts(&b, ", "); buf_puts(&b, a->depends_on[j]); }
        tmpl_set(tmpl_section(ad, "ACT_AFTER"), "ACT_AFTER", b.z ? b.z : "");
        buf_free(&b);
      }
      if( a->nfields ){
        struct buf b;
        buf_init(&b);
        for(size_t j=0; j<a->nfields; j++){
          if( j ) buf_puts(&b, "; ");
          buf_printf(&b, "%s (%s%s)", a->fields[j].label, rtpl_field_type_name(a->fields[j].type),
                     a->fields[j].required ? ", required" : "");
        }
        tmpl_set(tmpl_section(ad, "ACT_FIELDS"), "ACT_FIELDS", b.z ? b.z : "");
        buf_free(&b);
      }
      if( a->deadline_s>0 ){
        const char *then = a->on_timeout==RTPL_TIMEOUT_REJECT ? ", then it is rejected"
                         : a->on_timeout==RTPL_TIMEOUT_ESCALATE
                           ? arena_printf(&r->arena, ", then it goes to %s", principal_text(r, &a->timeout_to)) : "";
        tmpl_set(tmpl_section(ad, "ACT_DEADLINE"), "ACT_DEADLINE",
                 arena_printf(&r->arena, "%s%s", page_duration(r, a->deadline_s), then));
      }
      if( a->signature_required ){
        tmpl_set(tmpl_section(ad, "ACT_SIGNATURE"), "ACT_SIGNATURE", a->signature_meaning ? a->signature_meaning : "");
      }
    }
  }
  return HP_OK;
}

struct rtpl_template *template_view_parse(const char *yaml){
  struct rtpl_template *t = NULL;
  char err[512];
  if( yaml==NULL || rtpl_parse(yaml, strlen(yaml), NULL, &t, err, sizeof(err))!=RTPL_OK ) return NULL;
  return t;
}
