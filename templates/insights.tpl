{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Insights</h1>
<p class="help">Where releases wait, and how people approve, over a period: activities decided by people
  (approvals and manual tasks) that finished in it, and the decisions made in it.</p>
<form method="get" action="/insights" class="filters" novalidate>
  <div class="field">
    <label for="from">First day</label>
    <input id="from" name="from" type="date" value="{{FROM}}" aria-describedby="from-error">
    <p class="error" id="from-error">{{ERR_FROM}}</p>
  </div>
  <div class="field">
    <label for="to">Last day</label>
    <input id="to" name="to" type="date" value="{{TO}}" aria-describedby="to-error">
    <p class="error" id="to-error">{{ERR_TO}}</p>
  </div>
  <div class="field">
    <label for="template">Template</label>
    <select id="template" name="template"><option value="">All templates</option>{{#TEMPLATE}}<option value="{{TEMPLATE_NAME}}"{{#SELECTED}} selected{{/SELECTED}}>{{TEMPLATE_NAME}}</option>{{/TEMPLATE}}</select>
  </div>
  <button type="submit">Show</button>
</form>
{{#RESULTS}}
<section class="card" aria-labelledby="sum-title">
  <h2 id="sum-title">In this period</h2>
  <dl class="facts">
    <dt>Decided</dt><dd id="sum-decided">{{DECIDED}}</dd>
    <dt>Time on hold</dt><dd>median {{HOLD_P50}}, 90% within {{HOLD_P90}}, longest {{HOLD_MAX}}</dd>
    <dt>Time to the first vote</dt><dd>median {{FIRST_P50}}</dd>
    <dt>Timed out</dt><dd>{{EXPIRED}}</dd>
    <dt>Escalated</dt><dd>{{ESCALATED}}</dd>
    <dt>Rejected or aborted</dt><dd>{{REJECTED}}</dd>
    <dt>Decided again (round 2 or later)</dt><dd>{{RETRIED}}</dd>
  </dl>
</section>

<section class="card" aria-labelledby="act-title">
  <h2 id="act-title">Where releases wait</h2>
  {{#NO_ACTIVITIES}}<p class="empty">Nothing decided by people finished in this period.</p>{{/NO_ACTIVITIES}}
  {{#CHART}}
  <svg class="chart" viewBox="0 0 780 {{CHART_H}}" width="100%" role="img" aria-labelledby="chart-title">
    <title id="chart-title">Time on hold per activity: the median (dark) and 90% (light)</title>
    {{#BAR}}<g><title>{{LABEL}}</title><text x="0" y="{{TY}}">{{SHORT}}</text><rect x="210" y="{{Y}}" width="{{W90}}" height="20" class="p90"/><rect x="210" y="{{Y}}" width="{{W50}}" height="20" class="p50"/></g>
    {{/BAR}}
  </svg>
  <p class="help">Each bar is one activity, in the order of the table: dark the median time on hold, light the time 90% stay within.</p>
  {{/CHART}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Template</th><th scope="col">Activity</th><th scope="col">Decided</th><th scope="col">On hold, median</th>
      <th scope="col">90%</th><th scope="col">Longest</th><th scope="col">First vote, median</th><th scope="col">Timed out</th>
      <th scope="col">Escalated</th><th scope="col">Rejected</th><th scope="col">Again</th></tr></thead>
    <tbody>
    {{#ACTIVITY}}<tr><td>{{TEMPLATE_OF}}</td><td>{{ACTIVITY_NAME}}</td><td>{{DECIDED}}</td><td>{{HOLD_P50}}</td><td>{{HOLD_P90}}</td>
      <td>{{HOLD_MAX}}</td><td>{{FIRST_P50}}</td><td>{{EXPIRED}}</td><td>{{ESCALATED}}</td><td>{{REJECTED}}</td><td>{{RETRIED}}</td></tr>{{/ACTIVITY}}
    </tbody>
  </table>
  </div>
</section>

<section class="card" aria-labelledby="team-title">
  <h2 id="team-title">Teams</h2>
  {{#NO_TEAMS}}<p class="empty">No activity that names a team finished in this period.</p>{{/NO_TEAMS}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Team</th><th scope="col">Decided</th><th scope="col">On hold, median</th><th scope="col">90%</th>
      <th scope="col">Approvals</th><th scope="col">Approves most</th></tr></thead>
    <tbody>
    {{#TEAM}}<tr><td>{{TEAM_NAME}}</td><td>{{DECIDED}}</td><td>{{HOLD_P50}}</td><td>{{HOLD_P90}}</td><td>{{APPROVALS}}</td><td>{{TOP}} {{TOP_SHARE}}</td></tr>{{/TEAM}}
    </tbody>
  </table>
  </div>
</section>

<section class="card" aria-labelledby="people-title">
  <h2 id="people-title">How people decide</h2>
  {{#NO_APPROVERS}}<p class="empty">Nobody decided in this period.</p>{{/NO_APPROVERS}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Person</th><th scope="col">Decisions</th><th scope="col">Approved</th><th scope="col">Rejected</th>
      <th scope="col">Opening to deciding, median</th><th scope="col">Waiting to deciding, median</th></tr></thead>
    <tbody>
    {{#APPROVER}}<tr><td>{{PERSON}} <span class="muted">({{USERNAME}})</span></td><td>{{DECISIONS}}</td><td>{{APPROVALS}}</td><td>{{REJECTIONS}}</td>
      <td>{{OPEN_P50}}</td><td>{{WAIT_P50}}</td></tr>{{/APPROVER}}
    </tbody>
  </table>
  </div>
</section>

<section class="card" id="signals" aria-labelledby="signals-title">
  <h2 id="signals-title">Signals for a reviewer</h2>
  <p class="help">Things worth a second look — never verdicts: an approval given within seconds of opening the
    activity, an approval of an activity whose evidence the approver never opened, one person giving most of a
    team's approvals. <a href="/insights/signals.csv?{{CSV_QUERY}}">Download them as CSV</a> (recorded in the audit trail).</p>
  {{#NO_SIGNALS}}<p class="empty">No signals in this period.</p>{{/NO_SIGNALS}}
  <ul class="signals">
  {{#SIGNAL}}<li><strong>{{KIND_LABEL}}</strong>: {{PERSON}}{{#LINK}} on <a href="/activities/{{ACTIVITY_ID}}">{{ACTIVITY_NAME}}</a>, {{WHEN}}{{/LINK}}{{#TEAM_SIGNAL}} in team {{TEAM_NAME}}{{/TEAM_SIGNAL}} — {{DETAIL}}</li>
  {{/SIGNAL}}
  </ul>
</section>
{{/RESULTS}}
{{>FOOTER}}
