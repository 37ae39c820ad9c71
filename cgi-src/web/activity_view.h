/* activity_view.h — the parts of the activity page (activity_view.c); page_activity() puts them together. */
#ifndef HP_ACTIVITY_VIEW_H
#define HP_ACTIVITY_VIEW_H
#include <stdint.h>
#include "req.h"
#include "tmpl.h"

/* What page_activity() read about the activity in its own query, for the decision forms. */
struct activity_facts {
  const char *kind, *status, *signature_meaning;
  int signature_required;
  int64_t holder;                 /* the person who took a manual task, 0 for nobody */
  const char *holder_name;        /* their name, "" for nobody */
  int can_act;                    /* may_act lists the viewer now (own name or delegated): MAYACT_VIEWER */
  int can_self;                   /* ... in their own name: MAYACT_VIEWER_SELF */
};

/*
** Fill the FIELDS include (templates/_fields.tpl) of d for the activity's
** round: each field's label, help, required marker, current value (what was
** just submitted when r is a re-rendered inputs form, else the saved value),
** the error recorded for it in r->errors, and for file fields the files of
** the round with an upload form.  Editable only while the activity is on_hold
** and inputs_may_edit() (inputs.h); otherwise the values are shown read-only.
** Does nothing for an activity without fields.  facts: the activity's status
** and whether may_act lists the viewer, as page_activity() read them (round
** is the activity's current round).  sees_evidence: the viewer may
** see the release's evidence (mayact_sees_evidence); else files are counted,
** not listed.  *fillable: 1 when the viewer may fill the fields (they then
** belong in the activity's one form).  HP_OK or HP_ERROR.
*/
int activity_view_fields(struct req *r, tmpl_dict *d, int64_t activity_id, int64_t round, int sees_evidence,
                         const struct activity_facts *facts, int *fillable);

/*
** Fill the EVIDENCE include (templates/_evidence.tpl) of d with every file
** of the activity, all rounds, newest first: name (a download link), type,
** size, SHA-256, field, round, who uploaded it and when; without
** sees_evidence only how many there are and who may see them.  HP_OK or HP_ERROR.
*/
int activity_view_evidence(struct req *r, tmpl_dict *d, int64_t activity_id, int sees_evidence);

/*
** Should the page show the "Your decision" card?  Yes when may_act lists the
** viewer (in their own name or for someone who delegated to them), and for
** release managers and admins on a manual task waiting for people (Assign).
*/
int activity_view_decision_wanted(struct req *r, const struct activity_facts *f);

/*
** Fill the ACT section: DECIDE_CARD, the decision part of the activity's one
** form (Approve/Reject with the signature and "acting for" when they apply,
** or a held task's Proceed/Abort), and MORE_CARD, the small forms of their
** own (Take, Hand back, Assign).  Returns 1 when the viewer may decide.
*/
int activity_view_decision(struct req *r, tmpl_dict *act, int64_t activity_id, const struct activity_facts *f);
#endif
