/* template_view.h — a release template in plain words, for the template page and "Start a release". */
#ifndef HP_TEMPLATE_VIEW_H
#define HP_TEMPLATE_VIEW_H
#include "page.h"

struct policy_rule;
struct rtpl_template;

/* "1 of team sre", "majority of team product", "all of role qa", "user carol". */
const char *view_rule_text(struct req *r, const struct policy_rule *rule);

/*
** Fill the OUTLINE include (templates/_outline.tpl) of d with t: each phase,
** and in it each activity with what it is in plain words (who approves and
** how many, who does a manual task, what it asks for, its deadline, what it
** waits for).  HP_OK or HP_ERROR.
*/
int template_view_outline(struct req *r, tmpl_dict *d, const struct rtpl_template *t);

/* Parse a stored template's YAML (no directory look-ups: it was checked at import).  NULL on failure. */
struct rtpl_template *template_view_parse(const char *yaml);
#endif
