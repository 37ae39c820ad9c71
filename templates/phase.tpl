{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/releases">Releases</a> <span aria-hidden="true">›</span>
  <a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}} {{RELEASE_VERSION}}</a> <span aria-hidden="true">›</span>
  <span aria-current="page">{{NAME}}</span></nav>
<div class="title-row">
  <h1><span class="muted">Phase</span> {{NAME}}</h1>
  <span class="badge big s-{{STATUS}}">{{STATUS_LABEL}}</span>
</div>
{{#WAITING_APPROVAL}}
<p class="notice waiting" role="status"><strong>Waiting for Approval</strong>
  <span class="badge-count" aria-hidden="true">{{PENDING_APPROVALS}}</span> {{PENDING_TEXT}}</p>
{{/WAITING_APPROVAL}}
{{#WAITING_MANUAL}}<p class="notice" role="status">{{MANUAL_TEXT}}</p>{{/WAITING_MANUAL}}
{{#YOUR_INPUT}}<p class="notice callout" role="status"><strong>{{YOUR_INPUT_TEXT}}</strong></p>{{/YOUR_INPUT}}
<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title" class="visually-hidden">Details</h2>
  <dl class="facts">
    <dt>Release</dt><dd><a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}} {{RELEASE_VERSION}}</a> <span class="badge s-{{RELEASE_STATUS}}">{{RELEASE_STATUS_LABEL}}</span></dd>
    <dt>Position</dt><dd>phase {{POSITION}} of {{NPHASES}}</dd>
    <dt>Started</dt><dd>{{#STARTED}}<span title="{{STARTED_UTC}}">{{STARTED_AGO}}</span>{{/STARTED}}{{#NOT_STARTED}}<span class="muted">not yet</span>{{/NOT_STARTED}}</dd>
    <dt>Finished</dt><dd>{{#FINISHED}}<span title="{{FINISHED_UTC}}">{{FINISHED_AGO}}</span>{{/FINISHED}}{{#NOT_FINISHED}}<span class="muted">not yet</span>{{/NOT_FINISHED}}</dd>
  </dl>
</section>
<h2>Activities</h2>
{{#NO_ACTS}}<p class="empty">This phase has no activities.</p>{{/NO_ACTS}}
{{#HAS_ACTS}}
<div class="table-wrap" tabindex="0">
<table>
  <thead><tr><th scope="col">Activity</th><th scope="col">Status</th><th scope="col" class="hide-sm">Kind</th>
    <th scope="col">Depends on</th><th scope="col" class="hide-sm">Deadline</th></tr></thead>
  <tbody>
  {{#ACT}}
  <tr>
    <td><a href="/activities/{{ACT_ID}}">{{ACT_NAME}}</a>{{#YOURS}} <span class="marker mine">Waiting for you</span>{{/YOURS}}{{#FROZEN}} <span class="marker">frozen until the phase is retried</span>{{/FROZEN}}</td>
    <td><span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span>{{#RESULT}} <span class="badge s-{{RESULT}}">{{RESULT_LABEL}}</span>{{/RESULT}}{{#SINCE}}<div class="muted small">since {{SINCE_AGO}}</div>{{/SINCE}}</td>
    <td class="hide-sm">{{ACT_KIND}}</td>
    <td>{{#DEP}}{{#DEP_COMMA}}, {{/DEP_COMMA}}after <a href="/activities/{{DEP_ID}}" title="{{STATUS_LABEL}}">{{DEP_NAME}}</a>{{/DEP}}{{#NO_DEPS}}<span class="muted">—</span>{{/NO_DEPS}}</td>
    <td class="hide-sm">{{#DEADLINE}}<time datetime="{{DEADLINE_ISO}}" data-deadline title="{{DEADLINE_UTC}}">{{DEADLINE_LEFT}}</time>{{/DEADLINE}}</td>
  </tr>
  {{/ACT}}
  </tbody>
</table>
</div>
{{/HAS_ACTS}}
{{>FOOTER}}
