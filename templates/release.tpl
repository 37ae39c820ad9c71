{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/releases">Releases</a> <span aria-hidden="true">›</span> <span aria-current="page">{{NAME}} {{VERSION}}</span></nav>
<div class="title-row">
  <h1>{{NAME}} <span class="version">{{VERSION}}</span></h1>
  <span class="badge big s-{{STATUS}}">{{STATUS_LABEL}}</span>
</div>
{{#NEW_BUILD}}<div class="notice callout" role="status" id="new-build">
  <p><strong>New build</strong> since {{NEW_BUILD_UTC}}: <code>{{NEW_DIGEST}}</code> replaced <code>{{OLD_DIGEST}}</code>;
     the release started again, and its approvals are asked for the new build.</p>
</div>{{/NEW_BUILD}}
{{#YOUR_INPUT}}
<div class="notice callout" role="status">
  <p><strong>{{YOUR_INPUT_TEXT}}</strong></p>
  <ul class="links">{{#MINE_ACT}}<li><a href="/activities/{{MINE_ID}}">{{MINE_NAME}}</a></li>{{/MINE_ACT}}</ul>
</div>
{{/YOUR_INPUT}}
{{#KEPTN}}<p class="notice" role="note">Keptn asked for this approval: its sequence for <strong>{{KEPTN_SERVICE}}</strong>
  in project <strong>{{KEPTN_PROJECT}}</strong> waits to go on in stage <strong>{{KEPTN_STAGE}}</strong>.
  The decision, with the approver's comment, goes back to Keptn. <span class="muted">Keptn context <code>{{KEPTN_CONTEXT}}</code></span></p>{{/KEPTN}}
{{#WAITING_OTHERS}}<p class="notice" role="status">{{WAITING_TEXT}}</p>{{/WAITING_OTHERS}}
{{#NOBODY}}<p class="notice alert-notice" role="status"><strong>{{NOBODY_TEXT}}</strong></p>{{/NOBODY}}
{{#STUCK}}<p class="notice alert-notice" role="status"><strong>{{STUCK_TEXT}}</strong> {{STUCK_NEXT}}</p>{{/STUCK}}
{{#ABORT}}
<details class="danger">
  <summary>Abort this release…</summary>
  <form method="post" action="/releases/{{ID}}/abort">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="abort-reason">Reason <span class="muted">(optional, kept in the audit trail)</span></label>
      <input id="abort-reason" name="reason" maxlength="1000" autocomplete="off">
    </div>
    <button type="submit" class="danger" data-confirm="Abort this release? Every open activity is aborted and the release cannot be resumed.">Abort release</button>
  </form>
</details>
{{/ABORT}}

<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title">Details</h2>
  <dl class="facts">
    <dt>Template</dt><dd><a href="/templates/{{TEMPLATE_ID}}">{{TEMPLATE_NAME}}</a> <span class="muted">version {{TEMPLATE_VERSION}}</span></dd>
    <dt>Artifact</dt><dd>{{#ARTIFACT}}<code>{{ARTIFACT}}</code>{{/ARTIFACT}}{{#NO_ARTIFACT}}<span class="muted">none given</span>{{/NO_ARTIFACT}}</dd>
    {{#DIGEST}}<dt>Digest</dt><dd><code>{{DIGEST}}</code></dd>{{/DIGEST}}
    <dt>Started by</dt><dd>{{STARTED_BY}}</dd>
    <dt>Started</dt><dd><span title="{{CREATED_UTC}}">{{CREATED_AGO}}</span> <span class="muted">({{CREATED_UTC}})</span></dd>
    <dt>Finished</dt><dd>{{#FINISHED}}<span title="{{FINISHED_UTC}}">{{FINISHED_AGO}}</span> <span class="muted">({{FINISHED_UTC}})</span>{{/FINISHED}}{{#NOT_FINISHED}}<span class="muted">not yet</span>{{/NOT_FINISHED}}</dd>
    <dt>On rejection</dt><dd>{{ON_REJECT}}</dd>
    {{#RECORDS}}<dt>Records</dt><dd><a href="/releases/{{ID}}/approvals">Approvals log</a> · <a href="/releases/{{ID}}/report.pdf">PDF report</a>{{#TRAIL}} · <a href="/audit?release={{ID}}">Audit trail</a> · <a href="/releases/{{ID}}/audit.csv">Audit CSV</a>{{/TRAIL}}</dd>{{/RECORDS}}
    <dt>Variables</dt><dd>{{#VAR}}<div class="var"><code>{{VAR_KEY}}</code> = <code>{{VAR_VALUE}}</code></div>{{/VAR}}{{#NO_VARS}}<span class="muted">none</span>{{/NO_VARS}}</dd>
  </dl>
</section>

<section aria-labelledby="phases-title">
  <h2 id="phases-title">Phases</h2>
  {{#NO_PHASES}}<p class="empty">This release has no phases.</p>{{/NO_PHASES}}
  <ol class="phases">
  {{#PHASE}}
    <li class="card phase{{#PHASE_WAITING}} holding{{/PHASE_WAITING}}">
      <h3 class="phase-head"><a href="/phases/{{PHASE_ID}}">{{PHASE_NAME}}</a>
        <span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span>
        {{#PHASE_WAITING}}<span class="marker">{{WAITING_COUNT}} waiting</span>{{/PHASE_WAITING}}</h3>
      <ul class="acts">
      {{#ACT}}
        <li>
          <span class="act-main"><a href="/activities/{{ACT_ID}}">{{ACT_NAME}}</a> <span class="muted">{{ACT_KIND}}</span></span>
          <span class="act-status"><span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span>
          {{#RESULT}}<span class="badge s-{{RESULT}}">{{RESULT_LABEL}}</span>{{/RESULT}}
          {{#YOURS}}<span class="marker mine">Waiting for you</span>{{/YOURS}}
          {{#FROZEN}}<span class="marker">frozen until the phase is retried</span>{{/FROZEN}}
          {{#STARTS}}<span class="muted">starts {{STARTS_AT}}, when its change window opens</span>{{/STARTS}}
          {{#DEADLINE}}<span class="muted deadline">due <time datetime="{{DEADLINE_ISO}}" data-deadline title="{{DEADLINE_UTC}}">{{DEADLINE_LEFT}}</time></span>{{/DEADLINE}}</span>
          {{#RETRY}}
          <form method="post" action="/releases/{{ID}}/retry" class="inline">
            <input type="hidden" name="csrf" value="{{CSRF}}">
            <input type="hidden" name="activity" value="{{ACT_ID}}">
            <button type="submit" aria-label="Retry {{ACT_NAME}}" data-confirm="Retry {{ACT_NAME}}? Its phase runs again from here in a new round; the votes and files of the failed round stay in the audit trail.">Retry</button>
          </form>
          {{/RETRY}}
        </li>
      {{/ACT}}
      </ul>
    </li>
  {{/PHASE}}
  </ol>
</section>

<section aria-labelledby="timeline-title">
  <h2 id="timeline-title">Timeline</h2>
  {{#MORE_EVENTS}}<p class="muted">Only the latest events are shown. The audit trail has them all.</p>{{/MORE_EVENTS}}
  {{#NO_EVENTS}}<p class="empty">Nothing has happened yet.</p>{{/NO_EVENTS}}
  <ol class="timeline">
  {{#EVENT}}<li><time datetime="{{EVENT_ISO}}" title="{{EVENT_UTC}}">{{EVENT_AGO}}</time> — {{EVENT_TEXT}}</li>{{/EVENT}}
  </ol>
</section>
{{>FOOTER}}
