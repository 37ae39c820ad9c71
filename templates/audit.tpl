{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Audit trail</h1>
<p class="muted">Every change, sign-in, refusal, decision, input, upload, download and export, newest first.
  Times are UTC. Records are chained: changing, removing or reordering one is detected by
  <code>holdpoint audit verify</code>.</p>
{{#HEAD}}<p class="chain-head">Chain head <code>{{HEAD}}</code>;
  {{#CHECKPOINT}}last checkpoint outside the database: row #{{CP_SEQ}}, <span title="{{CP_AT}}">{{CP_AGO}}</span>{{/CHECKPOINT}}{{#NO_CHECKPOINT}}<span title="One every {{CP_EVERY}} records, or {{CP_AFTER}} after a change">no checkpoint outside the database yet</span>{{/NO_CHECKPOINT}}.</p>{{/HEAD}}
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>No records are shown. Some of the filters need fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
<form method="get" action="/audit" class="filters audit-filters" role="search" aria-label="Filter the audit trail" novalidate>
  <div class="field">
    <label for="from">From <span class="muted">(UTC day, YYYY-MM-DD)</span></label>
    <input id="from" name="from" class="day" value="{{FROM}}" inputmode="numeric" placeholder="2026-01-31"
           pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" maxlength="10" autocomplete="off" aria-describedby="from-error">
    <p class="error" id="from-error">{{ERR_FROM}}</p>
  </div>
  <div class="field">
    <label for="to">To <span class="muted">(UTC day, included)</span></label>
    <input id="to" name="to" class="day" value="{{TO}}" inputmode="numeric" placeholder="2026-12-31"
           pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" maxlength="10" autocomplete="off" aria-describedby="to-error">
    <p class="error" id="to-error">{{ERR_TO}}</p>
  </div>
  <div class="field">
    <label for="user">User</label>
    <input id="user" name="user" value="{{USER}}" maxlength="64" size="12" autocomplete="off" aria-describedby="user-error">
    <p class="error" id="user-error">{{ERR_USER}}</p>
  </div>
  <div class="field">
    <label for="action">Action</label>
    <input id="action" name="action" value="{{ACTION}}" maxlength="64" size="18" list="audit-actions" autocomplete="off"
           aria-describedby="action-error">
    <p class="error" id="action-error">{{ERR_ACTION}}</p>
  </div>
  <div class="field">
    <label for="release">Release</label>
    <input id="release" name="release" value="{{RELEASE}}" inputmode="numeric" size="6" aria-describedby="release-error">
    <p class="error" id="release-error">{{ERR_RELEASE}}</p>
  </div>
  <div class="field">
    <label for="ip">IP address</label>
    <input id="ip" name="ip" value="{{IP}}" maxlength="64" size="14" autocomplete="off" aria-describedby="ip-error">
    <p class="error" id="ip-error">{{ERR_IP}}</p>
  </div>
  <div class="field">
    <button type="submit" class="primary">Filter</button>
    {{#CLEAR}}<a href="/audit">Clear filters</a>{{/CLEAR}}
  </div>
</form>
<datalist id="audit-actions">
  {{#ACTION_OPTION}}<option value="{{ACTION_VALUE}}">{{/ACTION_OPTION}}
</datalist>
{{#HAS_ROWS}}
<p class="actions">
  <span>Download {{#FILTERED}}the matching records{{/FILTERED}}{{#UNFILTERED}}the whole trail{{/UNFILTERED}}, oldest first:</span>
  <a class="button" href="{{CSV_HREF}}">CSV</a>
  <a class="button" href="{{JSONL_HREF}}">JSON Lines</a>
</p>
<div class="table-wrap" tabindex="0">
<table class="audit stack">{{! on a phone each cell is labelled by the stylesheet (table.audit), not by 400 data-label attributes a page }}
  <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Actor</th><th scope="col">Action</th>
    <th scope="col">Object</th><th scope="col">Release</th><th scope="col">IP address</th>
    <th scope="col" class="hide-sm">Session</th><th scope="col">Details</th></tr></thead>
  <tbody>
  {{#ROW}}
  <tr id="seq-{{SEQ}}">
    <td class="nowrap"><time datetime="{{ISO}}">{{TIME}}</time><br><span class="muted">#{{SEQ}}</span></td>
    <td>{{ACTOR}}{{#ACTING_FOR}}<br><span class="muted">acting for {{ACTING_FOR_NAME}}</span>{{/ACTING_FOR}}</td>
    <td><code>{{ACTION}}</code></td>
    <td>{{#OBJ_LINK}}<a href="{{OBJ_HREF}}">{{OBJ_LABEL}}</a>{{/OBJ_LINK}}{{#OBJ_TEXT}}{{OBJ_LABEL}}{{/OBJ_TEXT}}</td>
    <td>{{#REL}}<a href="/releases/{{REL_ID}}">{{REL_LABEL}}</a>{{/REL}}</td>
    <td class="mono">{{IP}}</td>
    <td class="mono hide-sm">{{#SESS}}<abbr title="{{SESSION}}">{{SESSION_SHORT}}</abbr>{{/SESS}}</td>
    <td>{{#DETAILS}}<dl class="audit-details" tabindex="0">{{#FIELD}}<dt>{{KEY}}</dt><dd>{{VALUE}}</dd>{{/FIELD}}</dl>{{/DETAILS}}</td>
  </tr>
  {{/ROW}}
  </tbody>
</table>
</div>
{{/HAS_ROWS}}
{{#NO_ROWS}}<p class="empty">No records match these filters.</p>{{/NO_ROWS}}
{{#PAGER}}
<nav class="pager" aria-label="Pages of the audit trail">
  {{#NEWER}}<a href="{{NEWEST_HREF}}">« Newest</a> <a href="{{NEWER_HREF}}" rel="prev">← Newer</a>{{/NEWER}}
  {{#OLDER}}<a href="{{OLDER_HREF}}" rel="next">Older →</a>{{/OLDER}}
</nav>
{{/PAGER}}
{{>FOOTER}}
