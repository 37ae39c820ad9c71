{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Inbox</h1>
<nav class="toggle" aria-label="Which activities">
  {{#MINE_CURRENT}}<span class="toggle-on" aria-current="page">Waiting for me <span class="count">{{FOR_ME}}</span></span>{{/MINE_CURRENT}}
  {{#MINE_LINK}}<a href="/?mine=1">Waiting for me <span class="count">{{FOR_ME}}</span></a>{{/MINE_LINK}}
  {{#ALL_CURRENT}}<span class="toggle-on" aria-current="page">Everything waiting <span class="count">{{TOTAL}}</span></span>{{/ALL_CURRENT}}
  {{#ALL_LINK}}<a href="/?mine=0">Everything waiting <span class="count">{{TOTAL}}</span></a>{{/ALL_LINK}}
</nav>
{{#HAS_ITEMS}}
<div class="table-wrap" tabindex="0">
<table class="inbox">
  <thead><tr>
    <th scope="col">Activity</th><th scope="col" class="hide-sm">Kind</th><th scope="col">Release</th>
    <th scope="col" class="hide-sm">Phase</th><th scope="col" class="hide-sm">Waiting since</th><th scope="col">Deadline</th>
  </tr></thead>
  <tbody>
  {{#ITEM}}
  <tr>
    <td><a href="/activities/{{ACT_ID}}"><strong>{{ACT_NAME}}</strong></a>{{#YOURS}} <span class="marker mine">Waiting for you</span>{{/YOURS}}
      <div class="show-sm muted small">{{KIND_LABEL}} · {{PHASE_NAME}}</div>
      {{#QUICK}}<div class="quick"><button type="submit" form="quick" formaction="/activities/{{ACT_ID}}/decision" name="decision" value="approve" class="approve small" aria-label="Approve {{ACT_NAME}}">Approve</button>
        <a href="/activities/{{ACT_ID}}#act">Reject…</a></div>{{/QUICK}}</td>
    <td class="hide-sm"><span class="kind k-{{KIND}}">{{KIND_LABEL}}</span></td>
    <td><a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}}</a> <code>{{RELEASE_VERSION}}</code></td>
    <td class="hide-sm"><a href="/phases/{{PHASE_ID}}">{{PHASE_NAME}}</a></td>
    <td class="hide-sm">{{#SINCE}}<span title="{{SINCE_UTC}}">{{SINCE_AGO}}</span>{{/SINCE}}</td>
    <td>{{#DEADLINE}}<time datetime="{{DEADLINE_ISO}}" data-deadline title="{{DEADLINE_UTC}}"{{#OVERDUE}} class="overdue"{{/OVERDUE}}>{{DEADLINE_LEFT}}</time>{{/DEADLINE}}{{#NO_DEADLINE}}<span class="muted">none</span>{{/NO_DEADLINE}}</td>
  </tr>
  {{/ITEM}}
  </tbody>
</table>
</div>
{{! the quick Approve buttons submit this one form, each to its own activity (formaction) }}
{{#QUICK_FORM}}<form id="quick" method="post" action="/"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="return" value="inbox"></form>{{/QUICK_FORM}}
{{/HAS_ITEMS}}
{{#NOTHING_MINE}}<div class="empty"><p>Nothing waits for you.</p>{{#OTHERS_WAITING}}<p>{{OTHERS_TEXT}} <a href="/?mine=0">See everything waiting</a>.</p>{{/OTHERS_WAITING}}</div>{{/NOTHING_MINE}}
{{#NOTHING_AT_ALL}}<p class="empty">Nothing is waiting. Every release is either running on its own or finished.</p>{{/NOTHING_AT_ALL}}
{{#NO_MORE}}<p class="empty">No more activities here. <a href="{{FIRST_URL}}">Back to the most urgent</a>.</p>{{/NO_MORE}}
{{#STUCK}}
<section aria-labelledby="stuck-h">
<h2 id="stuck-h">Releases waiting for a retry or an abort</h2>
<ul class="links">{{#STUCK_RELEASE}}<li><a href="/releases/{{RELEASE_ID}}">{{RELEASE_NAME}} <code>{{RELEASE_VERSION}}</code></a>
  <span class="badge s-{{STATUS}}">{{STATUS_LABEL}}</span> <span class="muted">{{WHAT}} did not pass</span></li>{{/STUCK_RELEASE}}</ul>
</section>
{{/STUCK}}
{{#PAGER}}
<nav class="pager" aria-label="Pages">
  {{#FIRST}}<a href="{{FIRST_URL}}">⇤ Most urgent</a>{{/FIRST}}
  {{#PREV}}<a href="{{PREV_URL}}" rel="prev">← More urgent</a>{{/PREV}}
  {{#NEXT}}<a href="{{NEXT_URL}}" rel="next">Less urgent →</a>{{/NEXT}}
</nav>
{{/PAGER}}
{{>FOOTER}}
