{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/releases">Releases</a> › <a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}} {{RELEASE_VERSION}}</a> › Approvals log</p>
<h1>Approvals log <span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span></h1>
<section class="card" aria-labelledby="release-title">
  <h2 id="release-title">Release {{RELEASE_NAME}} {{RELEASE_VERSION}}</h2>
  <dl class="facts">
    <dt>Release</dt><dd>#{{RELEASE_ID}}</dd>
    <dt>Artifact</dt><dd>{{ARTIFACT}}</dd>
    <dt>Template</dt><dd>{{TEMPLATE}}</dd>
    <dt>Started by</dt><dd>{{STARTED_BY}}, <time datetime="{{STARTED_ISO}}">{{STARTED_AT}}</time> UTC</dd>
    <dt>Finished</dt><dd>{{#FINISHED}}<time datetime="{{FINISHED_ISO}}">{{FINISHED_AT}}</time> UTC{{/FINISHED}}</dd>
  </dl>
  <p class="actions">
    <a class="button" href="/releases/{{RELEASE_ID}}/report.pdf">PDF report</a>
    {{#MAY_CSV}}<a class="button" href="/releases/{{RELEASE_ID}}/audit.csv">Audit records (CSV)</a>
    <a href="/audit?release={{RELEASE_ID}}">Audit trail of this release</a>{{/MAY_CSV}}
  </p>
</section>

{{#NO_ACTIVITIES}}<p class="empty">No approval or manual task of this release has been triggered yet.</p>{{/NO_ACTIVITIES}}

{{#ACTIVITY}}
<section class="card approval-log" id="activity-{{ACT_ID}}" aria-labelledby="activity-{{ACT_ID}}-title">
  <h2 id="activity-{{ACT_ID}}-title"><a href="/activities/{{ACT_ID}}">{{ACT_NAME}}</a>
    <span class="badge s-{{ACT_STATUS}}">{{ACT_STATUS_LABEL}}</span></h2>
  <dl class="facts">
    <dt>Kind</dt><dd>{{ACT_KIND}}</dd>
    <dt>Phase</dt><dd>{{PHASE}}</dd>
    <dt>Rounds</dt><dd>{{ROUNDS}}</dd>
    {{#ACT_RESULT}}<dt>Outcome</dt><dd>{{RESULT}}</dd>{{/ACT_RESULT}}
    {{#ACTIVATED}}<dt>Triggered</dt><dd><time datetime="{{ACTIVATED_ISO}}">{{ACTIVATED_AT}}</time> UTC</dd>{{/ACTIVATED}}
    {{#ACT_FINISHED}}<dt>Decided</dt><dd><time datetime="{{ACT_FINISHED_ISO}}">{{ACT_FINISHED_AT}}</time> UTC</dd>{{/ACT_FINISHED}}
    {{#SIG_REQUIRED}}<dt>Signature</dt><dd>required, meaning “{{REQUIRED_MEANING}}”</dd>{{/SIG_REQUIRED}}
  </dl>

  {{#ROUND}}
  <h3>Round {{ROUND}}{{#EARLIER}} <span class="muted">(earlier round, retried)</span>{{/EARLIER}}</h3>
  {{#ELIGIBLE}}<p class="muted">Eligible when the round opened: {{ELIGIBLE_NAMES}}</p>{{/ELIGIBLE}}
  {{#HAS_INPUTS}}<dl class="facts inputs">{{#INPUT}}<dt>{{INPUT_LABEL}}</dt><dd>{{INPUT_VALUE}} <span class="muted">— {{INPUT_BY}}</span></dd>{{/INPUT}}</dl>{{/HAS_INPUTS}}
  {{#HAS_FILES}}<ul class="files">{{#FILE}}<li>{{FILE_FIELD}}: <a href="/evidence/{{FILE_ID}}">{{FILE_NAME}}</a> <span class="muted">SHA-256</span> <code class="mono small">{{FILE_SHA}}</code></li>{{/FILE}}</ul>{{/HAS_FILES}}
  {{#HAS_VOTES}}
  <div class="table-wrap" tabindex="0">
  <table class="votes stack">
    <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Person</th><th scope="col">Decision</th>
      <th scope="col">Comment</th><th scope="col">Signature</th><th scope="col" class="hide-sm">Recorded from</th></tr></thead>
    <tbody>
    {{#VOTE}}
    <tr>
      <td data-label="Time (UTC)" class="nowrap"><time datetime="{{VOTE_ISO}}">{{VOTE_AT}}</time></td>
      <td data-label="Person">{{VOTER}}{{#ACTING}}<br><span class="muted">entered by {{ACTOR}}, acting for them</span>{{/ACTING}}</td>
      <td data-label="Decision"><span class="badge s-{{DECISION_CLASS}}">{{DECISION_LABEL}}</span></td>
      <td data-label="Comment">{{#COMMENT}}{{COMMENT_TEXT}}{{/COMMENT}}{{#NO_COMMENT}}<span class="muted">none</span>{{/NO_COMMENT}}</td>
      <td data-label="Signature">{{#SIGNED}}<div class="signature">
          <div>Signed by <strong>{{SIG_NAME}}</strong></div>
          <div>{{SIG_AT}} UTC</div>
          <div>Meaning: {{SIG_MEANING}}</div>
        </div>{{/SIGNED}}{{#UNSIGNED}}<span class="muted">not signed</span>{{/UNSIGNED}}</td>
      <td data-label="Recorded from" class="hide-sm">{{#VOTE_IP}}<span class="mono">{{IP}}</span><br>{{/VOTE_IP}}<span class="muted">via {{CHANNEL}}{{#VOTE_SESSION}}, session <span class="mono">{{SESSION_SHORT}}</span>{{/VOTE_SESSION}}</span></td>
    </tr>
    {{/VOTE}}
    </tbody>
  </table>
  </div>
  {{/HAS_VOTES}}
  {{#NO_VOTES}}<p class="muted">No votes in this round.</p>{{/NO_VOTES}}
  {{/ROUND}}

  <h3>Actions after approval</h3>
  {{#HAS_ACTIONS}}<ul class="timeline">
    {{#ACTION_RUN}}<li><time datetime="{{H_ISO}}">{{H_AT}}</time> UTC · <code>{{H_ACTION}}</code> by {{H_ACTOR}}
      {{#H_DETAILS}}<dl class="audit-details" tabindex="0">{{#FIELD}}<dt>{{KEY}}</dt><dd>{{VALUE}}</dd>{{/FIELD}}</dl>{{/H_DETAILS}}</li>{{/ACTION_RUN}}
  </ul>{{/HAS_ACTIONS}}
  {{#NO_ACTIONS}}<p class="muted">No actions ran.</p>{{/NO_ACTIONS}}

  <h3>Notifications</h3>
  {{#HAS_NOTES}}
  <div class="table-wrap" tabindex="0">
  <table class="stack">
    <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Channel</th><th scope="col">To</th>
      <th scope="col">Event</th><th scope="col">Status</th></tr></thead>
    <tbody>
    {{#NOTE}}<tr><td data-label="Time (UTC)" class="nowrap"><time datetime="{{N_ISO}}">{{N_AT}}</time></td><td data-label="Channel">{{N_CHANNEL}}</td>
      <td data-label="To">{{N_RECIPIENT}}</td><td data-label="Event">{{N_EVENT}}</td><td data-label="Status">{{N_STATUS}} <span class="muted">({{N_ATTEMPTS}} attempts)</span></td></tr>{{/NOTE}}
    </tbody>
  </table>
  </div>
  {{/HAS_NOTES}}
  {{#NO_NOTES}}<p class="muted">No notifications were sent.</p>{{/NO_NOTES}}

  <details>
    <summary>History in the audit trail</summary>
    {{#HAS_HISTORY}}<ul class="timeline">
      {{#HISTORY}}<li><time datetime="{{H_ISO}}">{{H_AT}}</time> UTC · <code>{{H_ACTION}}</code> by {{H_ACTOR}} <span class="muted">#{{H_SEQ}}</span>
        {{#H_DETAILS}}<dl class="audit-details" tabindex="0">{{#FIELD}}<dt>{{KEY}}</dt><dd>{{VALUE}}</dd>{{/FIELD}}</dl>{{/H_DETAILS}}</li>{{/HISTORY}}
    </ul>{{/HAS_HISTORY}}
    {{#NO_HISTORY}}<p class="muted">No records.</p>{{/NO_HISTORY}}
  </details>
</section>
{{/ACTIVITY}}

{{#HAS_NOT_TRIGGERED}}<p class="muted">Not triggered yet: {{#NOT_TRIGGERED}}{{NT_NAME}}{{#NOT_TRIGGERED_separator}}, {{/NOT_TRIGGERED_separator}}{{/NOT_TRIGGERED}}.</p>{{/HAS_NOT_TRIGGERED}}
{{>FOOTER}}
