{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="title-row">
  <h1>Releases{{#FILTERED}} <span class="muted">· {{FILTER_LABEL}}</span>{{/FILTERED}}</h1>
  {{#CAN_START}}<a class="button primary" href="/releases/new">Start a release</a>{{/CAN_START}}
</div>
<form class="filters" method="get" action="/releases" role="search" aria-label="Filter releases">
  <div class="field">
    <label for="status">Status</label>
    <select id="status" name="status">
      {{#OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/OPTION}}
    </select>
  </div>
  <button type="submit">Filter</button>
</form>
{{#HAS_RELEASES}}
<div class="table-wrap" tabindex="0">
<table>
  <thead><tr>
    <th scope="col">Status</th><th scope="col">Release</th><th scope="col">Version</th>
    <th scope="col" class="hide-sm">Template</th><th scope="col" class="hide-sm">Started by</th>
    <th scope="col">Age</th>
  </tr></thead>
  <tbody>
  {{#RELEASE}}
  <tr>
    <td><span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span>{{#WAITING}} <span class="marker">{{WAITING_COUNT}} waiting</span>{{/WAITING}}</td>
    <td><a href="/releases/{{ID}}">{{NAME}}</a></td>
    <td><code>{{VERSION}}</code></td>
    <td class="hide-sm"><a href="/templates/{{TEMPLATE_ID}}">{{TEMPLATE_NAME}}</a> <span class="muted">v{{TEMPLATE_VERSION}}</span></td>
    <td class="hide-sm">{{STARTED_BY}}</td>
    <td class="nowrap"><span title="{{CREATED_UTC}}">{{AGE}}</span></td>
  </tr>
  {{/RELEASE}}
  </tbody>
</table>
</div>
{{/HAS_RELEASES}}
{{#NO_RELEASES}}<p class="empty">No releases yet. A pipeline starts one with <code>holdctl trigger</code> or <code>POST /api/v1/releases</code>.</p>{{/NO_RELEASES}}
{{#NO_MATCH}}<p class="empty">No releases match. <a href="/releases">Show all releases</a>.</p>{{/NO_MATCH}}
{{#PAGER}}
<nav class="pager" aria-label="Pages">
  {{#NEWEST}}<a href="{{NEWEST_URL}}">⇤ Newest</a>{{/NEWEST}}
  {{#NEWER}}<a href="{{NEWER_URL}}" rel="prev">← Newer</a>{{/NEWER}}
  {{#OLDER}}<a href="{{OLDER_URL}}" rel="next">Older →</a>{{/OLDER}}
</nav>
{{/PAGER}}
{{>FOOTER}}
