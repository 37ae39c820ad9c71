{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/releases">Releases</a> <span aria-hidden="true">›</span>
  <a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}} {{RELEASE_VERSION}}</a> <span aria-hidden="true">›</span>
  <a href="/phases/{{PHASE_ID}}">{{PHASE_NAME}}</a> <span aria-hidden="true">›</span>
  <span aria-current="page">{{NAME}}</span></nav>
<div class="title-row">
  <h1>{{NAME}}</h1>
  <span class="badge big s-{{STATUS}}">{{STATUS_LABEL}}</span>
  <span class="kind k-{{KIND}}">{{KIND_LABEL}}</span>
  {{#ESCALATED}}<span class="marker">Escalated</span>{{/ESCALATED}}
</div>
{{#NEW_BUILD}}<div class="notice callout" role="status" id="new-build">
  <p><strong>A new build arrived</strong> ({{NEW_BUILD_UTC}}): <code>{{NEW_DIGEST}}</code> replaces <code>{{OLD_DIGEST}}</code>.
     Decisions made for the old build no longer count: this activity is asked again, for the new build.</p>
</div>{{/NEW_BUILD}}
{{#SCHEDULED}}<div class="notice callout" role="status" id="scheduled">
  <p><strong>Scheduled</strong>: its turn came outside its change window, so it starts {{#OPENS}}when the window opens, <strong>{{OPENS_AT}}</strong>{{/OPENS}}{{#OPENS_UNKNOWN}}when a window opens{{/OPENS_UNKNOWN}}.
     Nobody can act on it before then.{{#WINDOWS}} Change window: <code>{{WINDOWS_TEXT}}</code>.{{/WINDOWS}}</p>
</div>{{/SCHEDULED}}
{{#FREEZE}}<div class="notice callout" role="status" id="freeze">
  <p><strong>Change freeze</strong>{{#FREEZE_OVER}} (over since {{FREEZE_UNTIL}}){{/FREEZE_OVER}}{{#FREEZE_ON}} until {{FREEZE_UNTIL}}{{/FREEZE_ON}}: {{FREEZE_REASON}}</p>
  <p>This approval {{#FREEZE_OVER}}opened during the freeze and still needs{{/FREEZE_OVER}}{{#FREEZE_ON}}also needs{{/FREEZE_ON}} <strong>{{FREEZE_APPROVER}}</strong> — the emergency rule — besides its own rules.</p>
</div>{{/FREEZE}}
{{#DESCRIPTION}}<p class="lead">{{DESCRIPTION}}</p>{{/DESCRIPTION}}
{{#YOU_CAN_ACT}}<p class="notice callout" role="status"><strong>This activity requires your input.</strong> <a href="#act">Go to your decision</a>.</p>{{/YOU_CAN_ACT}}

<div class="grid">
<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title">Details</h2>
  <dl class="facts">
    <dt>Release</dt><dd><a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}} {{RELEASE_VERSION}}</a> <span class="badge s-{{RELEASE_STATUS}}">{{RELEASE_STATUS_LABEL}}</span></dd>
    <dt>Phase</dt><dd><a href="/phases/{{PHASE_ID}}">{{PHASE_NAME}}</a></dd>
    {{#ARTIFACT}}<dt>Artifact</dt><dd><code>{{ARTIFACT}}</code></dd>{{/ARTIFACT}}
    {{#DIGEST}}<dt>Build</dt><dd><code class="digest">{{DIGEST}}</code></dd>{{/DIGEST}}
    <dt>Kind</dt><dd>{{KIND_LABEL}}</dd>
    <dt>Round</dt><dd>{{ROUND}}{{#LATER_ROUND}} <span class="muted">(retried; earlier rounds are in the history)</span>{{/LATER_ROUND}}</dd>
    <dt>Depends on</dt><dd>{{#DEP}}<span class="dep">after <a href="/activities/{{DEP_ID}}">{{DEP_NAME}}</a> <span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span></span> {{/DEP}}{{#NO_DEPS}}<span class="muted">nothing</span>{{/NO_DEPS}}</dd>
    <dt>Waiting since</dt><dd>{{#ACTIVATED}}<span title="{{ACTIVATED_UTC}}">{{ACTIVATED_AGO}}</span>{{/ACTIVATED}}{{#NOT_ACTIVATED}}<span class="muted">not active yet</span>{{/NOT_ACTIVATED}}</dd>
    <dt>Deadline</dt><dd>{{#DEADLINE}}<time datetime="{{DEADLINE_ISO}}" data-deadline title="{{DEADLINE_UTC}}"{{#OVERDUE}} class="overdue"{{/OVERDUE}}>{{DEADLINE_LEFT}}</time> <span class="muted">({{DEADLINE_UTC}})</span>{{/DEADLINE}}{{#WAS_DUE}}was due {{WAS_DUE_UTC}}{{/WAS_DUE}}{{#NO_DEADLINE}}<span class="muted">none</span>{{/NO_DEADLINE}}</dd>
    {{#FINISHED}}<dt>Finished</dt><dd><span title="{{FINISHED_UTC}}">{{FINISHED_AGO}}</span></dd>{{/FINISHED}}
    {{#OUTCOME}}<dt>Outcome</dt><dd><span class="badge s-{{RESULT}}">{{RESULT_LABEL}}</span></dd>{{/OUTCOME}}
    {{#SIGNATURE}}<dt>Signature</dt><dd>Electronic signature required, meaning “{{SIGNATURE_MEANING}}”</dd>{{/SIGNATURE}}
  </dl>
</section>

<section class="card" aria-labelledby="who-title">
  <h2 id="who-title">Who may act</h2>
  {{#APPROVERS}}
    {{#MODE}}<p>{{MODE_TEXT}}</p>{{/MODE}}
    <ol class="rules">
    {{#RULE}}
      <li><strong>{{RULE_TEXT}}</strong>{{#RULE_MET}} <span class="badge s-completed">Met</span>{{/RULE_MET}}{{#RULE_CLOSED}} <span class="badge s-pending">Not open yet</span>{{/RULE_CLOSED}}{{#RULE_EMERGENCY}} <span class="marker">Emergency rule (freeze)</span>{{/RULE_EMERGENCY}} <span class="muted">{{RULE_PROGRESS}}</span>
        <ul class="people">
        {{#PERSON}}<li>{{PERSON_NAME}}{{#PERSON_YOU}} <span class="muted">(you)</span>{{/PERSON_YOU}}{{#PERSON_STARTER}} <span class="muted">(started the release: cannot approve)</span>{{/PERSON_STARTER}}{{#PERSON_VOTE}} <span class="badge s-{{VOTE_STATUS}}">{{VOTE_LABEL}}</span>{{/PERSON_VOTE}}{{#PERSON_LEFT}} <span class="muted">(has left this group since; the vote still counts)</span>{{/PERSON_LEFT}}</li>{{/PERSON}}
        {{#NOBODY}}<li class="muted">Nobody was eligible when the round opened.</li>{{/NOBODY}}
        </ul>
      </li>
    {{/RULE}}
    </ol>
    {{#HAS_EXTRA}}<p><strong>Added by escalation</strong></p>
    <ul class="people">{{#EXTRA}}<li>{{PERSON_NAME}}{{#PERSON_YOU}} <span class="muted">(you)</span>{{/PERSON_YOU}}{{#PERSON_VOTE}} <span class="badge s-{{VOTE_STATUS}}">{{VOTE_LABEL}}</span>{{/PERSON_VOTE}}</li>{{/EXTRA}}</ul>{{/HAS_EXTRA}}
    {{#NEEDED}}<p><strong>{{NEEDED_TEXT}}</strong></p>{{/NEEDED}}
    {{#DISTINCT}}<p class="help">One person's approval counts toward one rule only.</p>{{/DISTINCT}}
    {{#NO_SELF}}<p class="help">The person who started the release cannot approve it.</p>{{/NO_SELF}}
    {{#NO_ELIGIBLE}}<p class="muted">The approvers are chosen when the activity becomes active.</p>{{/NO_ELIGIBLE}}
    {{#POLICY_UNKNOWN}}<p class="muted">The approval rules could not be read.</p>{{/POLICY_UNKNOWN}}
  {{/APPROVERS}}
  {{#RESPONSIBLE}}
    <p>Anyone in <strong>{{RESP_TEXT}}</strong> can take responsibility, then proceed or abort.</p>
    {{#TAKEN}}<p>Responsibility taken by <strong>{{TAKEN_BY}}</strong>.</p>{{/TAKEN}}
    {{#NOT_TAKEN}}<p class="muted">Nobody has taken responsibility yet.</p>{{/NOT_TAKEN}}
  {{/RESPONSIBLE}}
  {{#AUTOMATED}}
    <p>A pipeline completes this activity through the API with a result: pass, warning or fail.</p>
    {{#RESULT}}<p>Result: <span class="badge s-{{RESULT}}">{{RESULT_LABEL}}</span></p>
      {{#RESULT_DETAILS}}<pre class="details">{{DETAILS:pre_escape}}</pre>{{/RESULT_DETAILS}}{{/RESULT}}
    {{#NO_RESULT}}<p class="muted">No result reported yet.</p>{{/NO_RESULT}}
  {{/AUTOMATED}}
</section>
</div>

{{#HAS_WHY}}
<section class="card why" aria-labelledby="why-title">
  <h2 id="why-title">What the steps before it reported</h2>
  {{#WHY}}
  <h3><a href="/activities/{{WHY_ID}}">{{WHY_NAME}}</a> <span class="badge s-{{WHY_RESULT}}">{{WHY_RESULT_LABEL}}</span></h3>
  <dl class="facts">{{#DETAIL}}<dt>{{KEY}}</dt><dd>{{VALUE}}</dd>{{/DETAIL}}</dl>
  {{/WHY}}
</section>
{{/HAS_WHY}}
{{#SINCE}}
<section class="card" aria-labelledby="since-title">
  <h2 id="since-title">Since the previous release, <a href="/releases/{{PREV_ID}}">{{PREV_VERSION}}</a></h2>
  {{#CHANGE}}<p><strong>{{CHANGE_WHAT}}</strong>: <code>{{CHANGE_FROM}}</code> → <code>{{CHANGE_TO}}</code></p>{{/CHANGE}}
</section>
{{/SINCE}}
<section class="card" aria-labelledby="instr-title">
  <h2 id="instr-title">Instructions</h2>
  {{#INSTRUCTIONS}}<div class="instructions">{{INSTRUCTIONS_HTML:none}}</div>{{/INSTRUCTIONS}}
  {{#NO_INSTRUCTIONS}}<p class="muted">No instructions.</p>{{/NO_INSTRUCTIONS}}
</section>
{{! INSTRUCTIONS_HTML is the only unescaped value in Holdpoint's templates: it is cmark's output
    with raw HTML and unsafe links off (page_activity.c render_instructions), never anything else. }}

{{#HAS_OUTPUTS}}
<section class="card" aria-labelledby="out-title">
  <h2 id="out-title">Outputs</h2>
  <dl class="facts">{{#OUTPUT}}<dt><code>{{OUTPUT_KEY}}</code></dt><dd>{{OUTPUT_VALUE}}</dd>{{/OUTPUT}}</dl>
</section>
{{/HAS_OUTPUTS}}

{{#ONE_FORM}}<form method="post" action="/activities/{{ACTIVITY_ID}}/submit" enctype="multipart/form-data" novalidate
  class="one-form" data-upload="/activities/{{ACTIVITY_ID}}/evidence">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="inputs_form" value="1">{{/ONE_FORM}}
{{>FIELDS}}
{{#ACT}}{{#DECIDE_CARD}}
<section class="card act" id="act" aria-labelledby="act-title">
  <h2 id="act-title">Your decision</h2>
  {{#ACTION_ERROR}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/ACTION_ERROR}}
  {{#APPROVAL_FORM}}
  <div class="decide">
    {{#HAS_ACTING_FOR}}
    <div class="field">
      <label for="acting_for">Decide as</label>
      <select id="acting_for" name="acting_for">
        {{#CAN_SELF}}<option value="0">Myself</option>{{/CAN_SELF}}
        {{#ACTING_FOR}}<option value="{{ID}}">Acting for {{NAME}}</option>{{/ACTING_FOR}}
      </select>
    </div>
    {{/HAS_ACTING_FOR}}
    <div class="field">
      <label for="comment">Comment <span class="muted">(required to reject)</span></label>
      <textarea id="comment" name="comment" maxlength="4000" aria-describedby="comment-error">{{COMMENT}}</textarea>
      <p class="error" id="comment-error">{{ERR_COMMENT}}</p>
    </div>
    {{#SIGNATURE}}
    <div class="signature">
      {{#BY_PASSWORD}}<p><strong>Electronic signature.</strong> By entering your password you, {{SIGNER}}, sign this decision
         with the meaning: <em>{{MEANING}}</em>. Your name, the date and time (UTC) and this meaning are recorded with it.</p>
      <div class="field">
        <label for="password">{{PASSWORD_LABEL}}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" aria-describedby="password-error">
        <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
      </div>{{/BY_PASSWORD}}
      {{#BY_PROVIDER}}<p><strong>Electronic signature.</strong> You, {{SIGNER}}, sign this decision with the meaning:
         <em>{{MEANING}}</em>, by signing in again at {{PROVIDER}} just before you decide. Your name, the date and time (UTC),
         this meaning and how you confirmed are recorded with it.</p>
      {{#NOT_CONFIRMED}}<p><a class="button" id="reauth" href="{{REAUTH_URL}}">Confirm with {{PROVIDER}}</a></p>{{/NOT_CONFIRMED}}
      {{#CONFIRMED}}<p><span class="badge s-completed">Confirmed</span> with {{PROVIDER}} — decide within 5 minutes.</p>{{/CONFIRMED}}
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>{{/BY_PROVIDER}}
    </div>
    {{/SIGNATURE}}
    {{#HAS_FIELDS_NOTE}}<p class="help">Approving records the information and files above with your decision, in one step.</p>{{/HAS_FIELDS_NOTE}}
    <div class="actions">
      <button type="submit" name="decision" value="approve" class="approve">Approve</button>
      <button type="submit" name="decision" value="reject" class="reject" data-confirm="Reject this approval? The phase will fail.">Reject</button>
    </div>
  </div>
  {{/APPROVAL_FORM}}
  {{#TASK_FORM}}
  <div class="decide">
    <div class="field">
      <label for="notes">Notes <span class="muted">(required to abort)</span></label>
      <textarea id="notes" name="notes" maxlength="4000" aria-describedby="notes-error">{{NOTES}}</textarea>
      <p class="error" id="notes-error">{{ERR_NOTES}}</p>
    </div>
    {{#SIGNATURE}}
    <div class="signature">
      {{#BY_PASSWORD}}<p><strong>Electronic signature.</strong> By entering your password you, {{SIGNER}}, sign with the meaning: <em>{{MEANING}}</em>.</p>
      <div class="field">
        <label for="password">{{PASSWORD_LABEL}}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" aria-describedby="password-error">
        <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
      </div>{{/BY_PASSWORD}}
      {{#BY_PROVIDER}}<p><strong>Electronic signature.</strong> You, {{SIGNER}}, sign with the meaning: <em>{{MEANING}}</em>,
         by signing in again at {{PROVIDER}} just before.</p>
      {{#NOT_CONFIRMED}}<p><a class="button" href="{{REAUTH_URL}}">Confirm with {{PROVIDER}}</a></p>{{/NOT_CONFIRMED}}
      {{#CONFIRMED}}<p><span class="badge s-completed">Confirmed</span> with {{PROVIDER}} — decide within 5 minutes.</p>{{/CONFIRMED}}
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>{{/BY_PROVIDER}}
    </div>
    {{/SIGNATURE}}
    <div class="actions">
      <button type="submit" name="decision" value="proceed" class="approve">Proceed</button>
      <button type="submit" name="decision" value="abort" class="reject" data-confirm="Abort this task? Its phase will fail.">Abort</button>
    </div>
  </div>
  {{/TASK_FORM}}
</section>
{{/DECIDE_CARD}}{{/ACT}}
{{#ONE_FORM}}</form>{{/ONE_FORM}}

{{#ACT}}{{#MORE_CARD}}
<section class="card act" id="{{MORE_ID}}" aria-labelledby="task-title">
  <h2 id="task-title">{{MORE_TITLE}}</h2>
  {{#MORE_ERROR}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/MORE_ERROR}}
  {{#TAKE_FORM}}
  <form method="post" action="/activities/{{ACTIVITY_ID}}/take">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <p>Nobody has taken this task yet. Take responsibility, follow the instructions, then Proceed or Abort.</p>
    <button type="submit" class="primary">Take responsibility</button>
  </form>
  {{/TAKE_FORM}}
  {{#HELD_BY}}<p class="notice">{{NAME}} has taken responsibility for this task.</p>{{/HELD_BY}}
  {{#HAND_BACK}}
  <form method="post" action="/activities/{{ACTIVITY_ID}}/hand-back" class="hand-back">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <p class="help">Cannot do it after all? Hand it back: nobody holds it then, and the people responsible for it are told so that one of them can take it.</p>
    <button type="submit" data-confirm="Hand this task back? Nobody will hold it until someone takes it.">Hand the task back</button>
  </form>
  {{/HAND_BACK}}
  {{#ASSIGN_FORM}}
  <form method="post" action="/activities/{{ACTIVITY_ID}}/assign" class="assign">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="assign-username">Assign to (username)</label>
      <input id="assign-username" name="username" aria-describedby="assign-error">
      <p class="error" id="assign-error">{{ERR_USERNAME}}</p>
    </div>
    <button type="submit">Assign</button>
  </form>
  {{/ASSIGN_FORM}}
</section>
{{/MORE_CARD}}{{/ACT}}

{{>EVIDENCE}}

{{#HAS_VOTES}}
<section class="card" aria-labelledby="votes-title">
  <h2 id="votes-title">{{VOTES_TITLE}} <span class="muted">· round {{ROUND}}</span></h2>
  <ul class="votes">
  {{#VOTE}}
    <li><span class="badge s-{{VOTE_STATUS}}">{{VOTE_LABEL}}</span> <strong>{{VOTER}}</strong>{{#ACTING}} <span class="muted">(by {{ACTOR}}, acting for them)</span>{{/ACTING}}
      <time datetime="{{VOTE_ISO}}" title="{{VOTE_UTC}}" class="muted">{{VOTE_AGO}}</time>{{#CHANNEL}} <span class="muted">via {{VOTE_CHANNEL}}</span>{{/CHANNEL}}{{#VOTE_DIGEST}} <span class="muted">for <code class="digest">{{VOTE_DIGEST}}</code></span>{{/VOTE_DIGEST}}
      {{#SIGNED}}<div class="signature">Signed: {{VOTER}} — “{{SIGNED_MEANING}}” — {{VOTE_UTC}} <span class="muted">({{SIGNED_METHOD}})</span></div>{{/SIGNED}}
      {{#COMMENT}}<blockquote class="comment">{{VOTE_COMMENT:pre_escape}}</blockquote>{{/COMMENT}}</li>
  {{/VOTE}}
  </ul>
</section>
{{/HAS_VOTES}}
{{#NO_VOTES}}
<section class="card" aria-labelledby="votes-title">
  <h2 id="votes-title">{{VOTES_TITLE}} <span class="muted">· round {{ROUND}}</span></h2>
  <p class="empty">{{NO_VOTES_TEXT}}</p>
</section>
{{/NO_VOTES}}

<section class="card" aria-labelledby="hist-title">
  <h2 id="hist-title">History</h2>
  {{#MORE_EVENTS}}<p class="muted">Only the latest events are shown. The audit trail has them all.</p>{{/MORE_EVENTS}}
  {{#NO_EVENTS}}<p class="empty">Nothing recorded yet.</p>{{/NO_EVENTS}}
  <ol class="timeline">
  {{#EVENT}}<li><time datetime="{{EVENT_ISO}}" title="{{EVENT_UTC}}">{{EVENT_AGO}}</time> — {{EVENT_TEXT}}</li>{{/EVENT}}
  </ol>
  {{#HAS_EARLIER}}
  <h3>Decisions of earlier rounds</h3>
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Round</th><th scope="col">Who</th><th scope="col">Decision</th><th scope="col" class="hide-sm">Comment</th><th scope="col">When</th></tr></thead>
    <tbody>
    {{#EARLIER}}<tr><td>{{VOTE_ROUND}}</td><td>{{VOTER}}{{#ACTING}} <span class="muted">(by {{ACTOR}})</span>{{/ACTING}}</td>
      <td><span class="badge s-{{VOTE_STATUS}}">{{VOTE_LABEL}}</span></td>
      <td class="hide-sm">{{#COMMENT}}{{VOTE_COMMENT}}{{/COMMENT}}</td>
      <td><time datetime="{{VOTE_ISO}}" title="{{VOTE_UTC}}">{{VOTE_AGO}}</time></td></tr>{{/EARLIER}}
    </tbody>
  </table>
  </div>
  {{/HAS_EARLIER}}
</section>
{{>FOOTER}}
